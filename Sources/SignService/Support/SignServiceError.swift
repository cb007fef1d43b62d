/// An error raised by SignService.
///
/// Modelled on swift-certificates' `CertificateError`: a struct with an extensible ``Code``
/// rather than a public enum, so new kinds of failure can be added without breaking callers.
/// ``reason`` is one line that names the problem and never contains secret material.
public struct SignServiceError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure; callers (the CLI) map it to an exit status.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        /// Other modules of the package (DocStore) add their own codes.
        package init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A named input file does not exist.
        public static let fileNotFound = Code("fileNotFound")
        /// Input exists but is empty, truncated, or not in the expected format.
        public static let malformedInput = Code("malformedInput")
        /// The key or PKCS#12 file is encrypted and no passphrase was supplied.
        public static let passphraseRequired = Code("passphraseRequired")
        /// The passphrase did not decrypt the key or PKCS#12 file.
        public static let wrongPassphrase = Code("wrongPassphrase")
        /// The private key does not belong to the certificate.
        public static let keyCertificateMismatch = Code("keyCertificateMismatch")
        /// An algorithm or key type signtool does not support.
        public static let unsupportedAlgorithm = Code("unsupportedAlgorithm")
        /// An output file already exists and would be overwritten.
        public static let outputExists = Code("outputExists")
        /// An output file cannot be created (no such directory, no permission, read-only).
        public static let cannotCreateOutput = Code("cannotCreateOutput")
        /// Reading or writing a file failed.
        public static let ioFailure = Code("ioFailure")
        /// A signature to extend does not cover the given content.
        public static let contentMismatch = Code("contentMismatch")
        /// A server (TSA, OCSP responder, CRL distribution point) could not be reached in time.
        public static let networkFailure = Code("networkFailure")
        /// A server answered, but refused the request or answered with something unusable.
        public static let serviceRefused = Code("serviceRefused")
        /// The signer's certificate, or a CA certificate above it, is revoked.
        public static let certificateRevoked = Code("certificateRevoked")
        /// The signer's certificate cannot sign now: expired, not yet valid, or not issued
        /// for signing documents (key usage, extended key usage).
        public static let certificateNotUsable = Code("certificateNotUsable")
        /// OpenSSL failed in a way the input does not explain.
        public static let cryptoFailure = Code("cryptoFailure")
    }

    public var code: Code
    public var reason: String
    public var file: String
    public var line: UInt

    public init(code: Code, reason: String, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    public var description: String { reason }

    static func fileNotFound(_ path: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .fileNotFound, reason: "\(path): no such file", file: file, line: line)
    }

    package static func malformed(_ what: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .malformedInput, reason: what, file: file, line: line)
    }

    package static func io(_ what: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .ioFailure, reason: what, file: file, line: line)
    }

    /// A failure inside OpenSSL: the drained error queue is appended to the reason.
    package static func openSSL(_ what: String, code: Code = .cryptoFailure, file: String = #fileID, line: UInt = #line) -> Self {
        let queue = OpenSSLErrorQueue.drain()
        let reason = queue.isEmpty ? what : "\(what) (OpenSSL: \(queue))"
        return Self(code: code, reason: reason, file: file, line: line)
    }
}
