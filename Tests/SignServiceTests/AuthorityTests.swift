import Foundation
import Testing

/// The certificate authority in the data directory, checked with openssl.
@Suite("certificate authority")
struct AuthorityTests {
    @Test("ca init makes a root, an issuing CA and service certificates; keys are encrypted and 0600")
    func initLayout() throws {
        let ca = try TestAuthority(publicURL: "http://pki.example.sy")
        for name in ["ca/root.key", "ca/issuing.key", "service/tsa.key", "service/ocsp.key"] {
            let path = ca.data + "/" + name
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(name) has mode \(String(mode ?? 0, radix: 8))")
            #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self).contains("ENCRYPTED PRIVATE KEY"))
        }
        try Shell.openssl(["verify", "-CAfile", ca.root, "-untrusted", ca.issuing, "-purpose", "timestampsign",
                       ca.data + "/service/tsa.pem"], in: ca.work.url)
        let ocsp = try Shell.openssl(["x509", "-in", ca.data + "/service/ocsp.pem", "-noout", "-text"], in: ca.work.url).stdout
        #expect(ocsp.contains("OCSP Signing") && ocsp.contains("OCSP No Check"))
        let again = try ca.run(["ca", "init", "--subject", "CN=Other"])
        #expect(again.status == 73, "\(again.stderr)")
        let wrong = try ca.run(["crl", "--out", "x.crl"], environment: ["SIGNTOOL_CA_PASSPHRASE": "wrong"])
        #expect(wrong.status == 77 && !ca.work.exists("x.crl"), "\(wrong.stderr)")
        let missing = try Shell.signtool(["cert", "list", "--data", ca.work.path("nowhere")], in: ca.work.url)
        #expect(missing.status == 66 && missing.stderr.contains("ca init"))
    }

    @Test("ca init goes into a data directory that holds only a store, and the CA then logs into its audit log; anything else is refused, unchanged")
    func initBesideStore() throws {
        let work = try ScratchDirectory()
        let environment = ["SIGNTOOL_DATA": work.path("data"), "SIGNTOOL_CA_PASSPHRASE": "ca secret"]
        func run(_ arguments: [String]) throws -> CommandResult { try Shell.signtool(arguments, in: work.url, environment: environment) }
        try work.write("letter.txt", "letter\n")
        #expect(try run(["store", "init"]).status == 0)
        let added = try run(["store", "add", "--title", "كتاب", "--kind", "letter", "--agency", "MOCT", "letter.txt"])
        #expect(added.status == 0, "\(added.stderr)")
        let made = try run(["ca", "init", "--subject", "C=SY, CN=Beside A Store"])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(work.exists("data/authority.json") && work.exists("data/ca/root.key"))
        let issued = try run(["cert", "issue", "--profile", "official", "--subject", "C=SY, CN=Official",
                              "--key-out", "o.key", "--no-key-passphrase", "--out", "o.pem"])
        #expect(issued.status == 0, "\(issued.stderr)")
        let show = try run(["store", "audit", "show"])
        #expect(show.stdout.contains("document.created") && show.stdout.contains("certificate.issued"), "\(show.stdout)")
        #expect(try run(["store", "audit", "verify"]).status == 0)
        #expect(try run(["ca", "init", "--subject", "CN=Again"]).status == 73)

        try FileManager.default.createDirectory(atPath: work.path("other"), withIntermediateDirectories: false)
        try work.write("other/notes.txt", "mine\n")
        let refused = try Shell.signtool(["ca", "init", "--data", "other", "--subject", "CN=X"], in: work.url, environment: environment)
        #expect(refused.status == 73 && refused.stderr.contains("notes.txt"), "\(refused.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path("other")) == ["notes.txt"])
    }

