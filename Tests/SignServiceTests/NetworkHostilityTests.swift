import Foundation
import Testing

/// Servers named by certificates, or given as a TSA, are strangers: their answers are
/// bounded in size and time, credentials stay with the origin they are for, and a
/// certificate nobody trusts does not get to make the verifier call its addresses.
@Suite("hostile network: size limits, deadlines, redirects, who gets fetched", .serialized)
struct NetworkHostilityTests {
    let pki: TestPKI
    let work: ScratchDirectory

    init() throws {
        pki = try TestPKI()
        work = try ScratchDirectory()
        try work.write("decision.txt", "قرار رقم 17/2026\n")
    }

    /// Runs signtool and reports its exit status, output and peak memory (KiB).
    private func measured(_ arguments: [String], environment: [String: String] = [:]) throws -> (CommandResult, Int) {
        let wrapper = """
            import resource, subprocess, sys
            code = subprocess.run(sys.argv[1:]).returncode
            sys.stderr.write('\\nmaxrss=%d\\n' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
            sys.exit(code)
            """
        try work.write("measure.py", wrapper)
        let result = try Shell.run("python3", ["measure.py", Shell.signtoolPath] + arguments, in: work.url, environment: environment)
        let rss = result.stderr.components(separatedBy: "maxrss=").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? -1
        return (result, rss)
    }

    private func signedBy(crlURL: String, name: String = "official", in pki: TestPKI? = nil) throws -> String {
        let pki = pki ?? self.pki
        let signer = try pki.issue(name, subject: "/C=SY/O=Test/CN=\(name)", crlURL: crlURL)
        let output = "\(name).p7s"
        let result = try Shell.signtool(["sign", "--key", signer.key, "--cert", signer.cert, "--chain", pki.chainFile,
                                         "--out", output, "decision.txt"], in: work.url)
        #expect(result.status == 0, "\(result.stderr)")
        return output
    }

    @Test("a CRL address announcing 100 GB, or streaming forever, is cut at the limit: bounded memory, a note, a verdict",
          arguments: ["/huge", "/endless"])
    func oversizedCRL(path: String) throws {
        let server = try HostileHTTPServer(in: work)
        let signature = try signedBy(crlURL: server.url + path)
        let started = Date()
        let (result, rss) = try measured(["verify", "--json", "--no-cache", "--trust", pki.root, "--content", "decision.txt", signature])
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(rss > 0 && rss < 200 * 1024, "peak RSS \(rss) KiB")
        #expect(result.stdout.contains("larger than the limit of 10 MiB") || result.stdout.contains("announces 100000000000 bytes"),
                "\(result.stdout) \(result.stderr)")
        #expect(server.requests().count == 1)
    }

    @Test("--max-crl-size sets the CRL limit; a server that trickles is stopped by the overall deadline")
    func configurableLimitAndDeadline() throws {
        let server = try HostileHTTPServer(in: work)
        let signature = try signedBy(crlURL: server.url + "/slow")
        let started = Date()
        let slow = try Shell.signtool(["verify", "--json", "--no-cache", "--timeout", "2", "--trust", pki.root,
                                       "--content", "decision.txt", signature], in: work.url)
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed < 10, "took \(elapsed) s")
        #expect(slow.stdout.contains("no complete answer within 2 s"), "\(slow.stdout)")

        let huge = try HostileHTTPServer(in: work)
        let other = try signedBy(crlURL: huge.url + "/endless", name: "second")
        let limited = try Shell.signtool(["verify", "--json", "--no-cache", "--max-crl-size", "100K", "--trust", pki.root,
                                          "--content", "decision.txt", other], in: work.url)
        #expect(limited.stdout.contains("larger than the limit of 100 KiB"), "\(limited.stdout)")
        let bad = try Shell.signtool(["verify", "--max-crl-size", "lots", "--trust", pki.root, other], in: work.url)
        #expect(bad.status == 64)
    }

    @Test("an endless TSA answer is cut at 64 KiB and timestamp fails with 76; nothing is written")
    func endlessTimestampAnswer() throws {
        let server = try HostileHTTPServer(in: work)
        let (result, rss) = try measured(["timestamp", "--tsa", server.url + "/endless", "decision.txt"],
                                         environment: ["SIGNTOOL_TSA_TOKEN": "secret-token-0123456789abcdef0123456789"])
        #expect(result.status == 76, "\(result.stderr)")
        #expect(result.stderr.contains("larger than the limit of 64 KiB"), "\(result.stderr)")
        #expect(rss > 0 && rss < 200 * 1024, "peak RSS \(rss) KiB")
        #expect(!work.exists("decision.txt.tsr"))
    }

    @Test("the TSA token is never sent on after a redirect (302 and 307): POST redirects are not followed",
          arguments: [302, 307])
    func noCredentialsAcrossRedirects(code: Int) throws {
        let tsa = try HostileHTTPServer(in: work)
        let elsewhere = try HostileHTTPServer(in: work)
        let token = "secret-token-0123456789abcdef0123456789"
        let result = try Shell.signtool(["timestamp", "--tsa", "\(tsa.url)/redirect/\(code)/\(elsewhere.port)/tsa", "decision.txt"],
                                        in: work.url, environment: ["SIGNTOOL_TSA_TOKEN": token])
        #expect(result.status == 76, "\(result.stderr)")
        #expect(result.stderr.contains("not followed"), "\(result.stderr)")
        #expect(tsa.requests().first?.authorization == "Bearer \(token)")
        #expect(elsewhere.requests().isEmpty, "the redirect target was called: \(elsewhere.requests())")
        #expect(!result.stderr.contains(token))
    }

    @Test("a signature under an untrusted root makes verify call none of its addresses")
    func noFetchForUntrustedChains() throws {
        let server = try HostileHTTPServer(in: work)
        let stranger = try TestPKI()
        let signature = try signedBy(crlURL: server.url + "/tracking-pixel", name: "stranger", in: stranger)
        let result = try Shell.signtool(["verify", "--json", "--no-cache", "--trust", pki.root, "--content", "decision.txt", signature],
                                        in: work.url)
        #expect(result.status == 2)
        #expect(result.stdout.contains("NO_CERTIFICATE_CHAIN_FOUND"))
        #expect(server.requests().isEmpty, "verify called \(server.requests().map(\.path))")
    }

    @Test("one CRL address is fetched once per run, however many signatures name it")
    func eachAddressOnce() throws {
        try pki.generateCRL()
        let server = try HostileHTTPServer(in: work, serving: pki.crl)
        var signatures: [String] = []
        for index in 0..<6 {
            let signature = try signedBy(crlURL: server.url + "/file", name: "official\(index)")
            // FILE.p7s signs FILE: give each signature its document under that name.
            try work.write(String(signature.dropLast(4)), "قرار رقم 17/2026\n")
            signatures.append(signature)
        }
        // Each signature signs decision.txt; verify them in one run.
        var arguments = ["verify", "--json", "--no-cache", "--trust", pki.root, "--content", "decision.txt"]
        arguments += [signatures[0]]
        let one = try Shell.signtool(arguments, in: work.url)
        #expect(one.status == 0, "\(one.stdout)")
        #expect(server.requests().count == 1)
        let many = try Shell.signtool(["verify", "--json", "--no-cache", "--trust", pki.root] + signatures, in: work.url)
        #expect(many.status == 0, "\(many.stdout) \(many.stderr)")
        #expect(many.stdout.split(separator: "\n").count == 6)
        #expect(server.requests().count == 2, "\(server.requests().map(\.path))")
    }
}
