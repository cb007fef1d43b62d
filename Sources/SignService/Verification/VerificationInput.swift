import Findings
import Foundation

/// A file handed in for verification, and what kind of file it is: a CMS signature
/// (`.p7s`, `.p7m`, DER or PEM), an ASiC-E container, or a standalone RFC 3161 timestamp.
///
/// `signtool verify` and any other front end (a web page) decide the kind here, so the
/// same file is verified the same way everywhere.
public struct VerificationInput: Sendable, Equatable {
    /// The same kinds a ``ValidationReport`` names.
    public typealias Kind = ValidationReport.Kind

    public let path: String
    public let kind: Kind

    /// Detects the kind of the file at `path` (see ``kind(ofFileAt:)``).
    public init(path: String) {
        self.init(path: path, kind: Self.kind(ofFileAt: path))
    }

    /// A file whose kind the caller already knows.
    public init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }

    /// The kind of the file at `path`:
    /// - a container if it is named `.asice` or `.sce`, or, whatever its name, begins like
    ///   a ZIP archive (`PK\3\4`), so a renamed container is still verified as one;
    /// - otherwise a timestamp if it is named `.tsr` (TimeStampResp) or `.tst` (token);
    /// - otherwise a signature. Whether it really is one (DER or PEM, the right size) is
    ///   decided when it is verified: a file that is neither is refused there with a
    ///   malformed-input error that says so.
    ///
    /// A missing or unreadable file gets the kind its name gives; verifying it reports why.
    public static func kind(ofFileAt path: String) -> Kind {
        if ASiCContainer.looksLikeContainer(path) { return .container }
        if SignatureVerifier.isTimestampFile(path) { return .timestamp }
        return .signature
    }
}

/// The result of verifying one input that never throws: the report, and, when the input
/// could not be validated at all (missing, unreadable, malformed), the error that says why.
public struct VerificationOutcome: Sendable {
    public var report: ValidationReport
    /// Set when the report stands for an input failure rather than a validation.
    public var inputError: SignServiceError?

    public init(report: ValidationReport, inputError: SignServiceError? = nil) {
        self.report = report
        self.inputError = inputError
    }
}

extension SignatureVerifier {
    /// Verifies `input` the way its kind asks: a container whole (every signature over its
    /// manifest and every file's digest, within `limits`), a timestamp over the file it
    /// stamps, a signature over its content. `contentPath` names the document of a detached
    /// signature or timestamp (default: the input's name without its suffix); containers
    /// carry their documents and ignore it. Input problems are thrown. Every download is
    /// awaited: no thread waits on a CRL or OCSP server (what a web page calls).
    public func verify(input: VerificationInput, contentAt contentPath: String? = nil,
                       limits: ContainerLimits = ContainerLimits()) async throws -> ValidationReport {
        switch input.kind {
        case .container: return try await ASiCContainer.verify(at: input.path, verifier: self, limits: limits)
        case .timestamp: return try await verify(timestampAt: input.path, contentAt: contentPath)
        case .signature: return try await verify(signatureAt: input.path, contentAt: contentPath)
        }
    }

    /// Detects the kind of the file at `path` and verifies it (see ``verify(input:contentAt:limits:)``).
    public func verify(inputAt path: String, contentAt contentPath: String? = nil,
                       limits: ContainerLimits = ContainerLimits()) async throws -> ValidationReport {
        try await verify(input: VerificationInput(path: path), contentAt: contentPath, limits: limits)
    }

    /// Like ``verify(inputAt:contentAt:limits:)``, but an input that cannot be validated at
    /// all gives a report too: INDETERMINATE (SIGNED_DATA_NOT_FOUND) for a missing file,
    /// TOTAL_FAILED (FORMAT_FAILURE) for one that cannot be read or parsed, with the error
    /// beside it. This is what `signtool verify` prints for every file.
    public func outcome(forInputAt path: String, contentAt contentPath: String? = nil,
                        limits: ContainerLimits = ContainerLimits()) async -> VerificationOutcome {
        do {
            return VerificationOutcome(report: try await verify(inputAt: path, contentAt: contentPath, limits: limits))
        } catch {
            return Self.inputFailure(error, path: path, contentPath: contentPath)
        }
    }

    /// The report of an input that could not be validated at all, with its error.
    private static func inputFailure(_ error: any Error, path: String, contentPath: String?) -> VerificationOutcome {
        let failure = error as? SignServiceError ?? SignServiceError(code: .cryptoFailure, reason: "\(error)")
        let missing = failure.code == .fileNotFound
        var report = ValidationReport.inputFailure(file: path, content: contentPath,
                                                   subIndication: missing ? .signedDataNotFound : .formatFailure,
                                                   indication: missing ? .indeterminate : .totalFailed,
                                                   error: Finding(missing ? .inputFileNotFound : .inputUnreadable,
                                                                  ["reason": .text(failure.reason)]))
        if isTimestampFile(path) { report.kind = .timestamp }
        return VerificationOutcome(report: report, inputError: failure)
    }
}
