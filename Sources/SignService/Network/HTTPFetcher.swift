import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Non-blocking HTTP for timestamp requests, OCSP requests and CRL downloads, over
/// AsyncHTTPClient (SwiftNIO; TLS by NIOSSL with the system's trust roots). No thread waits
/// on the network: a hundred slow servers cost a hundred suspended tasks, not a hundred
/// threads.
///
/// Every server is a stranger, even one a certificate names:
/// - one deadline covers the whole exchange (DNS, connect, TLS, headers, body, and every
///   redirect), not each read: a server that trickles its body is cut when it passes;
/// - the body is counted chunk by chunk while it streams in, and the request is cancelled
///   the moment it passes the limit for its kind (a `Content-Length` above the limit is
///   refused before any of the body is read): CRLs 10 MB, OCSP and timestamp answers 64 KB
///   by default;
/// - POST requests never follow redirects; a GET follows at most three, only to http(s),
///   and credentials (`Options.authorization`) go to the origin asked for and nowhere else.
///   The client itself follows none: every redirect is decided here.
public enum HTTPFetcher {
    public struct Options: Sendable {
        /// Seconds for the whole exchange.
        public var timeout: TimeInterval = 10
        /// Largest CRL accepted (bytes).
        public var maximumCRLSize = 10 << 20
        /// Largest OCSP response accepted (bytes).
        public var maximumOCSPSize = 64 << 10
        /// Largest timestamp response accepted (bytes).
        public var maximumTimestampSize = 64 << 10
        /// Credentials for the server asked (the TSA's `Bearer` token): sent to that origin
        /// only, never to a redirect target, never to CRL or OCSP addresses.
        public var authorization: String?
        public init() {}

        /// The same limits and deadline without credentials: what revocation lookups use.
        public var withoutCredentials: Options {
            var copy = self
            copy.authorization = nil
            return copy
        }
    }

    /// What is fetched, for its size limit and for the error messages.
    public enum Kind: Sendable {
        case crl, ocsp, timestamp

        func limit(_ options: Options) -> Int {
            switch self {
            case .crl: return options.maximumCRLSize
            case .ocsp: return options.maximumOCSPSize
            case .timestamp: return options.maximumTimestampSize
            }
        }

        var noun: String {
            switch self {
            case .crl: return "CRL"
            case .ocsp: return "OCSP response"
            case .timestamp: return "timestamp response"
            }
        }
    }

    /// Redirects a GET may follow.
    static let maximumRedirects = 3

