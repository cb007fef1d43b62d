import Foundation
import Testing

/// What the CA must refuse (issue 8): injected names, public-suffix wildcards, weak or
/// exotic keys, validity beyond its own, end entities named like a CA, names that other
/// validators cannot match; and Arabic names that they can.
@Suite("CA refusals and Arabic names")
struct AuthorityRefusalTests {
    let ca: TestAuthority

    init() throws { ca = try TestAuthority() }

    private func refused(_ arguments: [String], because words: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let name = "x\(UUID().uuidString.prefix(8))"
        let result = try ca.run(["cert", "issue", "--key-out", ca.work.path("\(name).key"), "--no-key-passphrase",
                                 "--out", ca.work.path("\(name).pem")] + arguments)
        #expect(result.status == 65 || result.status == 68, "\(arguments): \(result.status) \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(words), "\(arguments): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(!ca.work.exists("\(name).pem"), sourceLocation: sourceLocation)
        #expect(result.stderr.split(separator: "\n").count == 1, sourceLocation: sourceLocation)
    }

    @Test("commas in --email and --dns-name inject nothing: such values are refused")
    func noSANInjection() throws {
        try refused(["--profile", "official", "--subject", "C=SY, CN=Official",
                     "--email", "a@moct.gov.sy,otherName:1.3.6.1.4.1.311.20.2.3;UTF8:admin@corp"], because: "is not an e-mail address")
        try refused(["--profile", "official", "--subject", "C=SY, CN=Official", "--email", "a,IP:10.0.0.1@moct.gov.sy"],
                    because: "no commas")
        try refused(["--profile", "tls", "--subject", "C=SY, CN=web.moct.gov.sy", "--dns-name", "web.moct.gov.sy,IP:10.0.0.1"],
                    because: "not a host name")
        try refused(["--profile", "tls", "--subject", "C=SY, CN=web.moct.gov.sy", "--dns-name", "web.moct.gov.sy,URI:http://evil"],
                    because: "not a host name")
        // A good address becomes exactly one rfc822Name.
        let (_, cert) = try ca.issue("mail", subject: "C=SY, CN=Mail Official", extra: ["--email", "official+decisions@moct.gov.sy"])
        let text = try Shell.openssl(["x509", "-in", cert, "-noout", "-ext", "subjectAltName"], in: ca.work.url).stdout
        #expect(text.contains("email:official+decisions@moct.gov.sy"))
        #expect(!text.contains(","), "\(text)")
    }

    @Test("wildcards need two labels below them and no public suffix", arguments: ["*", "*.sy", "*.gov.sy", "*.co.uk", "a.*.moct.gov.sy", "w*.moct.gov.sy"])
    func badWildcards(name: String) throws {
        try refused(["--profile", "tls", "--subject", "C=SY, CN=Web", "--dns-name", name], because: name)
    }

    @Test("a wildcard below an agency's own domain is accepted")
    func goodWildcard() throws {
        let (_, cert) = try ca.issue("web", profile: "tls", subject: "C=SY, CN=Web", extra: ["--dns-name", "*.moct.gov.sy"])
        let text = try Shell.openssl(["x509", "-in", cert, "-noout", "-ext", "subjectAltName"], in: ca.work.url).stdout
        #expect(text.contains("DNS:*.moct.gov.sy"))
    }

