import Foundation

/// A throw-away PKI built by the real `openssl` binary for one test: a root, an issuing
/// CA run with `openssl ca` (so it can revoke and issue CRLs), and signers on demand.
final class TestPKI {
    let directory: ScratchDirectory
    var root: String { directory.path("root.pem") }
    var issuing: String { directory.path("issuing.pem") }
    var crl: String { directory.path("issuing.crl") }

    /// `issuingCAOCSP`: an OCSP responder address written into the issuing CA's certificate.
    init(issuingCAOCSP: String? = nil) throws {
        directory = try ScratchDirectory("pki")
        let d = directory
        try d.write("index.txt", "")
        try d.write("crlnumber", "1000\n")
        try d.write("ca.cnf", """
            [ ca ]
            default_ca = issuing
            [ issuing ]
            dir = \(d.url.path)
            database = $dir/index.txt
            new_certs_dir = $dir
            certificate = $dir/issuing.pem
            private_key = $dir/issuing.key
            crlnumber = $dir/crlnumber
            rand_serial = yes
            default_md = sha256
            default_days = 365
            default_crl_days = 30
            policy = anything
            unique_subject = no
            copy_extensions = none
            utf8 = yes
            string_mask = utf8only
            [ anything ]
            commonName = supplied
            organizationName = optional
            countryName = optional
            [ official ]
            basicConstraints = critical, CA:FALSE
            keyUsage = critical, digitalSignature, nonRepudiation
            extendedKeyUsage = emailProtection, 1.3.6.1.5.5.7.3.36
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid
            [ tsa ]
            basicConstraints = critical, CA:FALSE
            keyUsage = critical, digitalSignature
            extendedKeyUsage = critical, timeStamping
            [ ocsp ]
            basicConstraints = critical, CA:FALSE
            keyUsage = critical, digitalSignature
            extendedKeyUsage = OCSPSigning
            [ tls ]
            basicConstraints = critical, CA:FALSE
            keyUsage = critical, digitalSignature, keyEncipherment
            extendedKeyUsage = serverAuth
            [ weak ]
            basicConstraints = critical, CA:FALSE
            keyUsage = critical, digitalSignature, nonRepudiation
            [ encipherment ]
            basicConstraints = critical, CA:FALSE
            keyUsage = critical, keyEncipherment
            [ issuing_ca ]
            basicConstraints = critical, CA:TRUE, pathlen:0
            keyUsage = critical, keyCertSign, cRLSign
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid
            \(issuingCAOCSP.map { "authorityInfoAccess = OCSP;URI:\($0)" } ?? "")
            [ req ]
            distinguished_name = dn
            utf8 = yes
            string_mask = utf8only
            [ dn ]
            """)
        try Shell.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                           "-keyout", "root.key", "-out", "root.pem", "-subj", "/C=SY/O=Test/CN=Test Root",
                           "-days", "3650", "-config", "ca.cnf",
                           "-addext", "basicConstraints=critical,CA:TRUE",
                           "-addext", "keyUsage=critical,keyCertSign,cRLSign"], in: d.url)
        try Shell.openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                           "-keyout", "issuing.key", "-out", "issuing.csr", "-subj", "/C=SY/O=Test/CN=Test Issuing CA",
                           "-config", "ca.cnf"], in: d.url)
        try Shell.openssl(["x509", "-req", "-in", "issuing.csr", "-CA", "root.pem", "-CAkey", "root.key",
                           "-set_serial", "2", "-days", "3000", "-out", "issuing.pem",
                           "-extfile", "ca.cnf", "-extensions", "issuing_ca"], in: d.url)
        try generateCRL()
    }

    enum KeyType {
        case p256, p384, rsa(Int)
        var arguments: [String] {
            switch self {
            case .p256: return ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
            case .p384: return ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"]
            case .rsa(let bits): return ["-newkey", "rsa:\(bits)"]
            }
        }
    }

    /// Issues a signer certificate; returns (key path, certificate path). Dates are
    /// `openssl ca` YYMMDDHHMMSSZ strings.
    @discardableResult
    func issue(_ name: String, subject: String, key: KeyType = .p256, profile: String = "official",
               startDate: String? = nil, endDate: String? = nil, extra: [String] = []) throws -> (key: String, cert: String) {
        let d = directory
        try Shell.openssl(["req", "-new"] + key.arguments + ["-nodes", "-keyout", "\(name).key", "-out", "\(name).csr",
                                                             "-subj", subject, "-config", "ca.cnf"], in: d.url)
        var arguments = ["ca", "-batch", "-config", "ca.cnf", "-in", "\(name).csr", "-out", "\(name).pem",
                         "-extensions", profile, "-notext"]
        if let startDate { arguments += ["-startdate", startDate] }
        if let endDate { arguments += ["-enddate", endDate] }
        arguments += extra
        try Shell.openssl(arguments, in: d.url)
        return (d.path("\(name).key"), d.path("\(name).pem"))
    }

    /// Issues an official's certificate that names `crlURL` as its CRL distribution point
    /// and, if given, `ocspURL` as its OCSP responder.
    @discardableResult
    func issue(_ name: String, subject: String, crlURL: String, ocspURL: String? = nil) throws -> (key: String, cert: String) {
        try directory.write("\(name).ext", """
            basicConstraints = critical, CA:FALSE
            keyUsage = critical, digitalSignature, nonRepudiation
            extendedKeyUsage = emailProtection
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid
            crlDistributionPoints = URI:\(crlURL)
            \(ocspURL.map { "authorityInfoAccess = OCSP;URI:\($0)" } ?? "")
            """)
        let d = directory
        try Shell.openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(name).key",
                           "-out", "\(name).csr", "-subj", subject, "-config", "ca.cnf"], in: d.url)
        try Shell.openssl(["ca", "-batch", "-config", "ca.cnf", "-in", "\(name).csr", "-out", "\(name).pem", "-notext",
                           "-extfile", "\(name).ext"], in: d.url)
        return (d.path("\(name).key"), d.path("\(name).pem"))
    }

    func revoke(_ name: String, reason: String = "keyCompromise") throws {
        try Shell.openssl(["ca", "-config", "ca.cnf", "-revoke", "\(name).pem", "-crl_reason", reason], in: directory.url)
        try generateCRL()
    }

    func generateCRL() throws {
        try Shell.openssl(["ca", "-config", "ca.cnf", "-gencrl", "-out", "issuing.crl"], in: directory.url)
    }

    /// A CRL whose nextUpdate is `seconds` after now (for tests of how long it is used).
    func generateCRL(validForSeconds seconds: Int) throws {
        let result = try Shell.openssl(["ca", "-config", "ca.cnf", "-gencrl", "-crlsec", "\(seconds)",
                                        "-out", "issuing.crl"], in: directory.url)
        guard result.status == 0 else { throw TestFailure("openssl ca -gencrl: \(result.stderr)") }
    }

    /// A file holding the issuing CA, as signers embed it.
    var chainFile: String { issuing }
}
