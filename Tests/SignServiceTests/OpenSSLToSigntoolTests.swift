import Foundation
import Testing

/// Signatures made by `openssl cms -sign` are judged by `signtool verify`.
@Suite("openssl cms -sign → signtool verify")
struct OpenSSLToSigntoolTests {
    let pki: TestPKI
    let work: ScratchDirectory

    init() throws {
        pki = try TestPKI()
        work = try ScratchDirectory()
        try work.write("decision.txt", "قرار رقم 17/2026 بشأن تبسيط إجراءات الترخيص\n")
    }

    private func opensslSign(key: String, cert: String, output: String, attached: Bool,
                             extra: [String] = []) throws {
        var arguments = ["cms", "-sign", "-binary", "-in", "decision.txt", "-signer", cert, "-inkey", key,
                         "-certfile", pki.chainFile, "-outform", "DER", "-out", output]
        if attached { arguments.append("-nodetach") }
        try Shell.openssl(arguments + extra, in: work.url)
    }

    private func verify(_ signature: String, extra: [String] = []) throws -> (CommandResult, [String: Any]) {
        let result = try Shell.signtool(["verify", "--json", "--trust", pki.root] + extra + [signature], in: work.url)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        return (result, object)
    }

    @Test("detached and attached signatures with P-256, P-384 and RSA-PSS/SHA-512 pass",
          arguments: [("p256", false), ("p256", true), ("p384", false), ("p384", true), ("pss", false), ("pss", true)])
    func acceptsOpenSSLSignatures(kind: String, attached: Bool) throws {
        let key: TestPKI.KeyType = kind == "p256" ? .p256 : kind == "p384" ? .p384 : .rsa(3072)
        let signer = try pki.issue("signer-\(kind)", subject: "/C=SY/O=Ministry of Industry/CN=Signer \(kind)", key: key)
        var extra: [String] = []
        if kind == "pss" { extra = ["-md", "sha512", "-keyopt", "rsa_padding_mode:pss"] }
        if kind == "p384" { extra = ["-md", "sha384"] }
        let output = attached ? "decision.p7m" : "decision.txt.p7s"
        try opensslSign(key: signer.key, cert: signer.cert, output: output, attached: attached, extra: extra)
        let (result, report) = try verify(output)
        #expect(result.status == 0, "stderr: \(result.stderr) stdout: \(result.stdout)")
        #expect(report["indication"] as? String == "TOTAL_PASSED")
        let signature = (report["signatures"] as? [[String: Any]])?.first
        if kind == "pss" {
            #expect(signature?["signatureAlgorithm"] as? String == "RSASSA-PSS")
            #expect(signature?["digestAlgorithm"] as? String == "SHA-512")
        }
        #expect((signature?["signer"] as? [String: Any])?["commonName"] as? String == "Signer \(kind)")
    }

    @Test("tampered content fails with HASH_FAILURE and exit 1")
    func tamperedContent() throws {
        let signer = try pki.issue("signer", subject: "/CN=Signer")
        try opensslSign(key: signer.key, cert: signer.cert, output: "decision.txt.p7s", attached: false)
        try work.write("decision.txt", "قرار رقم 18/2026 بشأن تبسيط إجراءات الترخيص\n")
        let (result, report) = try verify("decision.txt.p7s")
        #expect(result.status == 1)
        #expect(report["indication"] as? String == "TOTAL_FAILED")
        #expect(report["subIndication"] as? String == "HASH_FAILURE")
    }

    @Test("a signer under an untrusted root is INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND")
    func untrustedRoot() throws {
        let other = try TestPKI()
        let signer = try other.issue("stranger", subject: "/CN=Stranger")
        try Shell.openssl(["cms", "-sign", "-binary", "-in", "decision.txt", "-signer", signer.cert, "-inkey", signer.key,
                           "-certfile", other.chainFile, "-outform", "DER", "-out", "decision.txt.p7s"], in: work.url)
        let (result, report) = try verify("decision.txt.p7s")
        #expect(result.status == 2)
        #expect(report["indication"] as? String == "INDETERMINATE")
        #expect(report["subIndication"] as? String == "NO_CERTIFICATE_CHAIN_FOUND")
    }