    @Test("each profile carries the key usage and extended key usage a government CA sets")
    func profiles() throws {
        let ca = try TestAuthority(publicURL: "http://pki.example.sy")
        let expectations: [(String, [String])] = [
            ("official", ["Digital Signature, Non Repudiation", "E-mail Protection, 1.3.6.1.5.5.7.3.36", "email:a@moct.gov.sy"]),
            ("tsa", ["Extended Key Usage: critical", "Time Stamping"]),
            ("ocsp", ["OCSP Signing", "OCSP No Check"]),
            ("provider", ["Non Repudiation, Key Agreement", "E-mail Protection"]),
            ("tls", ["TLS Web Server Authentication", "DNS:mail.example.sy"]),
        ]
        for (profile, texts) in expectations {
            let subject = profile == "tls" ? "C=SY, O=Test, CN=mail.example.sy" : "C=SY, O=Test, CN=\(profile)"
            let (_, cert) = try ca.issue(profile, profile: profile, subject: subject,
                                         extra: profile == "official" ? ["--email", "a@moct.gov.sy"] : [])
            let text = try Shell.openssl(["x509", "-in", cert, "-noout", "-text"], in: ca.work.url).stdout
            for expected in texts { #expect(text.contains(expected), "\(profile): missing \(expected)") }
            #expect(text.contains("URI:http://pki.example.sy/crl") && text.contains("OCSP - URI:http://pki.example.sy/ocsp"))
            #expect(text.contains("Policy: 2.999.760.1.1"))
            // 128-bit random serials: 16 octets, or 15 when the top octet came out zero.
            let serial = try ca.serial(of: cert)
            #expect(serial.count >= 30 && serial.count <= 32, "\(serial)")
            try Shell.openssl(["verify", "-CAfile", ca.root, "-untrusted", ca.issuing, cert], in: ca.work.url)
        }
    }

    @Test("an Arabic subject is encoded as UTF8String and survives openssl")
    func arabicSubject() throws {
        let ca = try TestAuthority()
        let (_, cert) = try ca.issue("ar", subject: "C=SY, O=وزارة العدل, CN=أحمد الحلبي")
        let subject = try Shell.openssl(["x509", "-in", cert, "-noout", "-subject", "-nameopt", "utf8,sep_comma_plus"], in: ca.work.url).stdout
        #expect(subject.contains("CN=أحمد الحلبي") && subject.contains("O=وزارة العدل"), "\(subject)")
        let asn1 = try Shell.openssl(["asn1parse", "-in", cert], in: ca.work.url).stdout
        #expect(asn1.contains("UTF8STRING"))
    }

    @Test("a PKCS#10 request from openssl is honoured; a tampered one is refused")
    func certificateRequest() throws {
        let ca = try TestAuthority()
        try Shell.openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-nodes", "-keyout", "r.key",
                       "-subj", "/C=SY/O=Req/CN=Requested Name", "-out", "r.csr"], in: ca.work.url)
        let issued = try ca.run(["cert", "issue", "--profile", "official", "--csr", "r.csr", "--out", "r.pem"])
        #expect(issued.status == 0, "\(issued.stderr)")
        let subject = try Shell.openssl(["x509", "-in", "r.pem", "-noout", "-subject"], in: ca.work.url).stdout
        #expect(subject.contains("CN = Requested Name"))
        let keyMatches = try Shell.openssl(["x509", "-in", "r.pem", "-noout", "-pubkey"], in: ca.work.url).stdout
            == (try Shell.openssl(["pkey", "-in", "r.key", "-pubout"], in: ca.work.url).stdout)
        #expect(keyMatches)
        // Flip a byte inside the request's signature.
        var der = Array(try Shell.run("openssl", ["req", "-in", "r.csr", "-outform", "DER", "-out", "r.der"], in: ca.work.url).stdout.utf8)
        der = try ca.work.read("r.der")
        der[der.count - 5] ^= 0x01
        try ca.work.write("bad.der", bytes: der)
        let refused = try ca.run(["cert", "issue", "--profile", "official", "--csr", "bad.der", "--out", "bad.pem"])
        #expect(refused.status != 0 && !ca.work.exists("bad.pem"), "\(refused.stderr)")
    }

    @Test("revocation: the next CRL lists it with its reason, CRL numbers grow, openssl rejects the certificate")
    func revocationAndCRL() throws {
        let ca = try TestAuthority()
        let (_, cert) = try ca.issue("gone")
        let serial = try ca.serial(of: cert)
        #expect(try ca.run(["crl", "--out", "before.crl"]).status == 0)
        let revoke = try ca.run(["cert", "revoke", "--serial", serial, "--reason", "keyCompromise"])
        #expect(revoke.status == 0, "\(revoke.stderr)")
        #expect(try ca.run(["cert", "revoke", "--serial", serial]).status != 0)
        #expect(try ca.run(["cert", "revoke", "--serial", "0123456789"]).status == 66)
        #expect(try ca.run(["crl", "--out", "after.crl"]).status == 0)
        #expect(try ca.run(["crl", "--root", "--out", "root.crl.pem"]).status == 0)
        try Shell.openssl(["crl", "-inform", "DER", "-in", "after.crl", "-CAfile", ca.issuing, "-noout"], in: ca.work.url)
        let before = try Shell.openssl(["crl", "-inform", "DER", "-in", "before.crl", "-noout", "-crlnumber"], in: ca.work.url).stdout
        let after = try Shell.openssl(["crl", "-inform", "DER", "-in", "after.crl", "-noout", "-text"], in: ca.work.url).stdout
        #expect(after.contains("Serial Number: \(serial)") && after.contains("Key Compromise") && after.contains("Next Update"))
        let numberBefore = Int(before.split(separator: "=").last?.trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: "0x", with: "") ?? "", radix: 16)
        let numberAfter = after.components(separatedBy: "CRL Number: \n").last?.split(separator: "\n").first
            .flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        #expect(numberBefore != nil && numberAfter != nil && numberAfter! > numberBefore!, "\(before) / \(after)")
        try Shell.openssl(["crl", "-inform", "DER", "-in", "after.crl", "-out", "after.pem"], in: ca.work.url)
        let verify = try Shell.run("openssl", ["verify", "-crl_check_all", "-CAfile", ca.root, "-untrusted", ca.issuing,
                                               "-CRLfile", "after.pem", "-CRLfile", "root.crl.pem", cert], in: ca.work.url)
        #expect(verify.status != 0 && verify.stdout.contains("certificate revoked") || verify.stderr.contains("certificate revoked"),
                "\(verify.stdout) \(verify.stderr)")
        let list = try ca.run(["cert", "list", "--json", "--revoked"]).stdout
        #expect(list.contains("\"serial\":\"\(serial)\"") && list.contains("\"reason\":\"keyCompromise\""))
    }

    @Test("a certificate the CA issued signs documents that openssl and signtool accept")
    func signsDocuments() throws {
        let ca = try TestAuthority()
        let (key, cert) = try ca.issue("official", subject: "C=SY, O=وزارة, CN=المسؤول")
        _ = try ca.work.write("decision.txt", "قرار\n")
        let signed = try ca.run(["sign", "--key", key, "--cert", cert, "--chain", ca.issuing, "decision.txt"])
        #expect(signed.status == 0, "\(signed.stderr)")
        try Shell.openssl(["cms", "-verify", "-binary", "-inform", "DER", "-in", "decision.txt.p7s", "-content", "decision.txt",
                       "-CAfile", ca.root, "-purpose", "any", "-out", "/dev/null"], in: ca.work.url)
        let verified = try ca.run(["verify", "--trust", ca.root, "decision.txt.p7s"])
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
    }
}
