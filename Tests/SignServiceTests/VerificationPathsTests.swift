import Foundation
@testable import SignService
import Testing

/// The DER fast path and OpenSSL's CMS parser must reach the same verdicts.
@Suite("verification: DER fast path agrees with OpenSSL's CMS code")
struct VerificationPathsTests {
    @Test("same indication, sub-indication, signer and time for good, altered, forged and co-signed signatures")
    func pathsAgree() async throws {
        let pki = try TestPKI()
        let work = try ScratchDirectory()
        let ec = try pki.issue("ec", subject: "/C=SY/O=وزارة الصناعة/CN=موقّع", key: .p256)
        let rsa = try pki.issue("rsa", subject: "/CN=RSA Signer", key: .rsa(2048))
        let encipher = try pki.issue("enc", subject: "/CN=Wrong Usage", profile: "encipherment")
        for name in ["good", "altered", "forged", "cosigned", "rsa", "usage", "openssl"] {
            try work.write("\(name).txt", "decision \(name)\n")
        }
        func sign(_ identity: (key: String, cert: String), _ file: String, extra: [String] = []) throws {
            let result = try Shell.signtool(["sign", "--key", identity.key, "--cert", identity.cert,
                                             "--chain", pki.chainFile] + extra + [file], in: work.url)
            #expect(result.status == 0, "\(result.stderr)")
        }
        try sign(ec, "good.txt")
        try sign(ec, "altered.txt")
        try work.write("altered.txt", "decision altered, later\n")
        try sign(ec, "forged.txt")
        var forged = try work.read("forged.txt.p7s")
        forged[forged.count - 1] ^= 0x01
        try work.write("forged.txt.p7s", bytes: forged)
        try sign(ec, "cosigned.txt")
        try sign(rsa, "cosigned.txt", extra: ["--add-to", "cosigned.txt.p7s"])
        try sign(rsa, "rsa.txt")
        try sign(encipher, "usage.txt", extra: ["--allow-invalid-certificate"])
        try Shell.openssl(["cms", "-sign", "-binary", "-in", "openssl.txt", "-signer", ec.cert, "-inkey", ec.key,
                           "-outform", "DER", "-out", "openssl.txt.p7s"], in: work.url)

        let anchors = try Certificate.loadAll(FileIO.read(pki.root), source: pki.root)
        let extra = try Certificate.loadAll(FileIO.read(pki.chainFile), source: pki.chainFile)
        let policy = VerificationPolicy(trustAnchors: anchors, intermediates: extra)
        let fast = try SignatureVerifier(policy: policy, readsDERDirectly: true)
        let reference = try SignatureVerifier(policy: policy, readsDERDirectly: false)
        var seen: Set<String> = []
        for name in ["good", "altered", "forged", "cosigned", "rsa", "usage", "openssl"] {
            let path = work.path("\(name).txt.p7s")
            let a = try await fast.verify(signatureAt: path)
            let b = try await reference.verify(signatureAt: path)
            #expect(a.indication == b.indication, "\(name)")
            #expect(a.subIndication == b.subIndication, "\(name)")
            #expect(a.signatures.count == b.signatures.count, "\(name)")
            for (x, y) in zip(a.signatures, b.signatures) {
                #expect(x.indication == y.indication && x.subIndication == y.subIndication, "\(name)")
                #expect(x.signer == y.signer, "\(name)")
                #expect(x.signingTime == y.signingTime, "\(name)")
                #expect(x.digestAlgorithm == y.digestAlgorithm, "\(name)")
                #expect(x.signatureAlgorithm == y.signatureAlgorithm, "\(name)")
                #expect(x.errors == y.errors, "\(name)")
            }
            seen.insert(a.subIndication?.rawValue ?? a.indication.rawValue)
        }
        // The corpus really covers different verdicts.
        #expect(seen.isSuperset(of: ["TOTAL_PASSED", "HASH_FAILURE", "SIG_CRYPTO_FAILURE", "CHAIN_CONSTRAINTS_FAILURE"]))
    }

    @Test("hostile DER never crashes the reader: every truncation and many bit flips are rejected or judged")
    func hostileInput() throws {
        let pki = try TestPKI()
        let work = try ScratchDirectory()
        let ec = try pki.issue("ec", subject: "/CN=Fuzz", key: .p256)
        try work.write("doc.txt", "doc\n")
        #expect(try Shell.signtool(["sign", "--key", ec.key, "--cert", ec.cert, "doc.txt"], in: work.url).status == 0)
        let good = try work.read("doc.txt.p7s")
        for length in 0..<good.count {
            #expect(throws: (any Error).self) { try ParsedSignedData(Array(good.prefix(length))) }
        }
        var generator = SeededGenerator("hostile DER bit flips")
        for _ in 0..<2000 {
            var mutated = good
            mutated[Int.random(in: 0..<mutated.count, using: &generator)] ^= UInt8.random(in: 1...255, using: &generator)
            if let parsed = try? ParsedSignedData(mutated) {
                for info in parsed.signerInfos {
                    _ = info.messageDigest
                    _ = info.signingTime
                    _ = info.contentTypeAttribute
                }
            }
        }
        #expect(try ParsedSignedData(good).signerInfos.count == 1, "seed \(generator.seed)")
    }
}
