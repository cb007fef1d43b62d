import ArgumentParser
import Foundation
import SignService

/// Exit statuses, documented in `signtool --help` and the README.
enum ExitStatus {
    static let totalFailed: Int32 = 1
    static let indeterminate: Int32 = 2
    static let usage: Int32 = 64
    static let malformedInput: Int32 = 65
    static let inputNotFound: Int32 = 66
    static let keyMismatch: Int32 = 67
    static let unsupported: Int32 = 68
    static let contentMismatch: Int32 = 69
    static let internalError: Int32 = 70
    static let cannotCreate: Int32 = 73
    static let ioError: Int32 = 74
    static let network: Int32 = 75
    static let serviceRefused: Int32 = 76
    static let passphrase: Int32 = 77
    static let revoked: Int32 = 78
    static let certificateNotUsable: Int32 = 79

    static func code(for error: SignServiceError) -> Int32 {
        switch error.code {
        case .fileNotFound: return inputNotFound
        case .malformedInput: return malformedInput
        case .passphraseRequired, .wrongPassphrase: return passphrase
        case .keyCertificateMismatch: return keyMismatch
        case .unsupportedAlgorithm: return unsupported
        case .outputExists, .cannotCreateOutput: return cannotCreate
        case .ioFailure: return ioError
        case .contentMismatch: return contentMismatch
        case .networkFailure: return network
        case .serviceRefused: return serviceRefused
        case .certificateRevoked: return revoked
        case .certificateNotUsable: return certificateNotUsable
        default: return internalError
        }
    }

    /// Severity for combining several results into one status: input errors are worse
    /// than TOTAL_FAILED, which is worse than INDETERMINATE.
    static func severity(_ status: Int32) -> Int {
        switch status {
        case 0: return 0
        case indeterminate: return 1
        case totalFailed: return 2
        default: return 3
        }
    }

    static func worst(_ statuses: [Int32]) -> Int32 {
        statuses.max { severity($0) < severity($1) } ?? 0
    }
}

/// Prints one line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data("signtool: \(DisplayText.escapingInvisibles(message))\n".utf8))
}

/// Runs `body`; a SignServiceError becomes a one-line message and its exit status.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as SignServiceError {
        printError(error.reason)
        throw ExitCode(ExitStatus.code(for: error))
    }
}

/// ``reportingErrors(_:)`` for commands that await the network.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as SignServiceError {
        printError(error.reason)
        throw ExitCode(ExitStatus.code(for: error))
    }
}
