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
/// A library error (``SignServiceError``) about the caller's input (`malformedInput`,
/// `contentMismatch`, `unsupportedAlgorithm`) is a 400 with its reason; any other library
/// error is the service's own trouble (a key offline, a locked register): its code and a
/// sentence naming only the request go to the caller, the reason (which may name files of
/// the data directory) to the log. HTTP-level refusals get the status's name
/// (`unauthorized`, `contentTooLarge`). Anything else becomes `internalError`.
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
        case let error as SignServiceError where callersFault(error.code):
            return APIError(status: .badRequest, code: error.code.description, message: error.reason)
        default:
            return nil
        }
    }

    /// Library errors that describe the request, so their reason is the caller's to read.
    static func callersFault(_ code: SignServiceError.Code) -> Bool {
        code == .malformedInput || code == .contentMismatch || code == .unsupportedAlgorithm
    }

    /// The answer for an error of the service itself: its code when it is a library error
    /// (`ioFailure`, `fileNotFound` of a key ...), never its reason.
    static func serviceFailure(_ error: any Error, request id: String) -> APIError {
        let code = (error as? SignServiceError)?.code.description ?? "internalError"
        let status: HTTPResponse.Status = error is SignServiceError ? .serviceUnavailable : .internalServerError
        return APIError(status: status, code: code,
                        message: "the server could not answer; its log says why (request \(id))")
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
