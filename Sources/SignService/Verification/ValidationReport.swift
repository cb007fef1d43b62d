import Findings
import Foundation

/// The main status of a validation (ETSI TS 119 102-1 / EN 319 102-1 section 5.1.3).
public enum Indication: String, Sendable, Codable, Comparable {
    case totalPassed = "TOTAL_PASSED"
    case indeterminate = "INDETERMINATE"
    case totalFailed = "TOTAL_FAILED"

    /// Severity order: the overall indication of several results is the worst one.
    private var severity: Int {
        switch self {
        case .totalPassed: return 0
        case .indeterminate: return 1
        case .totalFailed: return 2
        }
    }

    public static func < (lhs: Indication, rhs: Indication) -> Bool { lhs.severity < rhs.severity }
}

/// Why a validation did not pass (ETSI EN 319 102-1 table 5). A struct with static values
/// rather than an enum, so that later levels (timestamps, LTV) can add their own.
public struct SubIndication: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let formatFailure = Self(rawValue: "FORMAT_FAILURE")
    public static let hashFailure = Self(rawValue: "HASH_FAILURE")
    public static let sigCryptoFailure = Self(rawValue: "SIG_CRYPTO_FAILURE")
    public static let revoked = Self(rawValue: "REVOKED")
    public static let noSigningCertificateFound = Self(rawValue: "NO_SIGNING_CERTIFICATE_FOUND")
    public static let noCertificateChainFound = Self(rawValue: "NO_CERTIFICATE_CHAIN_FOUND")
    public static let chainConstraintsFailure = Self(rawValue: "CHAIN_CONSTRAINTS_FAILURE")
    public static let certificateChainGeneralFailure = Self(rawValue: "CERTIFICATE_CHAIN_GENERAL_FAILURE")
    public static let revokedNoPOE = Self(rawValue: "REVOKED_NO_POE")
    public static let revokedCANoPOE = Self(rawValue: "REVOKED_CA_NO_POE")
    public static let outOfBoundsNoPOE = Self(rawValue: "OUT_OF_BOUNDS_NO_POE")
    public static let signedDataNotFound = Self(rawValue: "SIGNED_DATA_NOT_FOUND")
    public static let cryptoConstraintsFailure = Self(rawValue: "CRYPTO_CONSTRAINTS_FAILURE")

    public init(from decoder: Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Who signed, as written in the signing certificate.
public struct SignerDescription: Sendable, Codable, Equatable {
    public var subject: String
    public var commonName: String?
    public var serialNumber: String
    public var issuer: String

    init(_ certificate: Certificate) {
        subject = certificate.subject
        commonName = certificate.commonName
        serialNumber = certificate.serialNumberHex
        issuer = certificate.issuer
    }
}

/// The validation result of one SignerInfo.
public struct SignatureValidation: Sendable, Codable {
    public var indication: Indication
    public var subIndication: SubIndication?
    public var signer: SignerDescription?
    /// The signer's claimed signing time (signingTime attribute): a claim, not a proof.
    public var signingTime: Date?
    public var digestAlgorithm: String?
    public var signatureAlgorithm: String?
    /// Why the indication is not TOTAL_PASSED.
    public var errors: [Finding]
    /// What was not checked or is weak, without changing the indication.
    public var warnings: [Finding]
    /// The signature timestamp that proves when the signature existed, if it verified.
    public var timestamp: TimestampInfo? = nil
    /// The CAdES baseline level the signature reaches: B-B, B-T or B-LT (nil for a
    /// standalone timestamp).
    public var level: SignatureLevel? = .baselineB

    /// A verified signature timestamp: its time (proof of existence) and the TSA.
    public struct TimestampInfo: Sendable, Codable, Equatable {
        public var time: Date
        public var tsa: String
    }

    enum CodingKeys: String, CodingKey {
        case indication, subIndication, signer, signingTime, digestAlgorithm, signatureAlgorithm, errors, warnings,
             timestamp, level
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(indication, forKey: .indication)
        try container.encode(subIndication, forKey: .subIndication)
        try container.encode(signer, forKey: .signer)
        try container.encode(signingTime, forKey: .signingTime)
        try container.encode(digestAlgorithm, forKey: .digestAlgorithm)
        try container.encode(signatureAlgorithm, forKey: .signatureAlgorithm)
        try container.encode(errors, forKey: .errors)
        try container.encode(warnings, forKey: .warnings)
        try container.encode(timestamp, forKey: .timestamp)
        try container.encode(level, forKey: .level)
    }
}

/// The validation report of one signature file: an overall indication and one entry per
/// signer (co-signed documents have several).
public struct ValidationReport: Sendable, Codable {
    /// The signature file that was validated.
    public var file: String
    /// The content that was checked (the detached document), if any.
    public var content: String?
    public var indication: Indication
    public var subIndication: SubIndication?
    public var signatures: [SignatureValidation]
    /// Errors that concern the file as a whole (unreadable, not CMS, content missing).
    public var errors: [Finding]
    /// For an ASiC container: the files covered by a signature whose digest matches.
    public var coveredFiles: [String]? = nil
    /// What was validated: a signature file, an ASiC container or a standalone timestamp.
    public var kind: Kind = .signature
    /// SHA-256 of the content an enveloping signature carries (not encoded).
    public internal(set) var embeddedContentSHA256: [UInt8]? = nil

    public enum Kind: String, Sendable, Codable {
        case signature, container, timestamp
    }

    enum CodingKeys: String, CodingKey { case file, content, indication, subIndication, signatures, errors, coveredFiles, kind }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(file, forKey: .file)
        try container.encode(content, forKey: .content)
        try container.encode(indication, forKey: .indication)
        try container.encode(subIndication, forKey: .subIndication)
        try container.encode(signatures, forKey: .signatures)
        try container.encode(errors, forKey: .errors)
        try container.encodeIfPresent(coveredFiles, forKey: .coveredFiles)
        try container.encode(kind, forKey: .kind)
    }

    /// A report for a file that could not be validated at all.
    static func failure(file: String, content: String?, _ subIndication: SubIndication,
                        indication: Indication = .totalFailed, error: Finding) -> ValidationReport {
        ValidationReport(file: file, content: content, indication: indication, subIndication: subIndication,
                         signatures: [], errors: [error])
    }

    /// Overall result: the worst signature decides; a file with no signature fails.
    init(file: String, content: String?, signatures: [SignatureValidation], kind: Kind = .signature) {
        self.file = file
        self.content = content
        self.signatures = signatures
        self.kind = kind
        self.errors = []
        if let worst = signatures.max(by: { $0.indication < $1.indication }) {
            indication = worst.indication
            subIndication = worst.subIndication
        } else {
            indication = .totalFailed
            subIndication = .formatFailure
            errors = [Finding(.noSigner)]
        }
    }

    init(file: String, content: String?, indication: Indication, subIndication: SubIndication?,
         signatures: [SignatureValidation], errors: [Finding]) {
        self.file = file
        self.content = content
        self.indication = indication
        self.subIndication = subIndication
        self.signatures = signatures
        self.errors = errors
    }

    /// One compact JSON object (for JSON Lines output).
    public func jsonLine() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}

extension ValidationReport {
    /// The report for a signature file that could not be read or parsed at all.
    public static func inputFailure(file: String, content: String?, subIndication: SubIndication,
                                    indication: Indication, error: Finding) -> ValidationReport {
        .failure(file: file, content: content, subIndication, indication: indication, error: error)
    }
}
