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

extension TrustServiceRequestContext {
    /// Hummingbird's request id; "-" where the server set none (a request driven in process).
    var requestID: String { logger[metadataKey: "hb.request.id"]?.description ?? "-" }
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
///     info signtool-serve: [WebAPI] POST /tsa 200 ms=1.84 request=5f3a… client="Ministry of Finance" peer=10.0.0.7
///
/// The client is the registered name whose bearer token authenticated the request, else
/// `-`. Tokens, other headers and bodies are never logged; the path is cut to 160 bytes with
/// anything outside printable ASCII percent-encoded, so a request cannot forge log lines.
///
/// It is the outermost middleware, so it also turns every error into its response (an
/// unexpected one into a 500 whose reason goes to the log, not to the client) and strips the
/// body of every answer to HEAD, error answers included.
///
/// The fields are in the message, written with a logger of its own that carries no metadata:
/// swift-log's stream handler would otherwise sort and format a metadata dictionary for every
/// request, a cost that shows at thousands of timestamps a second.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = TrustServiceRequestContext
    let logger: Logger

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let answer: APIError
            if let known = APIError.answering(error) {
                answer = known
            } else {
                // The reason stays in the log: it may name files or internals of the service.
                logger.error("\(request.method.rawValue) \(Self.printable(request.uri.path)) request=\(context.requestID) failed: \(error)")
                answer = APIError.serviceFailure(error, request: context.requestID)
            }
            response = try answer.response(from: request, context: context)
        }
        if request.method == .head { response = response.createHeadResponse() }
        let elapsed = ContinuousClock.now - started
        logger.info("""
            \(request.method.rawValue) \(Self.printable(request.uri.path)) \(response.status.code) \
            ms=\(Self.milliseconds(elapsed)) request=\(context.requestID) \
            client=\(context.client.value.map(Self.quoted) ?? "-") peer=\(context.peer)
            """)
        return response
    }

    /// A duration in milliseconds with two decimals.
    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let hundredths = seconds * 100_000 + attoseconds / 10_000_000_000_000
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
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
