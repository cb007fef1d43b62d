import Foundation

/// Blocking HTTP for the command line: timestamp requests, OCSP requests, CRL downloads,
/// over ``HTTPConnection`` (a socket of our own, TLS by OpenSSL).
///
/// Every server is a stranger, even one a certificate names:
/// - one deadline covers the whole exchange (connect, headers, body), not each read;
/// - the body is counted while it streams in and the transfer is cut as soon as it passes
///   the limit for its kind (a `Content-Length` above the limit is refused before any of
///   the body is read): CRLs 10 MB, OCSP and timestamp answers 64 KB by default;
/// - POST requests never follow redirects; a GET follows at most three, only to http(s),
///   and credentials (`Options.authorization`) go to the origin asked for and nowhere else.
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

    public static func get(_ url: String, kind: Kind, options: Options = Options()) throws -> [UInt8] {
        try perform(url, method: "GET", body: nil, contentType: nil, kind: kind, options: options)
    }

    public static func post(_ url: String, body: [UInt8], contentType: String, kind: Kind,
                            options: Options = Options()) throws -> [UInt8] {
        try perform(url, method: "POST", body: body, contentType: contentType, kind: kind, options: options)
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

    private static func perform(_ address: String, method: String, body: [UInt8]?, contentType: String?,
                                kind: Kind, options: Options) throws -> [UInt8] {
        guard var url = URL(string: address), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            throw SignServiceError.malformed("'\(address)' is not an http(s) URL")
        }
        let firstOrigin = origin(of: url)
        let deadline = ContinuousClock.now + .milliseconds(Int64(max(options.timeout, 0.001) * 1000))
        let limit = kind.limit(options)
        var redirects = 0
        while true {
            var headers: [(String, String)] = []
            if let contentType { headers.append(("Content-Type", contentType)) }
            // Credentials are for the origin they were given for, never a redirect target.
            if let authorization = options.authorization, origin(of: url) == firstOrigin {
                headers.append(("Authorization", authorization))
            }
            let response: HTTPConnection.Response
            do {
                response = try HTTPConnection(url: url, deadline: deadline).exchange(method: method, headers: headers, body: body, limit: limit)
            } catch HTTPConnection.Failure.timedOut {
                throw SignServiceError(code: .networkFailure, reason: "\(address): no complete answer within \(seconds(options.timeout))")
            } catch HTTPConnection.Failure.network(let reason) {
                throw SignServiceError(code: .networkFailure, reason: "\(address): \(reason)")
            } catch HTTPConnection.Failure.protocolViolation(let reason) {
                throw SignServiceError(code: .serviceRefused, reason: "\(address): not a valid HTTP answer: \(reason)")
            } catch HTTPConnection.Failure.tooLarge(let announced?) {
                throw SignServiceError(code: .serviceRefused,
                                       reason: "\(address): the \(kind.noun) announces \(announced) bytes, more than the limit of \(size(limit))")
            } catch HTTPConnection.Failure.tooLarge(nil) {
                throw SignServiceError(code: .serviceRefused, reason: "\(address): the \(kind.noun) is larger than the limit of \(size(limit))")
            }
            if (300..<400).contains(response.status) {
                let location = response.header("Location").map { String($0.prefix(200)) }
                let target = location.flatMap { URL(string: $0, relativeTo: url)?.absoluteURL }
                guard method == "GET", redirects < maximumRedirects, let target,
                      ["http", "https"].contains(target.scheme?.lowercased() ?? ""), target.host != nil else {
                    let to = location.map { " to \(DisplayText.printable($0))" } ?? ""
                    throw SignServiceError(code: .serviceRefused, reason: method == "POST"
                        ? "\(address): HTTP \(response.status) redirect\(to) not followed (a POST is never redirected)"
                        : "\(address): HTTP \(response.status) redirect\(to) not followed")
                }
                redirects += 1
                url = target
                continue
            }
            guard (200..<300).contains(response.status) else {
                let detail = DisplayText.printable(String(decoding: response.body.prefix(200), as: UTF8.self))
                throw SignServiceError(code: .serviceRefused,
                                       reason: "\(address): HTTP \(response.status)\(detail.isEmpty ? "" : " (\(detail))")")
            }
            return response.body
        }
    }

    private static func seconds(_ value: TimeInterval) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}
