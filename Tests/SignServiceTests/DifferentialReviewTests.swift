import Foundation
@testable import SignService
import Testing

/// What a differential review against openssl and pyHanko found in issue 9's work, each
/// with the behaviour now expected.
@Suite("differential review of issue 9")
struct DifferentialReviewTests {
    @Test("a .tsr that holds a TSA's rejection is malformed input (exit 65), not a refused request (76)")
    func rejectionFile() throws {
        let pki = try TestPKI()
        let work = try ScratchDirectory()
        try work.write("doc.txt", "doc\n")
        // TimeStampResp { status PKIStatusInfo { status rejection(2) } }, no token.
        try Data([0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x02]).write(to: URL(fileURLWithPath: work.path("doc.txt.tsr")))
        let result = try Shell.signtool(["verify", "--trust", pki.root, "doc.txt.tsr"], in: work.url)
        #expect(result.status == 65, "\(result.status): \(result.stderr)")
        #expect(result.stderr.contains("rejection"))
    }

    @Test("a signature without signed attributes (openssl cms -noattr) is level CMS, not B-B")
    func noAttributesLevel() throws {
        let pki = try TestPKI()
        let work = try ScratchDirectory()
        let signer = try pki.issue("signer", subject: "/C=SY/CN=No Attributes")
        try work.write("doc.txt", "doc\n")
        let made = try Shell.openssl(["cms", "-sign", "-noattr", "-binary", "-in", "doc.txt", "-signer", signer.cert, "-inkey", signer.key,
                                      "-outform", "DER", "-out", "doc.txt.p7s"], in: work.url)
        #expect(made.status == 0, "\(made.stderr)")
        let result = try Shell.signtool(["verify", "--json", "--trust", pki.root, "--untrusted", pki.issuing, "--crl", pki.crl,
                                         "doc.txt.p7s"], in: work.url)
        #expect(result.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let signature = try #require((object["signatures"] as? [[String: Any]])?.first)
        #expect(signature["level"] as? String == SignatureLevel.plainCMS.rawValue, "\(signature)")
        #expect(signature["subIndication"] as? String == "FORMAT_FAILURE")
    }

    @Test("caches bounded in bytes: values of attacker-chosen size cannot hold more than the budget")
    func byteBudget() {
        let cache = ExpiringCache<Int, [UInt8]>(capacity: 100_000, maximumCost: 1 << 20)
        for key in 0..<1000 { _ = cache.value(for: key, cost: 64 << 10) { [UInt8](repeating: 0, count: 64 << 10) } }
        #expect(cache.cost <= (1 << 20) + (64 << 10), "\(cache.cost) bytes held")
        #expect(cache.count <= 17)
    }
}
