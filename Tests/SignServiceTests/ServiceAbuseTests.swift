import Foundation
import Testing

/// What a hostile review of `signtool serve` found: each test runs the attack against a real
/// server and checks that it holds. Slow and idle clients (20,600 of them exhausted the
/// server's descriptors), requests it did not log, wrong methods answered 404, the bearer
/// scheme's case, OCSP nonces of any length and TimeStampReqs with bytes after them.
@Suite("signtool serve under abuse")
struct ServiceAbuseTests {
    func token(_ ca: TestAuthority) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: ca.data + "/service/tsa-token")), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func curl(_ arguments: [String], in ca: TestAuthority) throws -> CommandResult {
        try Shell.run("curl", ["-sS", "--max-time", "10"] + arguments, in: ca.work.url)
    }

    /// The status curl got, with the response headers (names lowercased) kept in `headers`.
    func request(_ arguments: [String], _ url: String, in ca: TestAuthority) throws -> (status: String, headers: [String: String]) {
        let file = "headers-\(UUID().uuidString)"
        let result = try curl(["-o", "/dev/null", "-D", file, "-w", "%{http_code}"] + arguments + [url], in: ca)
        var headers: [String: String] = [:]
        for line in String(decoding: (try? ca.work.read(file)) ?? [], as: UTF8.self).split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (result.stdout, headers)
    }

    /// Waits until `condition` holds or `seconds` pass.
    func eventually(_ seconds: TimeInterval = 5, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            if Date() > deadline { return false }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return true
    }

    // MARK: 1. Slow and idle connections

    @Test("a silent client, half a request line, half the headers or half a body is cut off after --read-timeout, even trickling; an idle kept-alive connection after --idle-timeout")
    func slowClientsAreCutOff() throws {
        let ca = try TestAuthority()
        let server = try TestServer(authority: ca, extra: ["--read-timeout", "1", "--idle-timeout", "2.5"])
        let silent = try RawConnection(port: server.port)
        let halfLine = try RawConnection(port: server.port)
        halfLine.put("GET /heal")
        let halfHeaders = try RawConnection(port: server.port)
        halfHeaders.put("GET /healthz HTTP/1.1\r\nHost: test\r\n")
        let halfBody = try RawConnection(port: server.port)
        halfBody.put("POST /ocsp HTTP/1.1\r\nHost: test\r\nContent-Type: application/ocsp-request\r\nContent-Length: 100\r\n\r\n0123456789")
        let kept = try RawConnection(port: server.port)
        kept.put("GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        // Bytes keep coming, but the request is not whole after a second: progress does not buy time.
        let trickleHead = try RawConnection(port: server.port)
        let trickleBody = try RawConnection(port: server.port)
        trickleBody.put("POST /ocsp HTTP/1.1\r\nHost: test\r\nContent-Type: application/ocsp-request\r\nContent-Length: 1000\r\n\r\n")
        let started = Date()
        for byte in "GET /healthz HTTP/1.1\r\nHost: test\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n".utf8 {
            if Date().timeIntervalSince(started) > 4 || (trickleHead.isClosed && trickleBody.isClosed) { break }
            trickleHead.put(String(UnicodeScalar(byte)))
            trickleBody.put("x")
            Thread.sleep(forTimeInterval: 0.2)
        }
        for (name, connection) in [("silent", silent), ("half line", halfLine), ("half headers", halfHeaders),
                                   ("half body", halfBody), ("trickled headers", trickleHead), ("trickled body", trickleBody)] {
            let (bytes, closed) = connection.readUntilClosed(timeout: 10)
            let elapsed = connection.closedAfter ?? -1
            #expect(closed && elapsed > 0.8 && elapsed < 3.5, "\(name): closed \(closed) after \(elapsed) s")
            #expect(!String(decoding: bytes, as: UTF8.self).contains("200 OK"), "\(name) was answered")
        }
        let (answer, closed) = kept.readUntilClosed(timeout: 10)
        let elapsed = kept.closedAfter ?? -1
        #expect(String(decoding: answer, as: UTF8.self).hasPrefix("HTTP/1.1 200 OK"))
        #expect(closed && elapsed > 2.3 && elapsed < 5, "kept-alive connection: closed \(closed) after \(elapsed) s")
        #expect(try curl(["-o", "/dev/null", "-w", "%{http_code}", server.url + "/healthz"], in: ca).stdout == "200")
    }

    @Test("more slow clients than --max-connections: the longest-waiting are closed with a warning, /healthz answers, the rest are still served")
    func connectionLimitSheds() throws {
        let ca = try TestAuthority()
        let server = try TestServer(authority: ca, extra: ["--max-connections", "8", "--read-timeout", "60"],
                                    logPath: ca.work.path("serve.log"))
        var connections: [RawConnection] = []
        for _ in 0..<40 {
            let connection = try RawConnection(port: server.port)
            connection.put("GET /heal")
            connections.append(connection)
            Thread.sleep(forTimeInterval: 0.01)
        }
        let started = Date()
        let health = try curl(["-o", "/dev/null", "-w", "%{http_code}", server.url + "/healthz"], in: ca)
        #expect(health.stdout == "200" && Date().timeIntervalSince(started) < 3, "\(health.stdout) \(health.stderr)")
        // 40 clients and /healthz on 8 places: 33 were closed, those that waited longest (two
        // event loops may admit neighbours in either order, so the boundary is not exact).
        #expect(eventually { connections.filter(\.isClosed).count == 33 },
                "open: \(connections.enumerated().filter { !$0.element.isClosed }.map(\.offset))")
        #expect(connections.prefix(25).allSatisfy(\.isClosed) && connections.suffix(5).allSatisfy { !$0.isClosed },
                "open: \(connections.enumerated().filter { !$0.element.isClosed }.map(\.offset))")
        let last = connections[39]
        last.put("thz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        let (answer, _) = last.readUntilClosed(timeout: 5)
        #expect(String(decoding: answer, as: UTF8.self).hasPrefix("HTTP/1.1 200 OK"))
        #expect(eventually { server.log.contains("shedding connections") && server.log.contains("at the limit of 8 connections") },
                "\(server.log)")
    }

    @Test("with 128 open files, 300 slow clients neither exhaust the descriptors nor stop /healthz",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit")))
    func descriptorsAreNotExhausted() throws {
        let ca = try TestAuthority()
        let server = try TestServer(authority: ca, launcher: ["/usr/bin/prlimit", "--nofile=128:128", "--"],
                                    logPath: ca.work.path("serve.log"))
        #expect(eventually { server.log.contains("the open-file limit is 128, so at most 64 connections") }, "\(server.log)")
        var connections: [RawConnection] = []
        for _ in 0..<300 {
            let connection = try RawConnection(port: server.port)
            connection.put("POST /tsa HTTP/1.1\r\nHost: test\r\nContent-Length: 5000\r\n\r\nabc")
            connections.append(connection)
        }
        let health = try curl(["-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", server.url + "/healthz"], in: ca)
        #expect(health.stdout == "200", "\(health.stdout) \(health.stderr)")
        #expect(eventually { connections.filter { !$0.isClosed }.count <= 64 })
        #expect(server.log.contains("shedding connections"))
    }

    // MARK: 2. The request log

    @Test("each request is logged at the default level with id, client name, method, path, status and duration; never a token")
    func requestsAreLogged() throws {
        let ca = try TestAuthority()
        let server = try TestServer(authority: ca, logPath: ca.work.path("serve.log"))
        #expect(try ca.run(["client", "add", "--name", "وزارة المالية", "--out", "mof.token"]).status == 0)
        let clientToken = String(decoding: try ca.work.read("mof.token"), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try ca.work.write("doc.txt", "x\n")
        try Shell.openssl(["ts", "-query", "-data", "doc.txt", "-sha256", "-out", "q.tsq"], in: ca.work.url)
        let wrongToken = String(repeating: "5e", count: 32)
        for (token, expected) in [(clientToken, "200"), (wrongToken, "401")] {
            let status = try curl(["-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: application/timestamp-query",
                                   "-H", "Authorization: Bearer \(token)", "--data-binary", "@q.tsq", server.url + "/tsa"], in: ca)
            #expect(status.stdout == expected)
        }
        _ = try curl(["-o", "/dev/null", server.url + "/ocsp/%0Afake%20line"], in: ca)
        #expect(eventually { server.log.components(separatedBy: "POST /tsa").count == 3 && server.log.contains("/ocsp/") }, "\(server.log)")
        let log = server.log
        let lines = log.split(separator: "\n")
        let granted = lines.first { $0.contains("POST /tsa 200") }.map(String.init) ?? ""
        #expect(granted.contains("info") && granted.contains("client=\"وزارة المالية\""), "\(granted)")
        #expect(granted.range(of: #"request=[0-9a-f]{16,}"#, options: .regularExpression) != nil, "\(granted)")
        #expect(granted.range(of: #"ms=[0-9]+\.[0-9]{2}"#, options: .regularExpression) != nil, "\(granted)")
        let refused = lines.first { $0.contains("POST /tsa 401") }.map(String.init) ?? ""
        #expect(refused.contains("client=- peer="), "\(refused)")
        #expect(!log.contains(clientToken) && !log.contains(wrongToken) && !log.lowercased().contains("authorization"), "\(log)")
        // A path cannot forge a log line.
        #expect(lines.contains { $0.contains("GET /ocsp/%0Afake%20line 400") }, "\(log)")
    }

    // MARK: 3. Methods, HEAD and the bearer scheme

    @Test("a wrong method gets 405 and Allow; HEAD answers GET's headers without a body; unknown paths stay 404")
    func methodsAndHead() throws {
        let ca = try TestAuthority()
        let server = try TestServer(authority: ca)
        for (method, path, allow) in [("GET", "/tsa", "POST"), ("HEAD", "/tsa", "POST"), ("POST", "/healthz", "GET, HEAD"),
                                      ("DELETE", "/ca", "GET, HEAD"), ("PUT", "/crl/root", "GET, HEAD"), ("GET", "/ocsp", "POST"),
                                      ("POST", "/ocsp/MAA=", "GET, HEAD"), ("PATCH", "/healthz/", "GET, HEAD")] {
            let answer = try request(method == "HEAD" ? ["-I"] : ["-X", method], server.url + path, in: ca)
            #expect(answer.status == "405" && answer.headers["allow"] == allow, "\(method) \(path): \(answer)")
        }
        #expect(try request(["-X", "DELETE"], server.url + "/nowhere", in: ca).status == "404")
        #expect(try request([], server.url + "/nowhere", in: ca).status == "404")

        let health = try request(["-I"], server.url + "/healthz", in: ca)
        #expect(health.status == "200" && health.headers["content-length"] == "3", "\(health)")
        #expect(try curl(["-o", "ca.der", server.url + "/ca"], in: ca).status == 0)
        let certificate = try request(["-I"], server.url + "/ca", in: ca)
        let size = String(try ca.work.read("ca.der").count)
        #expect(certificate.status == "200" && certificate.headers["content-type"] == "application/pkix-cert"
                && certificate.headers["content-length"] == size, "\(certificate)")
        // On one connection: if HEAD carried a body, the GET after it would read that body as its answer.
        let both = try curl(["-i", "-I", server.url + "/healthz", "--next", "-i", server.url + "/healthz"], in: ca)
        #expect(both.status == 0 && both.stdout.components(separatedBy: "HTTP/1.1 200 OK").count == 3
                && both.stdout.hasSuffix("\r\n\r\nok\n"), "\(both.stdout) \(both.stderr)")
        let raw = try RawConnection(port: server.port)
        raw.put("HEAD /healthz HTTP/1.1\r\nHost: test\r\n\r\nHEAD /nowhere HTTP/1.1\r\nHost: test\r\n\r\n"
                + "GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        let text = String(decoding: raw.readUntilClosed(timeout: 5).bytes, as: UTF8.self)
        let responses = text.components(separatedBy: "HTTP/1.1 ")
        #expect(responses.count == 4 && responses[1].hasPrefix("200") && responses[1].hasSuffix("\r\n\r\n")
                && responses[2].hasPrefix("404") && responses[2].hasSuffix("\r\n\r\n") && responses[3].hasSuffix("\r\n\r\nok\n"), "\(text)")
    }

    @Test("Authorization: bearer TOKEN in any case, with extra blanks, is accepted; other schemes, two tokens or none are 401")
    func bearerScheme() throws {
        let ca = try TestAuthority()
        let server = try TestServer(authority: ca)
        _ = try ca.work.write("doc.txt", "x\n")
        try Shell.openssl(["ts", "-query", "-data", "doc.txt", "-sha256", "-out", "q.tsq"], in: ca.work.url)
        let token = try token(ca)
        func status(_ headers: [String]) throws -> (status: String, headers: [String: String]) {
            try request(["-H", "Content-Type: application/timestamp-query", "--data-binary", "@q.tsq"] + headers.flatMap { ["-H", $0] },
                        server.url + "/tsa", in: ca)
        }
        for header in ["Authorization: Bearer \(token)", "Authorization: bearer \(token)", "Authorization: BEARER \(token)",
                       "Authorization: bEaReR    \(token)   ", "Authorization: Bearer\t\(token)"] {
            #expect(try status([header]).status == "200", "\(header)")
        }
        for header in ["Authorization: Basic \(token)", "Authorization: Bearer\(token)", "Authorization: Bearer \(token) extra",
                       "Authorization: Bearers \(token)", "Authorization: Bearer"] {
            #expect(try status([header]).status == "401", "\(header)")
        }
        let twice = try status(["Authorization: Bearer \(token)", "Authorization: Bearer \(token)"])
        #expect(twice.status == "401")
        let wrong = try status(["Authorization: Bearer nottherighttoken"])
        #expect(wrong.status == "401" && wrong.headers["www-authenticate"] == "Bearer realm=\"tsa\", error=\"invalid_token\"", "\(wrong)")
        let none = try status([])
        #expect(none.status == "401" && none.headers["www-authenticate"] == "Bearer realm=\"tsa\"", "\(none)")
    }

    // MARK: 4. OCSP nonces

    @Test("OCSP: a nonce of 0 or 33 octets, a nonce twice, an unknown critical extension or bytes after the request get malformedRequest; 1, 16 and 32 octets are echoed")
    func ocspNonces() throws {
        let ca = try TestAuthority()
        let server = try TestServer(authority: ca)
        let (_, cert) = try ca.issue("holder")
        try Shell.openssl(["ocsp", "-issuer", ca.issuing, "-cert", cert, "-no_nonce", "-reqout", "plain.der"], in: ca.work.url)
        let plain = try ca.work.read("plain.der")
        // OCSPRequest { TBSRequest { requestList } }: rebuilt with requestExtensions [2].
        let tbs = try DERPiece.contents(of: DERPiece.contents(of: plain))
        let nonceOID: [UInt8] = [0x06, 0x09, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02]
        func nonce(_ count: Int) -> [UInt8] {
            DERPiece.tlv(0x30, nonceOID + DERPiece.tlv(0x04, DERPiece.tlv(0x04, (0..<count).map { UInt8($0 & 0xFF) })))
        }
        func ocspRequest(_ extensions: [[UInt8]], trailing: [UInt8] = []) -> [UInt8] {
            DERPiece.tlv(0x30, DERPiece.tlv(0x30, tbs + DERPiece.tlv(0xA2, DERPiece.tlv(0x30, extensions.flatMap { $0 })))) + trailing
        }
        func answer(_ name: String, _ bytes: [UInt8]) throws -> String {
            try ca.work.write("\(name).der", bytes: bytes)
            let posted = try curl(["-H", "Content-Type: application/ocsp-request", "--data-binary", "@\(name).der",
                                   "-o", "\(name).resp", server.url + "/ocsp"], in: ca)
            #expect(posted.status == 0, "\(posted.stderr)")
            let text = try Shell.run("openssl", ["ocsp", "-respin", "\(name).resp", "-resp_text", "-noverify"], in: ca.work.url)
            return text.stdout + text.stderr
        }
        let criticalUnknown = DERPiece.tlv(0x30, [0x06, 0x03, 0x2A, 0x03, 0x04, 0x01, 0x01, 0xFF] + DERPiece.tlv(0x04, [0x05, 0x00]))
        for (name, bytes) in [("empty", ocspRequest([nonce(0)])), ("long", ocspRequest([nonce(33)])), ("huge", ocspRequest([nonce(200)])),
                              ("twice", ocspRequest([nonce(16), nonce(16)])), ("critical", ocspRequest([criticalUnknown, nonce(16)])),
                              ("raw", ocspRequest([DERPiece.tlv(0x30, nonceOID + DERPiece.tlv(0x04, Array(repeating: 7, count: 16)))])),
                              ("trailing", plain + [0x00, 0x00]), ("trailing-nonce", ocspRequest([nonce(16)], trailing: Array("junk".utf8)))] {
            let text = try answer(name, bytes)
            #expect(text.contains("malformedrequest"), "\(name): \(text)")
        }
        for count in [1, 16, 32] {
            let text = try answer("nonce\(count)", ocspRequest([nonce(count)]))
            let echoed = nonce(count).suffix(count + 2).map { String(format: "%02X", $0) }.joined()
            #expect(text.contains("OCSP Response Status: successful") && text.contains("Cert Status: good")
                    && text.filter { !$0.isWhitespace }.contains(echoed), "\(count): \(text)")
        }
        // The GET form is held to the same rules.
        let encoded = Data(ocspRequest([nonce(33)])).base64EncodedString().addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        #expect(try curl(["-o", "get.resp", server.url + "/ocsp/" + encoded], in: ca).status == 0)
        let get = try Shell.run("openssl", ["ocsp", "-respin", "get.resp", "-resp_text", "-noverify"], in: ca.work.url)
        #expect((get.stdout + get.stderr).contains("malformedrequest"))
        // openssl ocsp's own 16-octet nonce is checked by openssl against the echo.
        let checked = try Shell.run("openssl", ["ocsp", "-issuer", ca.issuing, "-cert", cert, "-url", server.url + "/ocsp",
                                                "-CAfile", ca.root], in: ca.work.url)
        #expect(checked.stdout.contains(": good") && checked.stderr.contains("Response verify OK")
                && !checked.stderr.contains("WARNING"), "\(checked.stdout) \(checked.stderr)")
        // A GET request larger than a POST may be is refused before it is parsed.
        let large = Data(repeating: 0x30, count: 20_000).base64EncodedString().addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        #expect(try request([], server.url + "/ocsp/" + large, in: ca).status == "414")
    }

    // MARK: 5. TimeStampReq followed by garbage

    @Test("a TimeStampReq with bytes after it gets an RFC 3161 rejection (badDataFormat), as garbage does; the request alone is granted")
    func timestampTrailingBytes() throws {
        let ca = try TestAuthority()
        let server = try TestServer(authority: ca)
        _ = try ca.work.write("doc.txt", "x\n")
        try Shell.openssl(["ts", "-query", "-data", "doc.txt", "-sha256", "-cert", "-out", "q.tsq"], in: ca.work.url)
        let query = try ca.work.read("q.tsq")
        func reply(_ name: String, _ body: [UInt8]) throws -> String {
            try ca.work.write("\(name).tsq", bytes: body)
            let posted = try curl(["-o", "\(name).tsr", "-w", "%{http_code}", "-H", "Content-Type: application/timestamp-query",
                                   "-H", "Authorization: Bearer \(try token(ca))", "--data-binary", "@\(name).tsq", server.url + "/tsa"], in: ca)
            #expect(posted.stdout == "200", "\(name): \(posted.stdout) \(posted.stderr)")
            return try Shell.run("openssl", ["ts", "-reply", "-in", "\(name).tsr", "-text"], in: ca.work.url).stdout
        }
        #expect(try reply("alone", query).contains("Status: Granted."))
        for (name, trailing) in [("garbage", Array("garbage".utf8)), ("zero", [0x00]), ("second", query)] {
            let text = try reply(name, query + trailing)
            #expect(text.contains("Status: Rejected.") && text.contains("\(trailing.count) bytes after the TimeStampReq")
                    && text.contains("Failure info: the data submitted has the wrong format"), "\(name): \(text)")
        }
        let garbage = try reply("junk", Array("not DER at all".utf8))
        #expect(garbage.contains("Status: Rejected.") && garbage.contains("wrong format"), "\(garbage)")
        let verified = try Shell.openssl(["ts", "-verify", "-in", "alone.tsr", "-queryfile", "alone.tsq", "-CAfile", ca.root,
                                          "-untrusted", ca.issuing], in: ca.work.url)
        #expect(verified.stdout.contains("Verification: OK"))
    }
}

