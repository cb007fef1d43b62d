import Foundation
import Testing

/// `signtool serve` answering openssl ts, openssl ocsp and curl.
@Suite("signtool serve")
struct ServiceTests {
    func token(_ ca: TestAuthority) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: ca.data + "/service/tsa-token")), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func curl(_ arguments: [String], in ca: TestAuthority) throws -> CommandResult {
        try Shell.run("curl", ["-sS", "--max-time", "20"] + arguments, in: ca.work.url)
    }

    @Test("openssl ts requests get timestamps openssl ts -verify accepts; nonce echoed; serials unique across a restart")
    func timestampsForOpenSSL() throws {
        let ca = try TestAuthority()
        _ = try ca.work.write("doc.txt", "وثيقة\n")
        var serials: [String] = []
        for round in 0..<2 {
            let server = try TestServer(authority: ca)
            for index in 0..<2 {
                let name = "r\(round)-\(index)"
                try Shell.openssl(["ts", "-query", "-data", "doc.txt", "-sha256", "-cert", "-out", "\(name).tsq"], in: ca.work.url)
                let posted = try curl(["-H", "Content-Type: application/timestamp-query", "-H", "Authorization: Bearer \(try token(ca))",
                                       "--data-binary", "@\(name).tsq", "-o", "\(name).tsr", server.url + "/tsa"], in: ca)
                #expect(posted.status == 0, "\(posted.stderr)")
                try Shell.openssl(["ts", "-verify", "-in", "\(name).tsr", "-queryfile", "\(name).tsq", "-CAfile", ca.root,
                                   "-untrusted", ca.issuing], in: ca.work.url)
                let text = try Shell.openssl(["ts", "-reply", "-in", "\(name).tsr", "-text"], in: ca.work.url).stdout
                #expect(text.contains("Status: Granted.") && text.contains("Policy OID: 2.999.760.1.2"))
                #expect(text.contains("Accuracy: 0x01 seconds"))
                if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Serial number:") }) {
                    serials.append(String(line))
                }
            }
            server.stop()
        }
        #expect(serials.count == 4 && Set(serials).count == 4, "\(serials)")
    }

    @Test("the TSA refuses callers without the token, wrong content types, oversized and malformed requests")
    func tsaRefusals() throws {
        let ca = try TestAuthority()
        let server = try TestServer(authority: ca)
        _ = try ca.work.write("doc.txt", "x\n")
        try Shell.openssl(["ts", "-query", "-data", "doc.txt", "-sha256", "-out", "q.tsq"], in: ca.work.url)
        func status(_ headers: [String], _ body: String) throws -> String {
            var arguments = ["-o", "/dev/null", "-w", "%{http_code}"]
            for header in headers { arguments += ["-H", header] }
            return try curl(arguments + ["--data-binary", body, server.url + "/tsa"], in: ca).stdout
        }
        let auth = "Authorization: Bearer \(try token(ca))"
        #expect(try status(["Content-Type: application/timestamp-query"], "@q.tsq") == "401")
        #expect(try status(["Content-Type: application/timestamp-query", "Authorization: Bearer wrong"], "@q.tsq") == "401")
        #expect(try status(["Content-Type: text/plain", auth], "@q.tsq") == "415")
        try ca.work.write("big.bin", bytes: [UInt8](repeating: 0x30, count: 100_000))
        #expect(try status(["Content-Type: application/timestamp-query", auth], "@big.bin") == "413")
        // Garbage gets an RFC 3161 rejection, not an HTTP error.
        let garbage = try curl(["-H", "Content-Type: application/timestamp-query", "-H", auth, "--data-binary", "not DER",
                                "-o", "bad.tsr", server.url + "/tsa"], in: ca)
        #expect(garbage.status == 0)
        let text = try Shell.run("openssl", ["ts", "-reply", "-in", "bad.tsr", "-text"], in: ca.work.url).stdout
        #expect(text.contains("Rejected"), "\(text)")
        #expect(try curl(["-o", "/dev/null", "-w", "%{http_code}", server.url + "/healthz"], in: ca).stdout == "200")
    }

    @Test("every client has its own token: a new client is served at once, a revoked one refused within a second; the service token stays valid")
    func clientTokens() throws {
        let ca = try TestAuthority()
        let server = try TestServer(authority: ca)
        _ = try ca.work.write("d.txt", "x\n")
        let added = try ca.run(["client", "add", "--name", "وزارة المالية", "--out", "mof.token"])
        #expect(added.status == 0, "\(added.stderr)")
        let attributes = try FileManager.default.attributesOfItem(atPath: ca.work.path("mof.token"))
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let token = String(decoding: try ca.work.read("mof.token"), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.count == 64)
        let stamped = try ca.run(["timestamp", "--tsa", server.url + "/tsa", "d.txt"], environment: ["SIGNTOOL_TSA_TOKEN": token])
        #expect(stamped.status == 0, "\(stamped.stderr)")
        // Names are unique; a second token comes on stdout when no file is named.
        #expect(try ca.run(["client", "add", "--name", "وزارة المالية"]).status == 73)
        let printed = try ca.run(["client", "add", "--name", "Civil Registry"])
        #expect(printed.status == 0 && printed.stdout.trimmingCharacters(in: .whitespacesAndNewlines).count == 64, "\(printed.stdout)")
        #expect(try ca.run(["client", "revoke", "--name", "وزارة المالية"]).status == 0)
        let list = try ca.run(["client", "list", "--json"])
        #expect(list.stdout.contains("\"name\":\"وزارة المالية\"") && list.stdout.contains("\"status\":\"revoked\"")
                && list.stdout.contains("\"name\":\"Civil Registry\""), "\(list.stdout)")
        Thread.sleep(forTimeInterval: 1.2)
        let refused = try ca.run(["timestamp", "--tsa", server.url + "/tsa", "--out", "again.tsr", "d.txt"],
                                 environment: ["SIGNTOOL_TSA_TOKEN": token])
        #expect(refused.status == 76 && !ca.work.exists("again.tsr"), "\(refused.stderr)")
        let service = try ca.run(["timestamp", "--tsa", server.url + "/tsa", "--out", "service.tsr", "d.txt"],
                                 environment: ["SIGNTOOL_TSA_TOKEN": try self.token(ca)])
        #expect(service.status == 0, "\(service.stderr)")
        #expect(try ca.run(["client", "revoke", "--name", "nobody"]).status == 66)
    }

    @Test("signtool timestamp writes FILE.tsr that openssl ts -verify accepts; without a token it exits 76")
    func timestampCommand() throws {
        let ca = try TestAuthority()
        let server = try TestServer(authority: ca)
        _ = try ca.work.write("decision.txt", "قرار رقم ١\n")
        let result = try ca.run(["timestamp", "--tsa", server.url + "/tsa", "decision.txt"], environment: ["SIGNTOOL_TSA_TOKEN": try token(ca)])
        #expect(result.status == 0, "\(result.stderr)")
        try Shell.openssl(["ts", "-verify", "-in", "decision.txt.tsr", "-data", "decision.txt", "-CAfile", ca.root,
                           "-untrusted", ca.issuing], in: ca.work.url)
        // signtool verify reads it too, with the TSA's chain from the token.
        let verified = try ca.run(["verify", "--json", "--trust", ca.root, "decision.txt.tsr"])
        #expect(verified.status == 0 && verified.stdout.contains("\"kind\":\"timestamp\"")
                && verified.stdout.contains("\"indication\":\"TOTAL_PASSED\""), "\(verified.stdout)")
        let refused = try ca.run(["timestamp", "--tsa", server.url + "/tsa", "--out", "other.tsr", "decision.txt"])
        #expect(refused.status == 76 && !ca.work.exists("other.tsr"), "\(refused.stderr)")
        let unreachable = try ca.run(["timestamp", "--tsa", "http://127.0.0.1:1/tsa", "--out", "other.tsr", "decision.txt"])
        #expect(unreachable.status == 75, "\(unreachable.stderr)")
    }

    @Test("OCSP: good, revoked (at once, with reason) and unknown, over POST and GET, signed by the responder")
    func ocspStatuses() throws {
        let ca = try TestAuthority()
        let server = try TestServer(authority: ca)
        let (_, good) = try ca.issue("good")
        let (_, bad) = try ca.issue("bad")
        // A certificate from an unrelated CA with the same issuer name is unknown here.
        let stranger = try TestPKI()
        let foreign = try stranger.issue("foreign", subject: "/CN=Foreign")
        func status(_ cert: String, issuer: String? = nil) throws -> String {
            let arguments = ["ocsp", "-issuer", issuer ?? ca.issuing, "-cert", cert, "-url", server.url + "/ocsp",
                             "-CAfile", ca.root, "-no_nonce"]
            let result = try Shell.run("openssl", arguments + ["-resp_text"], in: ca.work.url)
            #expect(result.stderr.contains("Response verify OK"), "\(result.stderr)")
            return result.stdout
        }
        #expect(try status(good).contains("Cert Status: good"))
        #expect(try status(bad).contains("Cert Status: good"))
        let revoke = try ca.run(["cert", "revoke", "--serial", try ca.serial(of: bad), "--reason", "affiliationChanged"])
        #expect(revoke.status == 0)
        let revoked = try status(bad)
        #expect(revoked.contains("Cert Status: revoked") && revoked.contains("affiliationChanged"), "\(revoked)")
        let unknownText = try Shell.run("openssl", ["ocsp", "-issuer", stranger.root, "-cert", foreign.cert, "-url", server.url + "/ocsp",
                                                    "-CAfile", ca.root, "-resp_text"], in: ca.work.url).stdout
        #expect(unknownText.contains("Cert Status: unknown"), "\(unknownText)")
        // GET {url}/{base64 request} (RFC 6960 A.1), with a nonce echoed.
        try Shell.openssl(["ocsp", "-issuer", ca.issuing, "-cert", good, "-reqout", "req.der"], in: ca.work.url)
        let base64 = try ca.work.read("req.der")
        let encoded = Data(base64).base64EncodedString().addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let fetched = try curl(["-o", "get.der", server.url + "/ocsp/" + encoded], in: ca)
        #expect(fetched.status == 0)
        let response = try Shell.openssl(["ocsp", "-respin", "get.der", "-reqin", "req.der", "-CAfile", ca.root, "-resp_text"], in: ca.work.url)
        #expect(response.stdout.contains("Cert Status: good") && response.stderr.contains("Response verify OK"), "\(response.stderr)")
        // Garbage gets malformedRequest.
        try ca.work.write("junk.der", bytes: Array("junk".utf8))
        _ = try curl(["-H", "Content-Type: application/ocsp-request", "--data-binary", "@junk.der", "-o", "junk-resp.der", server.url + "/ocsp"], in: ca)
        let junk = try Shell.run("openssl", ["ocsp", "-respin", "junk-resp.der", "-resp_text", "-noverify"], in: ca.work.url)
        #expect(junk.stdout.contains("malformedrequest") || junk.stderr.contains("malformedrequest"), "\(junk.stdout) \(junk.stderr)")
    }

    @Test("GET /crl lists a revocation at once with a higher CRL number; /ca and /ca/root serve the CA certificates")
    func crlAndCA() throws {
        let ca = try TestAuthority()
        let server = try TestServer(authority: ca)
        let (_, cert) = try ca.issue("leaving")
        #expect(try curl(["-o", "first.crl", server.url + "/crl"], in: ca).status == 0)
        #expect(try ca.run(["cert", "revoke", "--serial", try ca.serial(of: cert), "--reason", "superseded"]).status == 0)
        #expect(try curl(["-o", "second.crl", server.url + "/crl"], in: ca).status == 0)
        try Shell.openssl(["crl", "-inform", "DER", "-in", "second.crl", "-CAfile", ca.issuing, "-noout"], in: ca.work.url)
        let first = try Shell.openssl(["crl", "-inform", "DER", "-in", "first.crl", "-noout", "-crlnumber"], in: ca.work.url).stdout
        let second = try Shell.openssl(["crl", "-inform", "DER", "-in", "second.crl", "-noout", "-crlnumber", "-text"], in: ca.work.url).stdout
        #expect(second.contains(try ca.serial(of: cert)) && first != second.split(separator: "\n").first.map(String.init)! + "\n")
        #expect(try curl(["-o", "issuing.der", server.url + "/ca"], in: ca).status == 0)
        #expect(try curl(["-o", "root.der", server.url + "/ca/root"], in: ca).status == 0)
        #expect(try curl(["-o", "root.crl", server.url + "/crl/root"], in: ca).status == 0)
        let served = try Shell.openssl(["x509", "-inform", "DER", "-in", "issuing.der", "-noout", "-fingerprint"], in: ca.work.url).stdout
        let exported = try Shell.openssl(["x509", "-in", ca.issuing, "-noout", "-fingerprint"], in: ca.work.url).stdout
        #expect(served == exported)
        try Shell.openssl(["crl", "-inform", "DER", "-in", "root.crl", "-CAfile", ca.root, "-noout"], in: ca.work.url)
    }
}