    @Test("an expired signer without proof of existence is INDETERMINATE / OUT_OF_BOUNDS_NO_POE")
    func expiredSigner() throws {
        let signer = try pki.issue("expired", subject: "/CN=Former Official",
                                   startDate: "200101000000Z", endDate: "210101000000Z")
        try opensslSign(key: signer.key, cert: signer.cert, output: "decision.txt.p7s", attached: false)
        let (result, report) = try verify("decision.txt.p7s")
        #expect(result.status == 2)
        #expect(report["subIndication"] as? String == "OUT_OF_BOUNDS_NO_POE")
    }

    @Test("a signer revoked in a CRL from openssl ca -gencrl does not pass")
    func revokedSigner() throws {
        let signer = try pki.issue("revoked", subject: "/CN=Dismissed Official")
        try pki.revoke("revoked")
        // Signed after the revocation: the signer's own signing time is later than it.
        try opensslSign(key: signer.key, cert: signer.cert, output: "decision.txt.p7s", attached: false)
        let (result, report) = try verify("decision.txt.p7s", extra: ["--crl", pki.crl])
        #expect(result.status == 1)
        #expect(report["indication"] as? String == "TOTAL_FAILED")
        #expect(report["subIndication"] as? String == "REVOKED")

        // Without the CRL the same signature passes, with a note that revocation was not checked.
        let (unchecked, uncheckedReport) = try verify("decision.txt.p7s")
        #expect(unchecked.status == 0)
        let warnings = JSONFinding.list((uncheckedReport["signatures"] as? [[String: Any]])?.first?["warnings"]) ?? []
        #expect(warnings.contains { $0.code == "revocationNotChecked" }, "\(warnings)")
    }

    @Test("a signer revoked after signing, with no proof of the signing time, is INDETERMINATE / REVOKED_NO_POE; DER inputs work")
    func revokedAfterSigning() throws {
        let signer = try pki.issue("later", subject: "/CN=Official Revoked Later")
        try opensslSign(key: signer.key, cert: signer.cert, output: "decision.txt.p7s", attached: false)
        // CRL revocation times have one-second resolution: make "after" unambiguous.
        Thread.sleep(forTimeInterval: 1.1)
        try pki.revoke("later", reason: "superseded")
        try Shell.openssl(["x509", "-in", pki.root, "-outform", "DER", "-out", "root.der"], in: work.url)
        try Shell.openssl(["crl", "-in", pki.crl, "-outform", "DER", "-out", "issuing.crl.der"], in: work.url)
        let result = try Shell.signtool(["verify", "--json", "--trust", "root.der", "--crl", "issuing.crl.der",
                                         "decision.txt.p7s"], in: work.url)
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(result.status == 2, "\(result.stdout) \(result.stderr)")
        #expect(report["indication"] as? String == "INDETERMINATE")
        #expect(report["subIndication"] as? String == "REVOKED_NO_POE")
    }

    @Test("a good signer checked against a CRL that does not list it passes")
    func goodSignerWithCRL() throws {
        let signer = try pki.issue("good", subject: "/CN=Serving Official")
        try pki.issue("other", subject: "/CN=Someone Else")
        try pki.revoke("other")
        try opensslSign(key: signer.key, cert: signer.cert, output: "decision.txt.p7s", attached: false)
        let (result, report) = try verify("decision.txt.p7s", extra: ["--crl", pki.crl])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(report["indication"] as? String == "TOTAL_PASSED")
    }

    @Test("a certificate whose key usage forbids signing is INDETERMINATE")
    func wrongKeyUsage() throws {
        let signer = try pki.issue("encipher", subject: "/CN=Encryption Only", profile: "encipherment")
        try opensslSign(key: signer.key, cert: signer.cert, output: "decision.txt.p7s", attached: false)
        let (result, report) = try verify("decision.txt.p7s")
        #expect(result.status == 2)
        #expect(report["subIndication"] as? String == "CHAIN_CONSTRAINTS_FAILURE")
    }