    @Test("keys other than P-256, P-384 and RSA >= 2048 are refused, secp256k1 and RSA-1024 CSRs among them",
          arguments: [["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp256k1"], ["-newkey", "rsa:1024"],
                      ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521"], ["-newkey", "ed25519"]])
    func weakOrExoticKeys(key: [String]) throws {
        let name = "csr\(UUID().uuidString.prefix(6))"
        try Shell.openssl(["req", "-new"] + key + ["-nodes", "-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=Requester"],
                          in: ca.work.url)
        let result = try ca.run(["cert", "issue", "--profile", "official", "--csr", "\(name).csr", "--out", "\(name).pem"])
        #expect(result.status == 68, "\(result.stderr)")
        #expect(result.stderr.contains("accepted"), "\(result.stderr)")
        #expect(!ca.work.exists("\(name).pem"))
    }

    @Test("validity outside the issuing CA's is refused")
    func validityInsideCA() throws {
        try refused(["--profile", "official", "--subject", "C=SY, CN=Early", "--not-before", "2000-01-01"], because: "before the issuing CA")
        try refused(["--profile", "official", "--subject", "C=SY, CN=Late", "--days", "100000"], because: "outlive the issuing CA")
    }

    @Test("an end entity named exactly like a CA of this authority is refused")
    func subjectEqualToCA() throws {
        let subject = try Shell.openssl(["x509", "-in", ca.issuing, "-noout", "-subject", "-nameopt", "RFC2253,-esc_msb"], in: ca.work.url)
            .stdout.replacingOccurrences(of: "subject=", with: "").trimmingCharacters(in: .whitespacesAndNewlines)
        try refused(["--profile", "official", "--subject", subject], because: "is the name of a CA")
    }

    @Test("an attribute that mixes right-to-left and left-to-right letters is refused, in ca init and cert issue")
    func mixedDirections() throws {
        try refused(["--profile", "official", "--subject", "C=SY, CN=أحمد Ahmad"], because: "mixes right-to-left and left-to-right")
        let other = try ScratchDirectory()
        let result = try Shell.signtool(["ca", "init", "--subject", "C=SY, CN=هيئة التصديق Root"], in: other.url,
                                        environment: ["SIGNTOOL_CA_PASSPHRASE": "x-passphrase", "SIGNTOOL_DATA": other.path("data")])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.contains("mixes right-to-left"))
        #expect(!other.exists("data"))
    }

    @Test("an Arabic-named CA names its CAs in Arabic; signatures by Arabic-named officials pass pyHanko and openssl")
    func arabicCAPassesPyHanko() throws {
        let arabic = try TestAuthority(subject: "C=SY, O=وزارة الاتصالات, CN=هيئة التصديق")
        let issuing = try Shell.openssl(["x509", "-in", arabic.issuing, "-noout", "-subject", "-nameopt", "utf8,sep_comma_plus"],
                                        in: arabic.work.url).stdout
        #expect(issuing.contains("CN=هيئة التصديق - الجهة المصدِرة"), "\(issuing)")
        #expect(!issuing.contains("Issuing CA"))
        let (key, cert) = try arabic.issue("official", subject: "C=SY, O=وزارة الاتصالات, CN=سامر الحلبي")
        try arabic.work.write("decision.txt", "قرار رقم 17/2026\n")
        let signed = try arabic.run(["sign", "--key", key, "--cert", cert, "--chain", arabic.chain, "decision.txt"])
        #expect(signed.status == 0, "\(signed.stderr)")
        // openssl cms -sign -cades under the same CA, too.
        try Shell.openssl(["cms", "-sign", "-cades", "-binary", "-in", "decision.txt", "-signer", cert, "-inkey", key,
                           "-certfile", arabic.chain, "-outform", "DER", "-out", "by-openssl.p7s"], in: arabic.work.url)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support/pyhanko_verify.py").path
        for signature in ["decision.txt.p7s", "by-openssl.p7s"] {
            let python = try Shell.run("python3", [script, signature, "decision.txt", arabic.root, arabic.chain], in: arabic.work.url)
            #expect(python.stdout.contains("\"valid\": true") && python.stdout.contains("\"trusted\": true"),
                    "\(signature): \(python.stdout) \(python.stderr)")
            let ours = try arabic.run(["verify", "--offline", "--trust", arabic.root, "--content", "decision.txt", signature])
            #expect(ours.status == 0, "\(ours.stdout)")
        }
    }
}
