import Foundation
import GRDB
import SignService

/// The one audit log of the service: tables in the store's SQLite database, appended to in
/// the same transaction as the action it records (so an action and its entry are committed
/// together or not at all), and signed checkpoints over its head.
///
/// A checkpoint is an RFC 3161 timestamp, by the service's own TSA, over a small JSON
/// statement of the log's size and head hash and the time: signed by the service's key and
/// timestamped in one token that `openssl ts -verify` checks. `AuditLog.verify` finds an
/// entry changed, removed or inserted behind the service's back (the chain breaks at the
/// first one), and the newest entries removed (the last checkpoint covers more than is left).
public enum AuditLog {
    static let entryTable = "audit_entry"
    static let checkpointTable = "audit_checkpoint"

    /// Adds the log's tables to a database's migrations (DocStore's store).
    public static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("audit v1") { db in
            try db.create(table: entryTable) { t in
                t.column("sequence", .integer).primaryKey()
                t.column("time", .text).notNull()
                t.column("actor", .text).notNull()
                t.column("action", .text).notNull()
                t.column("object", .text).notNull()
                t.column("details", .text).notNull()
                t.column("previous", .text).notNull()
                t.column("hash", .text).notNull()
            }
            try db.create(index: "audit_entry_object", on: entryTable, columns: ["object"])
            try db.create(table: checkpointTable) { t in
                t.column("size", .integer).primaryKey()
                t.column("head", .text).notNull()
                t.column("time", .text).notNull()
                t.column("statement", .blob).notNull()
                t.column("token", .blob).notNull()
            }
        }
    }

    /// Appends an entry inside the caller's write transaction; returns it.
    @discardableResult
    public static func append(actor: String, action: String, object: String, details: [String: String] = [:],
                              time: Date = Date(), in db: Database) throws -> AuditEntry {
        let last = try Row.fetchOne(db.cachedStatement(sql: "SELECT sequence, hash FROM \(entryTable) ORDER BY sequence DESC LIMIT 1"))
        let previous = last.map { (sequence: $0["sequence"] as Int64, hash: $0["hash"] as String) }
        let entry = AuditEntry(after: previous, time: time, actor: actor, action: action, object: object, details: details)
        try db.run(sql: """
            INSERT INTO \(entryTable) (sequence, time, actor, action, object, details, previous, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [entry.sequence, entry.time, entry.actor, entry.action, entry.object, entry.details,
                             entry.previous, entry.hash])
        return entry
    }

    /// Entries in order, `from` ... `through` (inclusive; nil for the ends).
    public static func entries(from first: Int64? = nil, through last: Int64? = nil, in db: Database) throws -> [AuditEntry] {
        try Row.fetchAll(db, sql: """
            SELECT * FROM \(entryTable) WHERE sequence >= ? AND sequence <= ? ORDER BY sequence
            """, arguments: [first ?? Int64.min, last ?? Int64.max]).map(entry)
    }

    /// Entries about one object (a document, a register number), in order.
    public static func entries(about object: String, in db: Database) throws -> [AuditEntry] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM \(entryTable) WHERE object = ? ORDER BY sequence"), arguments: [object]).map(entry)
    }

    public static func size(in db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(sequence) FROM \(entryTable)")) ?? 0
    }

    private static func entry(_ row: Row) -> AuditEntry {
        var entry = AuditEntry(after: nil, time: Date(), actor: "", action: "", object: "")
        entry.sequence = row["sequence"]
        entry.time = row["time"]
        entry.actor = row["actor"]
        entry.action = row["action"]
        entry.object = row["object"]
        entry.details = row["details"]
        entry.previous = row["previous"]
        entry.hash = row["hash"]
        return entry
    }

    // MARK: Checkpoints

    /// What a checkpoint states: the log had `size` entries, the last hashing to `head`, at `time`.
    public struct Statement: Codable, Sendable, Equatable {
        public var log: String
        public var size: Int64
        public var head: String
        public var time: String

        public init(size: Int64, head: String, time: Date) {
            log = "signtool audit log"
            self.size = size
            self.head = head
            self.time = AuditEntry.format(time)
        }

        /// The bytes that are timestamped: JSON with sorted keys.
        public var bytes: [UInt8] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return Array((try? encoder.encode(self)) ?? Data())
        }
    }

    /// A checkpoint as kept: the statement's bytes and the TSA's answer over them.
    public struct Checkpoint: Sendable, Codable, Equatable {
        public var size: Int64
        public var head: String
        public var time: String
        public var statement: [UInt8]
        /// DER TimeStampResp over SHA-256(statement).
        public var token: [UInt8]
    }

    /// Makes a checkpoint over the log as it is: `stamp` gets SHA-256 of the statement and
    /// returns the TSA's TimeStampResp. The checkpoint is recorded, and then itself noted
    /// as an entry (so that deleting a checkpoint leaves a trace).
    public static func checkpoint(actor: String, writer: any DatabaseWriter,
                                  stamp: @Sendable ([UInt8]) throws -> [UInt8]) throws -> Checkpoint {
        try writer.write { db in
            let size = try size(in: db)
            let head = try String.fetchOne(db.cachedStatement(sql: "SELECT hash FROM \(entryTable) WHERE sequence = ?"), arguments: [size])
                ?? AuditEntry.genesis
            let statement = Statement(size: size, head: head, time: Date())
            let bytes = statement.bytes
            let token = try stamp(try ContentDigest.digest(bytes, algorithm: .sha256))
            let checkpoint = Checkpoint(size: size, head: head, time: statement.time, statement: bytes, token: token)
            try db.run(sql: """
                INSERT OR REPLACE INTO \(checkpointTable) (size, head, time, statement, token) VALUES (?, ?, ?, ?, ?)
                """, arguments: [size, head, statement.time, Data(bytes), Data(token)])
            try append(actor: actor, action: "audit.checkpoint", object: "audit",
                       details: ["size": String(size), "head": head], in: db)
            return checkpoint
        }
    }

    public static func checkpoints(in db: Database) throws -> [Checkpoint] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM \(checkpointTable) ORDER BY size")).map { row in
            Checkpoint(size: row["size"], head: row["head"], time: row["time"],
                       statement: Array(row["statement"] as Data), token: Array(row["token"] as Data))
        }
    }

    /// The latest checkpoint made at or after `size` entries (the one that covers them).
    public static func checkpoint(covering size: Int64, in db: Database) throws -> Checkpoint? {
        try checkpoints(in: db).first { $0.size >= size }
    }
}

/// What `signtool store audit verify` and `archive verify` report about a log.
public struct AuditVerification: Sendable, Codable {
    public var entries: Int
    public var checkpoints: Int
    public var ok: Bool
    /// The first entry found wrong, when one is.
    public var firstBad: Int64?
    /// Every problem, in the order found.
    public var problems: [String]
    /// The newest checkpoint that checked out: size and time.
    public var lastCheckpoint: String?

    /// Checks `entries` (the whole log, or a run of it starting after `anchor`) and the
    /// `checkpoints` over it. Each checkpoint's token must be a valid timestamp by a TSA
    /// the `verifier` trusts over its statement, and its statement must name an entry that
    /// is there and hashes to its head.
    public static func check(entries: [AuditEntry], checkpoints: [AuditLog.Checkpoint],
                             verifier: SignatureVerifier?) async -> AuditVerification {
        var result = AuditVerification(entries: entries.count, checkpoints: checkpoints.count, ok: true, firstBad: nil,
                                       problems: [], lastCheckpoint: nil)
        let chain = AuditChainCheck.check(entries)
        if let problem = chain.problem {
            result.problems.append(problem)
            result.firstBad = chain.firstBad
        }
        let bySequence = Dictionary(entries.map { ($0.sequence, $0) }, uniquingKeysWith: { first, _ in first })
        let last = entries.last?.sequence ?? 0
        // Each checkpoint is logged as it is made: one logged but gone from the table was removed.
        for entry in entries where entry.action == "audit.checkpoint" {
            let details = entry.detailValues
            guard let size = details["size"].flatMap(Int64.init), let head = details["head"] else { continue }
            if !checkpoints.contains(where: { $0.size == size && $0.head == head }) {
                result.problems.append("the checkpoint of \(size) entries that entry \(entry.sequence) records is missing (removed behind the service's back?)")
                result.firstBad = result.firstBad.map { min($0, entry.sequence) } ?? entry.sequence
            }
        }
        for checkpoint in checkpoints {
            let label = "checkpoint of \(checkpoint.time) (\(checkpoint.size) entries)"
            guard let statement = try? JSONDecoder().decode(AuditLog.Statement.self, from: Data(checkpoint.statement)),
                  statement.size == checkpoint.size, statement.head == checkpoint.head else {
                result.problems.append("\(label): its statement does not say what the checkpoint records")
                continue
            }
            if let verifier {
                do {
                    let report = try await verifier.verify(timestamp: checkpoint.token, name: label, content: checkpoint.statement,
                                                           contentName: "statement")
                    if report.indication != .totalPassed {
                        let why = report.signatures.first?.errors.first?.message ?? report.indication.rawValue
                        result.problems.append("\(label): its timestamp does not verify: \(why)")
                        continue
                    }
                } catch {
                    result.problems.append("\(label): its timestamp cannot be read: \(error)")
                    continue
                }
            }
            if checkpoint.size == 0 { result.lastCheckpoint = label; continue }
            guard let entry = bySequence[checkpoint.size] else {
                if checkpoint.size > last {
                    result.problems.append("\(label): the log ends at entry \(last), so entries \(last + 1) to \(checkpoint.size) were removed")
                    result.firstBad = result.firstBad.map { min($0, last + 1) } ?? (last + 1)
                } else {
                    result.problems.append("\(label): entry \(checkpoint.size) is not in the log")
                }
                continue
            }
            if entry.hash != checkpoint.head {
                result.problems.append("\(label): entry \(checkpoint.size) is not the one it covered (its hash differs): the log was rewritten up to there")
                result.firstBad = result.firstBad.map { min($0, checkpoint.size) } ?? checkpoint.size
                continue
            }
            result.lastCheckpoint = label
        }
        result.ok = result.problems.isEmpty
        return result
    }
}

/// What the audit log last says of a TSA client (`client.added`, `client.rotated`,
/// `client.revoked` entries): a register row that contradicts it was written back
/// behind the CA's back.
public enum ClientAuditState: Sendable, Equatable {
    /// The SHA-256 of the client's current token (hex).
    case token(String)
    case revoked
}

extension AuditLog {
    /// The last audited state of every client the log names.
    public static func clientStates(in db: Database) throws -> [String: ClientAuditState] {
        var states: [String: ClientAuditState] = [:]
        // A range on the indexed object column: the log may hold millions of other entries.
        for row in try Row.fetchAll(db, sql: """
            SELECT object, action, details FROM \(entryTable) WHERE object >= 'client:' AND object < 'client;' ORDER BY sequence
            """) {
            let object: String = row["object"]
            let name = String(object.dropFirst("client:".count))
            let action: String = row["action"]
            switch action {
            case "client.revoked":
                states[name] = .revoked
            case "client.added", "client.rotated":
                let details: String = row["details"]
                if let values = try? JSONDecoder().decode([String: String].self, from: Data(details.utf8)), let hash = values["tokenSHA256"] {
                    states[name] = .token(hash)
                }
            default: break
            }
        }
        return states
    }
}