@Suite("signtool serve with RSA keys")
struct RSAServiceTests {
    @Test("a CA made with --algorithm rsa3072 answers timestamps and OCSP that openssl accepts")
    func rsaAuthority() throws {
        let ca = try TestAuthority(algorithm: "rsa3072")
        let server = try TestServer(authority: ca, extra: ["--open-tsa"])
        _ = try ca.work.write("doc.txt", "x\n")
        let stamped = try ca.run(["timestamp", "--tsa", server.url + "/tsa", "doc.txt"])
        #expect(stamped.status == 0, "\(stamped.stderr)")
        try Shell.openssl(["ts", "-verify", "-in", "doc.txt.tsr", "-data", "doc.txt", "-CAfile", ca.root, "-untrusted", ca.issuing],
                          in: ca.work.url)
        let text = try Shell.openssl(["ts", "-reply", "-in", "doc.txt.tsr", "-text"], in: ca.work.url).stdout
        #expect(text.contains("Status: Granted."))
        let (_, cert) = try ca.issue("official")
        let ocsp = try Shell.run("openssl", ["ocsp", "-issuer", ca.issuing, "-cert", cert, "-url", server.url + "/ocsp",
                                             "-CAfile", ca.root], in: ca.work.url)
        #expect(ocsp.stdout.contains(": good") && ocsp.stderr.contains("Response verify OK"), "\(ocsp.stdout) \(ocsp.stderr)")
    }
}