    /// One client for the process, on NIO's shared event loops. It follows no redirect and
    /// decompresses nothing (a small gzip body must not become a large one behind the
    /// limit); it may open many connections to one host, so that a batch whose
    /// certificates all name one slow server waits once, not once per eight.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(30), read: nil),
            decompression: .disabled
        )
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 256
        configuration.httpVersion = .http1Only
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    public static func get(_ url: String, kind: Kind, options: Options = Options()) async throws -> [UInt8] {
        try await perform(url, method: .GET, body: nil, contentType: nil, kind: kind, options: options)
    }

    public static func post(_ url: String, body: [UInt8], contentType: String, kind: Kind,
                            options: Options = Options()) async throws -> [UInt8] {
        try await perform(url, method: .POST, body: body, contentType: contentType, kind: kind, options: options)
    }

    static func origin(of url: URL?) -> String? {
        guard let url, let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased() else { return nil }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme)://\(host):\(port)"
    }

    static func size(_ bytes: Int) -> String {
        bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB"
            : bytes >= 1 << 10 && bytes % (1 << 10) == 0 ? "\(bytes >> 10) KiB" : "\(bytes) bytes"
    }

    /// Where body bytes received are counted for the current task and its children (tests
    /// check that a transfer stops near the limit, not at its end).
    @TaskLocal static var bodyBytesReceived: ByteCounter?

    /// Why one exchange failed, before the message that names the address.
    enum Failure: Error {
        case timedOut
        case tooLarge(announced: Int64?)
        case protocolViolation(String)
    }

    private struct Answer: Sendable {
        var status: Int
        var location: String?
        var body: [UInt8]
    }

    /// The exchange and its deadline run on ``NetworkExecutor``: a busy cooperative pool
    /// delays neither.
    private static func perform(_ address: String, method: HTTPMethod, body: [UInt8]?, contentType: String?,
                                kind: Kind, options: Options) async throws -> [UInt8] {
        try await withTaskExecutorPreference(NetworkExecutor.shared) {
            try await performHere(address, method: method, body: body, contentType: contentType, kind: kind, options: options)
        }
    }

    private static func performHere(_ address: String, method: HTTPMethod, body: [UInt8]?, contentType: String?,
                                    kind: Kind, options: Options) async throws -> [UInt8] {
        guard var url = URL(string: address), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            throw SignServiceError.malformed("'\(address)' is not an http(s) URL")
        }
        let firstOrigin = origin(of: url)
        let timeout = max(options.timeout, 0.001)
        let deadline = NIODeadline.now() + .milliseconds(Int64(timeout * 1000))
        let limit = kind.limit(options)
        var redirects = 0
        while true {
            var request = HTTPClientRequest(url: url.absoluteString)
            request.method = method
            request.headers.add(name: "User-Agent", value: "signtool")
            request.headers.add(name: "Accept", value: "*/*")
            // One connection per exchange, as before: a stranger's connection is not kept
            // for the next request (nor for another certificate's address on that host).
            request.headers.add(name: "Connection", value: "close")
            if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
            // Credentials are for the origin they were given for, never a redirect target.
            if let authorization = options.authorization, origin(of: url) == firstOrigin {
                request.headers.add(name: "Authorization", value: authorization)
            }
            if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
            let answer: Answer
            do {
                answer = try await exchange(request, limit: limit, deadline: deadline)
            } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
                _ = error
                throw SignServiceError(code: .networkFailure, reason: "\(address): no complete answer within \(seconds(options.timeout))")
            } catch Failure.timedOut {
                throw SignServiceError(code: .networkFailure, reason: "\(address): no complete answer within \(seconds(options.timeout))")
            } catch Failure.tooLarge(let announced?) {
                throw SignServiceError(code: .serviceRefused,
                                       reason: "\(address): the \(kind.noun) announces \(announced) bytes, more than the limit of \(size(limit))")
            } catch Failure.tooLarge(nil) {
                throw SignServiceError(code: .serviceRefused, reason: "\(address): the \(kind.noun) is larger than the limit of \(size(limit))")
            } catch Failure.protocolViolation(let reason) {
                throw SignServiceError(code: .serviceRefused, reason: "\(address): not a valid HTTP answer: \(reason)")
            } catch let error as CancellationError {
                throw error
            } catch {
                throw SignServiceError(code: .networkFailure, reason: "\(address): \(describe(error))")
            }
            if (300..<400).contains(answer.status) {
                let location = answer.location.map { String($0.prefix(200)) }
                let target = location.flatMap { URL(string: $0, relativeTo: url)?.absoluteURL }
                guard method == .GET, redirects < maximumRedirects, let target,
                      ["http", "https"].contains(target.scheme?.lowercased() ?? ""), target.host != nil else {
                    let to = location.map { " to \(DisplayText.printable($0))" } ?? ""
                    throw SignServiceError(code: .serviceRefused, reason: method == .POST
                        ? "\(address): HTTP \(answer.status) redirect\(to) not followed (a POST is never redirected)"
                        : "\(address): HTTP \(answer.status) redirect\(to) not followed")
                }
                redirects += 1
                url = target
                continue
            }
            guard (200..<300).contains(answer.status) else {
                let detail = DisplayText.printable(String(decoding: answer.body.prefix(200), as: UTF8.self))
                throw SignServiceError(code: .serviceRefused,
                                       reason: "\(address): HTTP \(answer.status)\(detail.isEmpty ? "" : " (\(detail))")")
            }
            return answer.body
        }
    }

    /// One request and its whole answer, raced against the deadline: whichever ends first
    /// cancels the other, so a trickling body or a hanging DNS lookup ends at the deadline.
    private static func exchange(_ request: HTTPClientRequest, limit: Int, deadline: NIODeadline) async throws -> Answer {
        try await withThrowingTaskGroup(of: Answer?.self) { group in
            group.addTask {
                let response = try await client.execute(request, deadline: deadline)
                return try await read(response, limit: limit)
            }
            group.addTask {
                let left = deadline - NIODeadline.now()
                if left > .zero { try await Task.sleep(nanoseconds: UInt64(left.nanoseconds)) }
                return nil
            }
            defer { group.cancelAll() }
            while let first = try await group.next() {
                guard let answer = first else { throw Failure.timedOut }
                return answer
            }
            throw Failure.timedOut
        }
    }

    /// The status, the redirect target and the body, counted chunk by chunk. Throwing out
    /// of the loop ends the body stream, which cancels the request and closes its
    /// connection: no byte past the chunk that crossed the limit is asked for.
    private static func read(_ response: HTTPClientResponse, limit: Int) async throws -> Answer {
        let lengths = Set(response.headers["Content-Length"])
        guard lengths.count <= 1 else { throw Failure.protocolViolation("conflicting Content-Length headers") }
        if let text = lengths.first {
            guard let length = Int64(text.trimmingCharacters(in: .whitespaces)), length >= 0 else {
                throw Failure.protocolViolation("a malformed Content-Length")
            }
            guard length <= Int64(limit) else { throw Failure.tooLarge(announced: length) }
        }
        var body: [UInt8] = []
        var received = 0
        for try await chunk in response.body {
            received += chunk.readableBytes
            bodyBytesReceived?.add(chunk.readableBytes)
            guard received <= limit else { throw Failure.tooLarge(announced: nil) }
            body.append(contentsOf: chunk.readableBytesView)
        }
        return Answer(status: Int(response.status.code), location: response.headers.first(name: "Location"), body: body)
    }

    /// A short reason for a transport failure, in the words the old client used where it can.
    private static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .connectTimeout, .readTimeout, .tlsHandshakeTimeout: return "timed out"
            case .remoteConnectionClosed: return "the connection closed before the answer ended"
            case .cancelled: return "cancelled"
            default: return "\(error)"
            }
        }
        if let error = error as? NIOConnectionError {
            if error.dnsAAAAError != nil || error.dnsAError != nil, error.connectionErrors.isEmpty {
                return "cannot resolve \(error.host)"
            }
            return error.connectionErrors.first.map { "cannot connect (\($0.error))" } ?? "cannot connect"
        }
        if let error = error as? IOError { return error.description }
        return "\(error)"
    }

    private static func seconds(_ value: TimeInterval) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}

/// A count several tasks add to.
final class ByteCounter: Sendable {
    private let value = Mutex(0)
    init() {}
    func add(_ count: Int) { value.withLock { $0 += count } }
    var total: Int { value.withLock { $0 } }
}
