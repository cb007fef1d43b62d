import Foundation
@testable import SignService
import Testing

/// The network layer waits without threads: many slow servers cost suspended tasks, not
/// threads, and a body over its limit is cut while it streams in.
@Suite("async network: no thread waits, bodies cut while streaming")
struct AsyncNetworkTests {
    /// The tests' own tasks run on two threads of their own: the other suites' synchronous
    /// tests, which block the cooperative pool while they wait for subprocesses, do not
    /// delay them, and two threads are all that 64 non-blocking verifications need.
    static let executor = NetworkExecutor(name: "async-network-tests", threads: 2)

    @Test("64 verifications whose CRL addresses trickle, each with a 2 s deadline, end together in about 2 s")
    func concurrentSlowFetches() async throws {
        let pki = try TestPKI()
        let work = try ScratchDirectory()
        let server = try HostileHTTPServer(in: work)
        let signer = try pki.issue("official", subject: "/C=SY/CN=Official", crlURL: server.url + "/slow")
        try work.write("decision.txt", "decision\n")
        #expect(try Shell.signtool(["sign", "--key", signer.key, "--cert", signer.cert, "decision.txt"], in: work.url).status == 0)
        let anchors = try Certificate.loadAll(try FileIO.read(pki.root), source: "root")
        let intermediates = try Certificate.loadAll(try FileIO.read(pki.issuing), source: "issuing")
        var options = HTTPFetcher.Options()
        options.timeout = 2
        // A verifier (and a fetcher, with its cache) each: 64 downloads, none shared.
        let verifiers = try (0..<64).map { _ in
            var policy = VerificationPolicy(trustAnchors: anchors, intermediates: intermediates)
            policy.revocationFetcher = RevocationFetcher(options: options)
            return try SignatureVerifier(policy: policy)
        }
        let signature = work.path("decision.txt.p7s")
        let (reports, elapsed) = try await withTaskExecutorPreference(Self.executor) {
            let started = ContinuousClock.now
            let reports = try await withThrowingTaskGroup(of: ValidationReport.self) { group in
                for verifier in verifiers {
                    group.addTask { try await verifier.verify(signatureAt: signature) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            return (reports, ContinuousClock.now - started)
        }
        #expect(reports.count == 64)
        for report in reports {
            #expect(report.jsonLine().contains("no complete answer within 2 s"), "\(report.jsonLine())")
        }
        #expect(elapsed >= .milliseconds(1900))
        // Sixty-four threads' worth of waiting on two cores would take half a minute.
        #expect(elapsed < .seconds(8), "took \(elapsed)")
        #expect(server.requests().filter { $0.path == "/slow" }.count == 64)
    }

    @Test("a batch timestamped through a slow TSA keeps many requests waiting at once, not one per core; every signature is B-T")
    func batchOverlapsTimestamps() throws {
        let pki = try TestPKI()
        let work = try ScratchDirectory()
        let signer = try pki.issue("official", subject: "/C=SY/CN=Batch Official")
        let port = try TestServer.freePort()
        let ca = try TestAuthority(publicURL: "http://127.0.0.1:\(port)")
        let service = try TestServer(authority: ca, port: port)
        let token = try String(contentsOfFile: ca.data + "/service/tsa-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let log = work.path("proxy.json")
        // Each timestamp waits 0.5 s in the proxy before the real TSA answers it.
        let proxy = try HostileHTTPServer(script: "slow_proxy.py", arguments: [service.url + "/tsa", "0.5", log], log: log)
        let files = try (0..<24).map { try work.write("letter-\($0).txt", "letter \($0)\n") }
        let signed = try Shell.signtool(["sign", "--key", signer.key, "--cert", signer.cert, "--chain", pki.chainFile,
                                         "--tsa", proxy.url + "/tsa", "--quiet"] + files, in: work.url,
                                        environment: ["SIGNTOOL_TSA_TOKEN": token, "SIGNTOOL_TSA_TRUST": ca.root])
        #expect(signed.status == 0, "\(signed.stderr)")
        struct Seen: Decodable { let most: Int; let total: Int }
        let seen = try JSONDecoder().decode(Seen.self, from: Data(try work.read("proxy.json")))
        #expect(seen.total == 24)
        // Two cores: a batch that held a thread per waiting signature would keep two waiting.
        #expect(seen.most >= 8, "at most \(seen.most) requests waited at once")
        _ = try work.write("roots.pem", try String(contentsOfFile: pki.root, encoding: .utf8) + String(contentsOfFile: ca.root, encoding: .utf8))
        let verified = try Shell.signtool(["verify", "--trust", "roots.pem", "--offline", "--json"] + files.map { $0 + ".p7s" }, in: work.url)
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(verified.stdout.components(separatedBy: "\"level\":\"B-T\"").count - 1 == 24, "\(verified.stdout.prefix(600))")
    }

    @Test("an endless body is cut near its limit while it streams; an announced length over it is refused unread")
    func bodyCutWhileStreaming() async throws {
        try await withTaskExecutorPreference(Self.executor) { try await cutWhileStreaming() }
    }

    private func cutWhileStreaming() async throws {
        let work = try ScratchDirectory()
        let server = try HostileHTTPServer(in: work)
        var options = HTTPFetcher.Options()
        options.maximumCRLSize = 100 << 10
        let endless = ByteCounter()
        let started = ContinuousClock.now
        await #expect {
            try await HTTPFetcher.$bodyBytesReceived.withValue(endless) {
                _ = try await HTTPFetcher.get(server.url + "/endless", kind: .crl, options: options)
            }
        } throws: { error in
            (error as? SignServiceError)?.reason.contains("larger than the limit of 100 KiB") == true
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        // Past the limit by at most the chunk that crossed it.
        #expect(endless.total > 100 << 10 && endless.total <= (100 << 10) + (64 << 10), "read \(endless.total) bytes")

        let huge = ByteCounter()
        await #expect {
            try await HTTPFetcher.$bodyBytesReceived.withValue(huge) {
                _ = try await HTTPFetcher.get(server.url + "/huge", kind: .crl, options: options)
            }
        } throws: { error in
            (error as? SignServiceError)?.reason.contains("announces 100000000000 bytes") == true
        }
        #expect(huge.total == 0)
    }

    @Test("a server asked again later answers again: no connection is kept between exchanges")
    func freshConnectionEachTime() async throws {
        let pki = try TestPKI()
        let work = try ScratchDirectory()
        try pki.generateCRL()
        let server = try HostileHTTPServer(in: work, serving: pki.crl)
        var options = HTTPFetcher.Options()
        options.timeout = 5
        for _ in 0..<2 {
            let body = try await HTTPFetcher.get(server.url + "/file", kind: .crl, options: options)
            #expect(body == (try FileIO.read(pki.crl, limit: 1 << 20)))
            try await Task.sleep(nanoseconds: 1_500_000_000)
        }
        #expect(server.requests().count == 2)
    }

    @Test("concurrent async callers of one cache key share one computation")
    func oneComputationPerKey() async {
        let cache = ExpiringCache<String, Int>(capacity: 16)
        let calls = ByteCounter()
        let now = Date()
        let values = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<64 {
                group.addTask {
                    await cache.value(for: "key", now: now) {
                        calls.add(1)
                        try? await Task.sleep(nanoseconds: 50_000_000)
                        return (7, now.addingTimeInterval(60))
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(values == Array(repeating: 7, count: 64))
        #expect(calls.total == 1)
    }
}
