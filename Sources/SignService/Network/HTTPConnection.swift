internal import COpenSSL
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One HTTP/1.1 exchange over a socket of our own (TLS through OpenSSL for https), so
/// that every byte a server sends is counted as it arrives: URLSession buffers a body in
/// memory faster than its delegate can refuse it.
///
/// Bounds: one deadline for the whole exchange (connect, TLS, headers, body; DNS lookups
/// are the system's), 16 KiB of response headers, and the body limit the caller gives,
/// checked against `Content-Length` before reading and against every chunk while reading.
struct HTTPConnection {
    struct Response {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
        }
    }

    /// Why an exchange failed: the caller turns it into a message naming the address.
    enum Failure: Error {
        case timedOut
        case network(String)
        case protocolViolation(String)
        case tooLarge(announced: Int64?)
    }

    static let maximumHeaderBytes = 16 << 10

    let url: URL
    let deadline: ContinuousClock.Instant

    /// Sends the request and reads the whole answer, or throws.
    func exchange(method: String, headers: [(String, String)], body: [UInt8]?, limit: Int) throws -> Response {
        guard let host = url.host, !host.isEmpty else { throw Failure.network("no host in the URL") }
        let secure = url.scheme?.lowercased() == "https"
        let port = url.port ?? (secure ? 443 : 80)
        let socket = try connect(host: host, port: port)
        defer { close(socket) }
        var transport = try Transport(socket: socket, tls: secure ? host : nil, deadline: deadline)
        defer { transport.shutdown() }

        var path = url.path.isEmpty ? "/" : url.path
        if let query = url.query { path += "?" + query }
        let hostHeader = host.contains(":") ? "[\(host)]" : host
        var request = "\(method) \(path) HTTP/1.1\r\nHost: \(hostHeader)\(url.port.map { ":\($0)" } ?? "")\r\n"
        request += "User-Agent: signtool\r\nAccept: */*\r\nConnection: close\r\n"
        for (name, value) in headers {
            // Header values come from our own code, never from a server; refuse line breaks anyway.
            guard !value.contains("\r") && !value.contains("\n") && !name.contains(":") else {
                throw Failure.protocolViolation("a request header holds a line break")
            }
            request += "\(name): \(value)\r\n"
        }
        if let body { request += "Content-Length: \(body.count)\r\n" }
        request += "\r\n"
        try transport.write(Array(request.utf8) + (body ?? []))

        var reader = BufferedReader(transport: transport)
        let head = try reader.readHead(limit: Self.maximumHeaderBytes)
        var response = try Self.parseHead(head)
        // Interim answers (100 Continue) carry no body; the real one follows.
        while (100..<200).contains(response.status) {
            response = try Self.parseHead(try reader.readHead(limit: Self.maximumHeaderBytes))
        }
        if method == "HEAD" || response.status == 204 || response.status == 304 { return response }
        let transferEncoding = response.header("Transfer-Encoding")?.lowercased()
        if let transferEncoding, transferEncoding != "identity" {
            guard transferEncoding == "chunked" else {
                throw Failure.protocolViolation("unsupported Transfer-Encoding '\(transferEncoding.prefix(40))'")
            }
            response.body = try reader.readChunked(limit: limit)
        } else if let lengthText = response.header("Content-Length") {
            guard let length = Int64(lengthText.trimmingCharacters(in: .whitespaces)), length >= 0 else {
                throw Failure.protocolViolation("a malformed Content-Length")
            }
            guard length <= Int64(limit) else { throw Failure.tooLarge(announced: length) }
            response.body = try reader.read(exactly: Int(length))
        } else {
            response.body = try reader.readToEnd(limit: limit)
        }
        return response
    }

    private static func parseHead(_ head: [UInt8]) throws -> Response {
        let text = String(decoding: head, as: UTF8.self)
        var lines = text.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]), (100..<600).contains(status) else {
            throw Failure.protocolViolation("not an HTTP/1.1 status line")
        }
        var headers: [(String, String)] = []
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw Failure.protocolViolation("a malformed header line") }
            headers.append((String(line[..<colon]).trimmingCharacters(in: .whitespaces),
                            String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)))
        }
        // Two different lengths would let a proxy and this reader see different bodies.
        let lengths = Set(headers.filter { $0.0.caseInsensitiveCompare("Content-Length") == .orderedSame }.map(\.1))
        guard lengths.count <= 1 else { throw Failure.protocolViolation("conflicting Content-Length headers") }
        return Response(status: status, headers: headers.map { (name: $0.0, value: $0.1) }, body: [])
    }

    /// Milliseconds left before `deadline` (at least 1), for poll(2); throws when none are.
    static func milliseconds(until deadline: ContinuousClock.Instant) throws -> Int32 {
        let left = deadline - ContinuousClock.now
        guard left > .zero else { throw Failure.timedOut }
        let milliseconds = left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000
        return Int32(clamping: max(1, milliseconds))
    }

    /// A non-blocking TCP connection to the first address that answers before the deadline.
    private func connect(host: String, port: Int) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw Failure.network("cannot resolve \(host)")
        }
        defer { freeaddrinfo(first) }
        var lastError = "cannot connect"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            entry = address.pointee.ai_next
            let fd = socket(address.pointee.ai_family, address.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), address.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            if Glibc.connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return fd }
            guard errno == EINPROGRESS else {
                lastError = String(cString: strerror(errno))
                close(fd)
                continue
            }
            var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&poller, 1, try Self.milliseconds(until: deadline))
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            if ready == 1, getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0, error == 0 { return fd }
            close(fd)
            if ready == 0 { throw Failure.timedOut }
            lastError = error != 0 ? String(cString: strerror(error)) : "cannot connect"
        }
        throw Failure.network(lastError)
    }

    /// Plain TCP or TLS over a non-blocking socket; every wait is bounded by the deadline.
    struct Transport {
        let socket: Int32
        let deadline: ContinuousClock.Instant
        private var context: OpaquePointer?
        private var ssl: OpaquePointer?

        init(socket: Int32, tls host: String?, deadline: ContinuousClock.Instant) throws {
            self.socket = socket
            self.deadline = deadline
            guard let host else { return }
            OpenSSLErrorQueue.clear()
            guard let context = SSL_CTX_new(TLS_client_method()) else { throw Failure.network("cannot start TLS") }
            self.context = context
            // A struct whose init throws is never shut down: free what was made here.
            var connected = false
            defer { if !connected { shutdown() } }
            _ = shim_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION)
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
            _ = SSL_CTX_set_default_verify_paths(context)
            guard let ssl = SSL_new(context) else { throw Failure.network("cannot start TLS") }
            self.ssl = ssl
            _ = SSL_set_fd(ssl, socket)
            _ = shim_SSL_set_tlsext_host_name(ssl, host)
            _ = SSL_set1_host(ssl, host)
            while true {
                let result = SSL_connect(ssl)
                if result == 1 { break }
                try wait(for: SSL_get_error(ssl, result), operation: "TLS handshake")
            }
            connected = true
        }

        mutating func shutdown() {
            if let ssl { SSL_free(ssl) }
            if let context { SSL_CTX_free(context) }
            ssl = nil
            context = nil
            OpenSSLErrorQueue.clear()
        }

        private func poll(_ events: Int32) throws {
            let milliseconds = try HTTPConnection.milliseconds(until: deadline)
            var poller = pollfd(fd: socket, events: Int16(events), revents: 0)
            let ready = Glibc.poll(&poller, 1, milliseconds)
            if ready == 0 { throw Failure.timedOut }
            if ready < 0 && errno != EINTR { throw Failure.network(String(cString: strerror(errno))) }
        }

        private func wait(for error: Int32, operation: String) throws {
            switch error {
            case SSL_ERROR_WANT_READ: try poll(Int32(POLLIN))
            case SSL_ERROR_WANT_WRITE: try poll(Int32(POLLOUT))
            default:
                let queue = OpenSSLErrorQueue.drain()
                throw Failure.network("\(operation) failed\(queue.isEmpty ? "" : " (\(queue))")")
            }
        }

        func write(_ bytes: [UInt8]) throws {
            var offset = 0
            while offset < bytes.count {
                let written: Int = bytes.withUnsafeBytes { raw in
                    let start = raw.baseAddress! + offset
                    if let ssl { return Int(SSL_write(ssl, start, Int32(min(bytes.count - offset, 1 << 20)))) }
                    return Glibc.send(socket, start, bytes.count - offset, Int32(MSG_NOSIGNAL))
                }
                if written > 0 { offset += written; continue }
                if let ssl {
                    try wait(for: SSL_get_error(ssl, Int32(written)), operation: "sending")
                } else if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
                    try poll(Int32(POLLOUT))
                } else {
                    throw Failure.network(String(cString: strerror(errno)))
                }
            }
        }

        /// Up to `buffer.count` bytes; 0 at the end of the stream.
        func read(into buffer: inout [UInt8]) throws -> Int {
            while true {
                let count: Int = buffer.withUnsafeMutableBytes { raw in
                    if let ssl { return Int(SSL_read(ssl, raw.baseAddress, Int32(raw.count))) }
                    return Glibc.recv(socket, raw.baseAddress, raw.count, 0)
                }
                if count > 0 { return count }
                if let ssl {
                    let error = SSL_get_error(ssl, Int32(count))
                    if error == SSL_ERROR_ZERO_RETURN { return 0 }
                    // A peer that closes without close_notify ends the stream (Connection: close).
                    if error == SSL_ERROR_SYSCALL && count == 0 { OpenSSLErrorQueue.clear(); return 0 }
                    try wait(for: error, operation: "receiving")
                } else if count == 0 {
                    return 0
                } else if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
                    try poll(Int32(POLLIN))
                } else {
                    throw Failure.network(String(cString: strerror(errno)))
                }
            }
        }
    }

    /// Reads from a transport through a small buffer; never holds more than it was allowed.
    struct BufferedReader {
        let transport: Transport
        private var buffer: [UInt8] = []
        private var scratch = [UInt8](repeating: 0, count: 16 << 10)
        private var ended = false

        init(transport: Transport) { self.transport = transport }

        private mutating func fill() throws -> Bool {
            guard !ended else { return false }
            let count = try transport.read(into: &scratch)
            if count == 0 { ended = true; return false }
            buffer += scratch[0..<count]
            return true
        }

        mutating func readHead(limit: Int) throws -> [UInt8] {
            let terminator: [UInt8] = [13, 10, 13, 10]
            var searchFrom = 0
            while true {
                if buffer.count >= 4 {
                    for index in max(0, searchFrom - 3)...(buffer.count - 4) where buffer[index..<index + 4].elementsEqual(terminator) {
                        let head = Array(buffer[0..<index])
                        buffer.removeFirst(index + 4)
                        return head
                    }
                    searchFrom = buffer.count
                }
                guard buffer.count <= limit else { throw Failure.protocolViolation("response headers longer than \(limit >> 10) KiB") }
                guard try fill() else { throw Failure.protocolViolation("the connection closed before the response headers ended") }
            }
        }

        mutating func read(exactly count: Int) throws -> [UInt8] {
            while buffer.count < count {
                guard try fill() else { throw Failure.protocolViolation("the connection closed \(count - buffer.count) bytes before the announced end") }
            }
            let body = Array(buffer[0..<count])
            buffer.removeFirst(count)
            return body
        }

        mutating func readToEnd(limit: Int) throws -> [UInt8] {
            while try fill() {
                guard buffer.count <= limit else { throw Failure.tooLarge(announced: nil) }
            }
            guard buffer.count <= limit else { throw Failure.tooLarge(announced: nil) }
            defer { buffer = [] }
            return buffer
        }

        private mutating func readLine(limit: Int) throws -> String {
            while true {
                if let end = buffer.firstIndex(of: 10) {
                    let line = buffer[0..<end]
                    buffer.removeFirst(end + 1)
                    return String(decoding: line.last == 13 ? line.dropLast() : line, as: UTF8.self)
                }
                guard buffer.count <= limit else { throw Failure.protocolViolation("a chunk header longer than \(limit) bytes") }
                guard try fill() else { throw Failure.protocolViolation("the connection closed inside a chunked body") }
            }
        }

        mutating func readChunked(limit: Int) throws -> [UInt8] {
            var body: [UInt8] = []
            while true {
                let line = try readLine(limit: 1024)
                let sizeText = line.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                guard !sizeText.isEmpty, sizeText.count <= 15, let size = Int(sizeText, radix: 16), size >= 0 else {
                    throw Failure.protocolViolation("a malformed chunk size")
                }
                if size == 0 {
                    // Trailers, bounded like headers, then the end.
                    var trailerBytes = 0
                    while true {
                        let trailer = try readLine(limit: 1024)
                        trailerBytes += trailer.utf8.count
                        if trailer.isEmpty { return body }
                        guard trailerBytes <= HTTPConnection.maximumHeaderBytes else { throw Failure.protocolViolation("trailers too long") }
                    }
                }
                guard body.count + size <= limit else { throw Failure.tooLarge(announced: nil) }
                body += try read(exactly: size)
                guard try readLine(limit: 2).isEmpty else { throw Failure.protocolViolation("a chunk without its line end") }
            }
        }
    }
}
