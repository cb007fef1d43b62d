import Foundation
import Testing

/// Mutated signatures judged by three validators nobody shares code with: signtool,
/// `openssl cms -verify` and pyHanko (asn1crypto + pyhanko-certvalidator, no OpenSSL).
/// Every variant's expected verdicts are written down with the reason wherever the three
/// disagree; a change in any validator's verdict fails the test.
@Suite("differential: signtool, openssl cms and pyHanko on mutated signatures")
struct DifferentialTests {
    struct Expectation: Sendable, CustomStringConvertible {
        let variant: String
        /// signtool's indication and sub-indication ("TOTAL_PASSED" alone when it passes).
        let signtool: String
        let openssl: Bool
        let pyhanko: Bool
        /// Why the validators disagree, when they do.
        let why: String
        var description: String { variant }
    }

    static let support = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support")

    static let expectations: [Expectation] = [
        .init(variant: "good", signtool: "TOTAL_PASSED", openssl: true, pyhanko: true, why: ""),
        .init(variant: "duplicate-signing-time", signtool: "TOTAL_FAILED/FORMAT_FAILURE", openssl: false, pyhanko: true,
              why: "pyHanko checks the cardinality of message-digest and signing-certificate but not of signing-time; "
                + "OpenSSL (ossl_cms_si_check_attributes) and signtool refuse a second signing time"),
        .init(variant: "two-valued-message-digest", signtool: "TOTAL_FAILED/FORMAT_FAILURE", openssl: false, pyhanko: false, why: ""),
        .init(variant: "message-digest-not-octet-string", signtool: "TOTAL_FAILED/FORMAT_FAILURE", openssl: false, pyhanko: false, why: ""),
        .init(variant: "signing-time-unsigned", signtool: "TOTAL_FAILED/FORMAT_FAILURE", openssl: false, pyhanko: true,
              why: "RFC 5652 11.3 requires signing-time to be signed; OpenSSL's attribute check and signtool refuse it unsigned, "
                + "pyHanko does not check where attributes sit"),
        .init(variant: "duplicate-signing-certificate-v2", signtool: "TOTAL_FAILED/FORMAT_FAILURE", openssl: false, pyhanko: false, why: ""),
        .init(variant: "no-signing-certificate", signtool: "TOTAL_PASSED", openssl: true, pyhanko: true,
              why: "all accept a plain CMS signature; signtool reports its level as CMS, not CAdES B-B"),
        .init(variant: "signature-algorithm-mismatch", signtool: "TOTAL_FAILED/SIG_CRYPTO_FAILURE", openssl: true, pyhanko: false,
              why: "OpenSSL takes the hash from digestAlgorithm and ignores the one signatureAlgorithm names; "
                + "signtool and pyHanko hold the signature to the algorithm it claims"),
        .init(variant: "impostor-certificate-first", signtool: "TOTAL_PASSED", openssl: false, pyhanko: true,
              why: "OpenSSL takes the first certificate matching issuer and serial (the impostor) and the signature fails; "
                + "signtool and pyHanko take the one signingCertificateV2 names"),
        .init(variant: "empty-digest-algorithms", signtool: "TOTAL_FAILED/FORMAT_FAILURE", openssl: false, pyhanko: true,
              why: "pyHanko never uses digestAlgorithms; OpenSSL sets up its content digests from it and fails; "
                + "signtool reads SignedData strictly (RFC 5652 5.1)"),
        .init(variant: "malformed-digest-algorithm-oid", signtool: "TOTAL_FAILED/FORMAT_FAILURE", openssl: false, pyhanko: true,
              why: "asn1crypto decodes the incomplete OID leniently and pyHanko does not use digestAlgorithms; "
                + "OpenSSL's DER parser and signtool refuse it"),
        .init(variant: "rsa1024-signer", signtool: "INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE", openssl: true, pyhanko: false,
              why: "openssl cms -verify runs at security level 1 (80 bits) and accepts RSA-1024; signtool and pyHanko require 2048"),
        .init(variant: "sha1-signed-certificate", signtool: "INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE", openssl: true, pyhanko: false,
              why: "OpenSSL 3.0 at its default security level still accepts SHA-1 in certificate signatures; "
                + "signtool and pyHanko refuse them"),
        .init(variant: "timestamping-signer", signtool: "INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE", openssl: false, pyhanko: false, why: ""),
    ]

