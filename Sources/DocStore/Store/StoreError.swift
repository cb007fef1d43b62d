import SignService

extension SignServiceError.Code {
    /// No document, version or register number by that name.
    public static let notFound = SignServiceError.Code("notFound")
    /// The store refuses the request: a bad register number or format, a state change its
    /// rules forbid, a reference to something that does not exist.
    public static let invalidRequest = SignServiceError.Code("invalidRequest")
    /// What the store holds no longer matches what it recorded (a blob whose bytes changed,
    /// an audit chain broken): reported, never served as good.
    public static let storeDamaged = SignServiceError.Code("storeDamaged")
}

/// Factories for the store's errors: one line naming the problem.
enum StoreError {
    static func notFound(_ what: String) -> SignServiceError { SignServiceError(code: .notFound, reason: what) }
    static func invalid(_ what: String) -> SignServiceError { SignServiceError(code: .invalidRequest, reason: what) }
    static func damaged(_ what: String) -> SignServiceError { SignServiceError(code: .storeDamaged, reason: what) }
    static func database(_ error: any Error, _ what: String) -> SignServiceError {
        SignServiceError(code: .ioFailure, reason: "\(what): \(error)")
    }
}
