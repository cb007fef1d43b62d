import Foundation
import SignService

/// The content digest documents are addressed by (shared with the signing service).
public enum DocStore {
    public static let contentDigest: DigestAlgorithm = .sha256
}

/// Whether a document is in force: changed only by a recorded state change, never by deletion.
public enum DocumentState: String, Sendable, Codable, CaseIterable {
    case inForce = "in-force", superseded, annulled
}

/// A document: what it is, whose it is, and its state. Its versions and signatures are kept
/// beside it.
public struct Document: Sendable, Codable, Equatable {
    public var id: String
    public var title: String
    public var kind: String
    public var agency: String
    public var classification: String
    public var state: DocumentState
    /// The document that supersedes this one, when it is superseded.
    public var supersededBy: String?
    public var createdAt: String
    public var createdBy: String
    public var metadata: [String: String]
}

/// One immutable version: its bytes live in the blob store under their SHA-256.
public struct DocumentVersion: Sendable, Codable, Equatable {
    public var document: String
    public var version: Int
    public var sha256: String
    public var size: Int64
    public var mediaType: String
    /// The original file name (Arabic names kept as given).
    public var name: String
    public var author: String
    public var createdAt: String
    public var note: String
}

/// A signature attached to a version, with the report it got on arrival.
public struct AttachedSignature: Sendable, Codable, Equatable {
    public var id: Int64
    public var document: String
    public var version: Int
    /// SHA-256 of the signature file (kept in the blob store).
    public var sha256: String
    /// `cms` (detached or enveloping CMS / CAdES) or `asice`.
    public var format: String
    public var name: String
    /// TOTAL_PASSED, TOTAL_FAILED or INDETERMINATE when it arrived.
    public var indication: String
    /// The validation report's JSON (`signtool verify --json`), finding codes included.
    public var report: String
    public var attachedAt: String
    public var attachedBy: String
}

/// A recorded change of a document's state.
public struct StateChange: Sendable, Codable, Equatable {
    public var document: String
    public var state: DocumentState
    public var by: String?
    public var reason: String
    public var actor: String
    public var time: String
}

/// An item of the correspondence register.
public struct RegisterEntry: Sendable, Codable, Equatable {
    public var number: String
    public var agency: String
    public var direction: RegisterDirection
    public var year: Int
    public var sequence: Int
    public var subject: String
    public var from: String
    public var to: String
    /// The day the item is dated (YYYY-MM-DD).
    public var date: String
    /// The number of the item this one answers.
    public var answers: String?
    public var documents: [String]
    public var createdAt: String
    public var createdBy: String
}

/// A search or listing: documents that match, the best first.
public struct SearchQuery: Sendable {
    public var text: String?
    public var kind: String?
    public var agency: String?
    public var state: DocumentState?
    /// Documents created on or after this day (YYYY-MM-DD) ...
    public var since: String?
    /// ... and on or before this one.
    public var until: String?
    /// Documents carried by this register item.
    public var register: String?
    /// Documents carried by a register item from or to this party.
    public var party: String?
    public var limit = 20
    public var offset = 0
    public init() {}
    /// Text results are ranked (bm25) among this many newest matches, or as many as the
    /// page asks for; the total counts every match.
    public static let rankingWindow = 2000
}

public struct SearchResult: Sendable, Codable, Equatable {
    public struct Hit: Sendable, Codable, Equatable {
        public var id: String
        public var title: String
        public var kind: String
        public var agency: String
        public var state: String
    }
    public var total: Int
    public var results: [Hit]
}