    /// Builds the corpus once per test run; each variant is judged in its own test case.
    final class Corpus: @unchecked Sendable {
        let pki: TestPKI
        let work: ScratchDirectory
        init() throws {
            pki = try TestPKI()
            work = try ScratchDirectory("differential")
            try work.write("decision.txt", "قرار رقم 17/2026 بشأن تبسيط إجراءات الترخيص\n")
            let signer = try pki.issue("official", subject: "/C=SY/O=Test/CN=Official")
            try sign(signer, "good.p7s")
            // An impostor: a self-signed certificate with the issuing CA's name and the signer's serial.
            let serial = try Shell.openssl(["x509", "-noout", "-serial", "-in", signer.cert], in: work.url).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "serial=", with: "")
            try Shell.openssl(["req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                               "-keyout", work.path("impostor.key"), "-out", work.path("impostor.pem"),
                               "-subj", "/C=SY/O=Test/CN=Test Issuing CA", "-set_serial", "0x" + serial,
                               "-config", pki.directory.path("ca.cnf"), "-days", "30"], in: work.url)
            let built = try Shell.run("python3", [DifferentialTests.support.appendingPathComponent("cms_variants.py").path,
                                                  work.path("good.p7s"), signer.key, work.path("impostor.pem"), work.url.path])
            if built.status != 0 { Issue.record("cms_variants.py: \(built.stderr)") }
            let weak = try pki.issue("rsa1024", subject: "/C=SY/O=Test/CN=Weak Key", key: .rsa(1024))
            try sign(weak, "rsa1024-signer.p7s")
            let sha1 = try pki.issue("sha1", subject: "/C=SY/O=Test/CN=SHA-1 Certificate", extra: ["-md", "sha1"])
            try sign(sha1, "sha1-signed-certificate.p7s")
            let tsa = try pki.issue("tsa", subject: "/C=SY/O=Test/CN=Timestamping Key", profile: "tsa")
            try sign(tsa, "timestamping-signer.p7s")
        }

        /// `openssl cms -sign -cades`: CAdES attributes, no policy of signtool's in the way.
        private func sign(_ signer: (key: String, cert: String), _ output: String) throws {
            try Shell.openssl(["cms", "-sign", "-cades", "-binary", "-md", "sha256", "-in", "decision.txt",
                               "-signer", signer.cert, "-inkey", signer.key, "-certfile", pki.chainFile,
                               "-outform", "DER", "-out", output], in: work.url)
        }
    }

    static let corpus = Result { try Corpus() }

    @Test("each variant gets the verdicts written down for it", arguments: expectations)
    func variant(_ expected: Expectation) throws {
        let corpus = try Self.corpus.get()
        let work = corpus.work, pki = corpus.pki
        let file = "\(expected.variant).p7s"
        try #require(work.exists(file), "the corpus has no \(file)")

        let signtool = try Shell.signtool(["verify", "--json", "--offline", "--trust", pki.root, "--content", "decision.txt", file],
                                          in: work.url)
        let report = (try? JSONSerialization.jsonObject(with: Data(signtool.stdout.utf8))) as? [String: Any] ?? [:]
        let verdict = [report["indication"] as? String, report["subIndication"] as? String].compactMap { $0 }.joined(separator: "/")
        #expect(verdict == expected.signtool, "signtool on \(expected.variant): \(signtool.stdout) \(signtool.stderr)")
        if ProcessInfo.processInfo.environment["DIFFERENTIAL_KEEP"] != nil { print("corpus: \(work.url.path)"); _ = try? FileManager.default.copyItem(atPath: work.url.path, toPath: "/tmp/differential-corpus") }

        let openssl = try Shell.run("openssl", ["cms", "-verify", "-binary", "-inform", "DER", "-in", file, "-content", "decision.txt",
                                                "-CAfile", pki.root, "-purpose", "smimesign", "-out", "/dev/null"], in: work.url)
        #expect((openssl.status == 0) == expected.openssl, "openssl on \(expected.variant): \(openssl.stderr)")

        let python = try Shell.run("python3", [Self.support.appendingPathComponent("pyhanko_verify.py").path, file, "decision.txt",
                                               pki.root, pki.chainFile], in: work.url)
        let answer = (try? JSONSerialization.jsonObject(with: Data(python.stdout.utf8))) as? [String: Any] ?? [:]
        if answer.isEmpty { Issue.record("pyHanko gave no verdict on \(expected.variant): \(python.stderr)") }
        #expect((answer["valid"] as? Bool == true && answer["trusted"] as? Bool == true) == expected.pyhanko,
                "pyHanko on \(expected.variant): \(python.stdout)")
        if expected.signtool.hasPrefix("TOTAL_PASSED") != expected.openssl || expected.openssl != expected.pyhanko {
            #expect(!expected.why.isEmpty, "\(expected.variant): the validators disagree and no reason is written down")
        }
    }

    @Test("a signature without signingCertificateV2 is reported as plain CMS, not CAdES B-B")
    func plainCMSLevel() throws {
        let corpus = try Self.corpus.get()
        let result = try Shell.signtool(["verify", "--json", "--offline", "--trust", corpus.pki.root, "--content", "decision.txt",
                                         "no-signing-certificate.p7s"], in: corpus.work.url)
        #expect(result.stdout.contains("\"level\":\"CMS\""), "\(result.stdout)")
        let text = try Shell.signtool(["verify", "--offline", "--trust", corpus.pki.root, "--content", "decision.txt",
                                       "no-signing-certificate.p7s"], in: corpus.work.url)
        #expect(text.stdout.contains("plain CMS"), "\(text.stdout)")
        let good = try Shell.signtool(["verify", "--json", "--offline", "--trust", corpus.pki.root, "--content", "decision.txt",
                                       "good.p7s"], in: corpus.work.url)
        #expect(good.stdout.contains("\"level\":\"B-B\""), "\(good.stdout)")
    }
}