/// A raw TCP connection to the server, for clients curl cannot play: silent, half-sent, trickling.
final class RawConnection {
    private let descriptor: Int32
    private let opened = Date()
    private var closedAt: Date?

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestFailure("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            throw TestFailure("connect: errno \(errno)")
        }
    }

    deinit { close(descriptor) }

    /// Seconds from opening until the server closed the connection, once it has.
    var closedAfter: TimeInterval? { closedAt.map { $0.timeIntervalSince(opened) } }

    func put(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Whether the server has closed the connection (what it sent before is dropped).
    var isClosed: Bool { readUntilClosed(timeout: 0).closed }

    /// What the server sends until it closes the connection or `timeout` passes.
    func readUntilClosed(timeout: TimeInterval) -> (bytes: [UInt8], closed: Bool) {
        if closedAt != nil { return ([], true) }
        let deadline = Date().addingTimeInterval(timeout)
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let wait = max(0, Int32(deadline.timeIntervalSinceNow * 1000))
            let ready = poll(&poller, 1, wait)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { return (bytes, false) }
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count > 0 {
                bytes += buffer[0..<count]
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                closedAt = Date()
                return (bytes, true)
            }
        }
    }
}

/// Just enough DER to take an OCSPRequest apart and build variants of it.
enum DERPiece {
    static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        var length: [UInt8] = []
        if content.count < 0x80 {
            length = [UInt8(content.count)]
        } else {
            var remaining = content.count
            while remaining > 0 { length.insert(UInt8(remaining & 0xFF), at: 0); remaining >>= 8 }
            length.insert(0x80 | UInt8(length.count), at: 0)
        }
        return [tag] + length + content
    }

    /// The contents of the TLV at the start of `bytes`.
    static func contents(of bytes: [UInt8]) throws -> [UInt8] {
        guard bytes.count >= 2 else { throw TestFailure("DER too short") }
        var start = 2
        var length = Int(bytes[1])
        if length >= 0x80 {
            let count = length & 0x7F
            guard bytes.count >= 2 + count else { throw TestFailure("DER too short") }
            length = bytes[2..<(2 + count)].reduce(0) { $0 << 8 | Int($1) }
            start += count
        }
        guard bytes.count >= start + length else { throw TestFailure("DER truncated") }
        return Array(bytes[start..<(start + length)])
    }
}
