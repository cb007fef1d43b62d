import Foundation
import Testing

/// The CA's register changes only with the CA passphrase, and the service trusts only rows
/// written with it; the service's own TSA token is a client like the others.
@Suite("CA register: passphrase, MACs, the service client")
struct RegisterIntegrityTests {
    /// POSTs an RFC 3161 request to /tsa with `token`; returns the HTTP status.
    private func tsaStatus(_ server: TestServer, token: String, in ca: TestAuthority) throws -> Int {
        try ca.work.write("d.txt", "decision\n")
        try Shell.openssl(["ts", "-query", "-data", "d.txt", "-sha256", "-cert", "-out", "q.tsq"], in: ca.work.url)
        let result = try Shell.run("curl", ["-sS", "--max-time", "20", "-o", "/dev/null", "-w", "%{http_code}",
                                            "-H", "Authorization: Bearer \(token)", "-H", "Content-Type: application/timestamp-query",
                                            "--data-binary", "@q.tsq", server.url + "/tsa"], in: ca.work.url)
        return Int(result.stdout) ?? -1
    }

    /// Polls until the status is `expected` (the service refreshes its list every second).
    private func eventually(_ expected: Int, _ probe: () throws -> Int) throws -> Int {
        var last = -1
        for _ in 0..<40 {
            last = try probe()
            if last == expected { return last }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return last
    }

    @Test("cert revoke, client add, rotate and revoke refuse to work without the CA passphrase (exit 77), changing nothing")
    func passphraseRequired() throws {
        let ca = try TestAuthority()
        let (_, cert) = try ca.issue("official")
        let serial = try ca.serial(of: cert)
        let wrong = ["SIGNTOOL_CA_PASSPHRASE": "not-the-passphrase"]
        let revoke = try ca.run(["cert", "revoke", "--serial", serial], environment: wrong)
        #expect(revoke.status == 77, "\(revoke.stderr)")
        #expect(try ca.run(["cert", "list", "--json"]).stdout.contains("\"revokedAt\"") == false)
        let add = try ca.run(["client", "add", "--name", "Ministry of Finance", "--out", "mof.token"], environment: wrong)
        #expect(add.status == 77, "\(add.stderr)")
        #expect(!ca.work.exists("mof.token"))
        #expect(try ca.run(["client", "list"]).stdout.isEmpty)
        #expect(try ca.run(["client", "add", "--name", "Ministry of Finance", "--out", "mof.token"]).status == 0)
        #expect(try ca.run(["client", "revoke", "--name", "Ministry of Finance"], environment: wrong).status == 77)
        #expect(try ca.run(["client", "rotate", "--name", "Ministry of Finance"], environment: wrong).status == 77)
        #expect(try ca.run(["client", "list"]).stdout.contains("active"))
    }

    @Test("a client row written into the register behind the CA's back authenticates nobody")
    func forgedClientRow() throws {
        let ca = try TestAuthority()
        let server = try TestServer(authority: ca)
        let token = String(repeating: "ab", count: 32)
        let hash = try Shell.run("python3", ["-c", "import hashlib,sys; print(hashlib.sha256(sys.argv[1].encode()).hexdigest())", token]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let insert = try Shell.run("sqlite3", [ca.data + "/authority.sqlite",
                                               "INSERT INTO client (name, tokenHash, createdAt) VALUES ('intruder', X'\(hash)', '2026-01-01 00:00:00.000')"])
        #expect(insert.status == 0, "\(insert.stderr)")
        Thread.sleep(forTimeInterval: 1.2)
        #expect(try tsaStatus(server, token: token, in: ca) == 401)
        // A client added with the passphrase works next to it.
        #expect(try ca.run(["client", "add", "--name", "Registry Office", "--out", "ro.token"]).status == 0)
        let good = String(decoding: try ca.work.read("ro.token"), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try eventually(200) { try tsaStatus(server, token: good, in: ca) } == 200)
    }

    @Test("the service token is client \"service\": listed, revocable and rotatable; the name cannot be taken")
    func serviceClient() throws {
        let ca = try TestAuthority()
        let server = try TestServer(authority: ca)
        let tokenFile = ca.data + "/service/tsa-token"
        func serviceToken() throws -> String {
            String(decoding: try Data(contentsOf: URL(fileURLWithPath: tokenFile)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let first = try serviceToken()
        #expect(try tsaStatus(server, token: first, in: ca) == 200)
        #expect(try ca.run(["client", "list"]).stdout.contains("service"))
        #expect(try ca.run(["client", "add", "--name", "service"]).status == 64)

        let rotated = try ca.run(["client", "rotate", "--name", "service"])
        #expect(rotated.status == 0, "\(rotated.stderr)")
        let second = try serviceToken()
        #expect(second != first)
        #expect(try eventually(401) { try tsaStatus(server, token: first, in: ca) } == 401)
        #expect(try tsaStatus(server, token: second, in: ca) == 200)

        #expect(try ca.run(["client", "revoke", "--name", "service"]).status == 0)
        #expect(try eventually(401) { try tsaStatus(server, token: second, in: ca) } == 401)
        let again = try ca.run(["client", "rotate", "--name", "service"])
        #expect(again.status == 73, "\(again.stderr)")
        #expect(try serviceToken() == second)
    }
}