    @Test("a timestamp made by openssl ts -reply (response or bare token) verifies; an altered file or an untrusted TSA does not")
    func opensslTimestamp() throws {
        try pki.directory.write("tsa.ext", """
            basicConstraints = critical, CA:FALSE
            keyUsage = critical, digitalSignature
            extendedKeyUsage = critical, timeStamping
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid
            """)
        try Shell.openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "tsa.key",
                           "-out", "tsa.csr", "-subj", "/C=SY/O=Test/CN=Test OpenSSL TSA", "-config", "ca.cnf"], in: pki.directory.url)
        try Shell.openssl(["ca", "-batch", "-config", "ca.cnf", "-in", "tsa.csr", "-out", "tsa.pem", "-notext",
                           "-extfile", "tsa.ext"], in: pki.directory.url)
        try pki.directory.write("tsaserial", "01\n")
        let d = pki.directory.url.path
        try pki.directory.write("tsa.cnf", """
            [ tsa ]
            default_tsa = ministry
            [ ministry ]
            serial = \(d)/tsaserial
            signer_cert = \(d)/tsa.pem
            certs = \(d)/issuing.pem
            signer_key = \(d)/tsa.key
            signer_digest = sha256
            default_policy = 1.2.3.4.1
            digests = sha256, sha384, sha512
            accuracy = secs:1
            tsa_name = yes
            ess_cert_id_alg = sha256
            """)
        try Shell.openssl(["ts", "-query", "-data", "decision.txt", "-sha256", "-cert", "-out", "q.tsq"], in: work.url)
        try Shell.openssl(["ts", "-reply", "-queryfile", "q.tsq", "-config", pki.directory.path("tsa.cnf"),
                           "-out", "decision.txt.tsr"], in: work.url)
        try work.write("copy.txt", try String(contentsOfFile: work.path("decision.txt"), encoding: .utf8))
        try Shell.openssl(["ts", "-reply", "-queryfile", "q.tsq", "-config", pki.directory.path("tsa.cnf"),
                           "-token_out", "-out", "copy.txt.tst"], in: work.url)

        for file in ["decision.txt.tsr", "copy.txt.tst"] {
            let (result, report) = try verify(file)
            #expect(result.status == 0 && report["kind"] as? String == "timestamp", "\(result.stdout)")
            let entry = (report["signatures"] as? [[String: Any]])?.first ?? [:]
            #expect(((entry["timestamp"] as? [String: Any])?["tsa"] as? String)?.contains("CN=Test OpenSSL TSA") == true, "\(entry)")
            let warnings = JSONFinding.list(entry["warnings"])
            #expect(warnings?.allSatisfy { $0.code == "revocationNotChecked" } == true, "\(entry)")
        }
        let arabic = try Shell.signtool(["verify", "--lang", "ar", "--trust", pki.root, "--crl", pki.crl, "decision.txt.tsr"], in: work.url)
        #expect(arabic.status == 0 && arabic.stdout.contains("ملف الختم الزمني") && arabic.stdout.contains("كان الملف موجوداً"), "\(arabic.stdout)")

        // A truncated timestamp is an input error (65), reported as a timestamp.
        let whole = try work.read("decision.txt.tsr")
        try work.write("cut.txt", "x")
        try work.write("cut.txt.tsr", bytes: Array(whole.prefix(whole.count / 2)))
        let cut = try Shell.signtool(["verify", "--trust", pki.root, "cut.txt.tsr"], in: work.url)
        #expect(cut.status == 65 && cut.stdout.contains("Timestamp file: cut.txt.tsr")
                && cut.stderr.contains("not an RFC 3161 timestamp"), "\(cut.stdout) \(cut.stderr)")

        try work.write("decision.txt", "قرار معدَّل\n")
        let (altered, alteredReport) = try verify("decision.txt.tsr")
        #expect(altered.status == 1 && alteredReport["subIndication"] as? String == "HASH_FAILURE", "\(altered.stdout)")

        let stranger = try TestPKI()
        let untrusted = try Shell.signtool(["verify", "--json", "--trust", stranger.root, "copy.txt.tst"], in: work.url)
        #expect(untrusted.status == 2 && untrusted.stdout.contains("NO_CERTIFICATE_CHAIN_FOUND"), "\(untrusted.stdout)")
    }
}
