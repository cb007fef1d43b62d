import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Blocking HTTP for the command line: timestamp requests, OCSP requests, CRL and
/// certificate downloads. Every call has a timeout and a size limit.
public enum HTTPFetcher {
    public struct Options: Sendable {
        public var timeout: TimeInterval = 10
        public var maximumSize = 32 << 20
        public var headers: [String: String] = [:]
        public init() {}
    }

    public static func get(_ url: String, options: Options = Options()) throws -> [UInt8] {
        try perform(url, method: "GET", body: nil, contentType: nil, options: options)
    }

    public static func post(_ url: String, body: [UInt8], contentType: String, options: Options = Options()) throws -> [UInt8] {
        try perform(url, method: "POST", body: body, contentType: contentType, options: options)
    }

    private final class Outcome: @unchecked Sendable {
        var data: Data?
        var response: URLResponse?
        var error: Error?
    }

    private static func perform(_ address: String, method: String, body: [UInt8]?, contentType: String?, options: Options) throws -> [UInt8] {
        guard let url = URL(string: address), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw SignServiceError.malformed("'\(address)' is not an http(s) URL")
        }
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: options.timeout)
        request.httpMethod = method
        if let body { request.httpBody = Data(body) }
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        for (name, value) in options.headers { request.setValue(value, forHTTPHeaderField: name) }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = options.timeout
        configuration.timeoutIntervalForResource = options.timeout
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        session.dataTask(with: request) { data, response, error in
            outcome.data = data
            outcome.response = response
            outcome.error = error
            done.signal()
        }.resume()
        if done.wait(timeout: .now() + options.timeout + 1) == .timedOut {
            throw SignServiceError(code: .networkFailure, reason: "\(address): no answer within \(Int(options.timeout)) s")
        }
        if let error = outcome.error {
            let reason = (error as NSError).code == NSURLErrorTimedOut
                ? "no answer within \(Int(options.timeout)) s" : error.localizedDescription
            throw SignServiceError(code: .networkFailure, reason: "\(address): \(reason)")
        }
        guard let http = outcome.response as? HTTPURLResponse else {
            throw SignServiceError(code: .networkFailure, reason: "\(address): no HTTP response")
        }
        let data = outcome.data ?? Data()
        guard (200..<300).contains(http.statusCode) else {
            let detail = String(decoding: data.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw SignServiceError(code: .serviceRefused,
                                   reason: "\(address): HTTP \(http.statusCode)\(detail.isEmpty ? "" : " (\(detail))")")
        }
        guard data.count <= options.maximumSize else {
            throw SignServiceError(code: .serviceRefused, reason: "\(address): the answer is larger than \(options.maximumSize >> 20) MiB")
        }
        return Array(data)
    }
}
