import Foundation
@testable import SignService
import Synchronization
import Testing

/// One verifier kept for a long time, as `signtool serve` keeps it: the validation time is
/// per call, caches are bounded, and nothing cached outlives the CRL or OCSP answer it
/// came from.
@Suite("a verifier that runs for months")
struct LongRunningVerifierTests {
    @Test("one verifier across a CRL's lifetime sees a revocation published after its first use, once the old CRL's nextUpdate passes")
    func revocationPublishedLater() async throws {
        // On threads of its own: the CRL is current for 4 s, and other suites' synchronous
        // tests that block the cooperative pool must not stretch the steps between.
        try await withTaskExecutorPreference(AsyncNetworkTests.executor) { try await publishedLater() }
    }

    private func publishedLater() async throws {
        let pki = try TestPKI()
        let work = try ScratchDirectory()
        try pki.generateCRL(validForSeconds: 4)
        let server = try HostileHTTPServer(in: work, serving: pki.crl)
        let signer = try pki.issue("official", subject: "/C=SY/CN=Official", crlURL: "http://127.0.0.1:\(server.port)/file")
        try work.write("decision.txt", "decision\n")
        #expect(try Shell.signtool(["sign", "--key", signer.key, "--cert", signer.cert, "decision.txt"], in: work.url).status == 0)
        var policy = VerificationPolicy(trustAnchors: try Certificate.loadAll(try FileIO.read(pki.root), source: "root"),
                                        intermediates: try Certificate.loadAll(try FileIO.read(pki.issuing), source: "issuing"))
        policy.revocationFetcher = RevocationFetcher()
        let verifier = try SignatureVerifier(policy: policy)
        let signature = work.path("decision.txt.p7s")

        let first = try await verifier.verify(signatureAt: signature)
        #expect(first.indication == .totalPassed, "\(first.jsonLine())")
        let fetchedFirst = server.requests().count
        #expect(fetchedFirst == 1)

        // Revoked now; the new CRL is published at once, but the old one is current for a few seconds.
        try pki.revoke("official")
        let published = Date()
        let stillCurrent = try await verifier.verify(signatureAt: signature)
        if Date().timeIntervalSince(published) < 2 {
            #expect(stillCurrent.indication == .totalPassed, "the cached CRL is current until its nextUpdate")
            #expect(server.requests().count == fetchedFirst)
        }

        try await Task.sleep(nanoseconds: 5_000_000_000)
        let later = try await verifier.verify(signatureAt: signature)
        #expect(later.indication != .totalPassed, "\(later.jsonLine())")
        #expect(later.signatures.first?.subIndication == .revokedNoPOE || later.signatures.first?.subIndication == .revoked,
                "\(later.jsonLine())")
        #expect(server.requests().count == fetchedFirst + 1)
    }

    @Test("the validation time is per call: one verifier judges the same signature valid now and expired later")
    func timePerCall() async throws {
        let pki = try TestPKI()
        let work = try ScratchDirectory()
        let signer = try pki.issue("official", subject: "/C=SY/CN=Official", endDate: "20991231235959Z")
        try work.write("decision.txt", "decision\n")
        #expect(try Shell.signtool(["sign", "--key", signer.key, "--cert", signer.cert, "decision.txt"], in: work.url).status == 0)
        let policy = VerificationPolicy(trustAnchors: try Certificate.loadAll(try FileIO.read(pki.root), source: "root"),
                                        intermediates: try Certificate.loadAll(try FileIO.read(pki.issuing), source: "issuing"))
        let verifier = try SignatureVerifier(policy: policy)
        let signature = work.path("decision.txt.p7s")
        #expect(try await verifier.verify(signatureAt: signature).indication == .totalPassed)
        let afterExpiry = try await verifier.verify(signatureAt: signature, at: Date(timeIntervalSince1970: 4_200_000_000))
        #expect(afterExpiry.indication != .totalPassed, "\(afterExpiry.jsonLine())")
        // And back: the cached result for "now" was not replaced by the later one for good.
        #expect(try await verifier.verify(signatureAt: signature).indication == .totalPassed)
    }

    @Test("caches are bounded: a hundred thousand keys leave at most the capacity; expired values are computed again; one computation per key at a time")
    func boundedCache() throws {
        let cache = ExpiringCache<Int, Int>(capacity: 1000)
        for key in 0..<100_000 { _ = cache.value(for: key) { key } }
        #expect(cache.count <= 1000)
        #expect(cache.count >= 500)
        let start = Date()
        var computed = 0
        let first = cache.value(for: -1, now: start) { computed += 1; return (1, start.addingTimeInterval(10)) }
        let again = cache.value(for: -1, now: start.addingTimeInterval(9)) { computed += 1; return (2, start.addingTimeInterval(20)) }
        let expired = cache.value(for: -1, now: start.addingTimeInterval(10)) { computed += 1; return (3, start.addingTimeInterval(30)) }
        #expect(first == 1 && again == 1 && expired == 3)
        #expect(computed == 2)
        let calls = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 64) { _ in
            _ = cache.value(for: -2, now: start) {
                calls.withLock { $0 += 1 }
                Thread.sleep(forTimeInterval: 0.01)
                return (7, start.addingTimeInterval(60))
            }
        }
        #expect(calls.withLock { $0 } == 1)
    }
}
