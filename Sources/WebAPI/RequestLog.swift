import Foundation
import Hummingbird
import Logging
import Synchronization

/// The request context of the trust service endpoints: Hummingbird's, plus the registered
/// TSA client once `/tsa` has authenticated its bearer token.
public struct TrustServiceRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by the handler, read by `RequestLogMiddleware` around it: a context is passed down
    /// by value, so what comes back up has to live in a shared box (as Hummingbird's endpoint path does).
    let client: AuthenticatedClient
    /// The peer's address, for the request log.
    let peer: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        client = AuthenticatedClient()
        peer = source.channel.remoteAddress?.ipAddress ?? "-"
    }
}

/// The name of the client a request authenticated as, if any.
final class AuthenticatedClient: Sendable {
    private let name = Mutex<String?>(nil)
    var value: String? {
        get { name.withLock { $0 } }
        set { name.withLock { $0 = newValue } }
    }
}

/// One log line per request once it is answered, at info level:
///
///     info signtool-serve: client="Ministry of Finance" ms=1.84 peer=10.0.0.7 request=… [WebAPI] POST /tsa 200
///
/// The client is the registered name whose bearer token authenticated the request, else
/// `-`. Tokens, other headers and bodies are never logged; the path is cut to 160 bytes with
/// anything outside printable ASCII percent-encoded, so a request cannot forge log lines.
///
/// It is the outermost middleware, so it also turns every error into its response (an
/// unexpected one into a 500 whose reason goes to the log, not to the client) and strips the
/// body of every answer to HEAD, error answers included.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = TrustServiceRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch {
            context.logger.error("\(request.method.rawValue) \(Self.printable(request.uri.path)) failed: \(error)")
            response = try HTTPError(.internalServerError, message: "the server could not answer; its log says why (request \(context.id))")
                .response(from: request, context: context)
        }
        if request.method == .head { response = response.createHeadResponse() }
        let elapsed = ContinuousClock.now - started
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        var logger = context.logger
        logger[metadataKey: "hb.request.id"] = nil
        logger.info("\(request.method.rawValue) \(Self.printable(request.uri.path)) \(response.status.code)", metadata: [
            "request": .string(context.id),
            "client": .string(context.client.value.map(Self.quoted) ?? "-"),
            "peer": .string(context.peer),
            "ms": .string(String(format: "%.2f", milliseconds)),
        ])
        return response
    }

    /// At most `limit` bytes, anything but printable ASCII percent-encoded.
    static func printable(_ text: String, limit: Int = 160) -> String {
        var out = ""
        for byte in text.utf8 {
            if out.utf8.count >= limit { return out + "…" }
            if (0x21...0x7E).contains(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// A name in double quotes, with quotes, backslashes and control characters escaped.
    static func quoted(_ name: String) -> String {
        var out = "\""
        for scalar in name.unicodeScalars {
            switch scalar {
            case "\"", "\\": out += "\\\(scalar)"
            case _ where scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format
                || scalar == "\u{2028}" || scalar == "\u{2029}":
                out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
