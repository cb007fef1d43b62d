import Foundation
import Hummingbird
import NIOCore
import SignService

/// An error answer of the service: a status and a JSON body with a stable `code` and a
/// sentence for people, never a bare 500.
///
///     HTTP/1.1 401 Unauthorized
///     Content-Type: application/json; charset=utf-8
///     {"code":"unauthorized","message":"the TSA needs Authorization: Bearer <token> of a registered client"}
///
/// Library errors (``SignServiceError``) keep their code (`malformedInput`, `fileNotFound`
/// ...); HTTP-level refusals get the status's name (`unauthorized`, `contentTooLarge`).
/// An unexpected error becomes `internalError` whose detail goes to the log only.
public struct APIError: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var headers: HTTPFields

    public init(status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    /// The answer for any error a handler threw; `nil` for one that must be logged as unexpected.
    public static func answering(_ error: any Error) -> APIError? {
        switch error {
        case let error as APIError:
            return error
        case let error as HTTPError:
            return APIError(status: error.status, code: code(for: error.status),
                            message: error.body ?? error.status.reasonPhrase, headers: error.headers)
        case let error as SignServiceError:
            return APIError(status: status(for: error.code), code: error.code.description, message: error.reason)
        default:
            return nil
        }
    }

    /// A library error's HTTP status: the caller's fault (4xx) or the service's (5xx).
    static func status(for code: SignServiceError.Code) -> HTTPResponse.Status {
        switch code {
        case .malformedInput, .contentMismatch, .unsupportedAlgorithm: return .badRequest
        case .fileNotFound: return .notFound
        case .outputExists: return .conflict
        case .serviceRefused, .certificateRevoked, .certificateNotUsable: return .forbidden
        case .networkFailure: return .badGateway
        case .ioFailure, .cannotCreateOutput: return .serviceUnavailable
        default: return .internalServerError
        }
    }

    /// `401 Unauthorized` → `unauthorized`, `413 Content Too Large` → `contentTooLarge`.
    static func code(for status: HTTPResponse.Status) -> String {
        let words = status.reasonPhrase.split { !$0.isLetter && !$0.isNumber }
        guard let first = words.first else { return "http\(status.code)" }
        return first.lowercased() + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst().lowercased() }.joined()
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = try encoder.encode(["code": code, "message": message])
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.cacheControl] = "no-store"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
