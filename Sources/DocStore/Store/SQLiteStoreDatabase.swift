import AuditLog
import Foundation
import GRDB
import SignService

/// Everything the store asks of its database, one method per transaction. SQLite through
/// GRDB is the implementation; a PostgreSQL one would implement the same.
public protocol StoreDatabase: Sendable {
    func registerFormat() throws -> RegisterFormat
    func setRegisterFormat(_ format: RegisterFormat) throws
    func createDocument(_ document: Document, version: DocumentVersion, searchText: String) throws
    /// Records many new documents in one transaction (one flush to disk for all of them).
    func createDocuments(_ batch: [DocumentStore.PreparedDocument]) throws
    func addVersion(_ version: DocumentVersion, searchText: String) throws -> DocumentVersion
    /// Many versions in one transaction (a bulk load).
    func addVersions(_ batch: [(version: DocumentVersion, searchText: String)]) throws -> [DocumentVersion]
    func document(_ id: String) throws -> Document?
    func versions(of id: String) throws -> [DocumentVersion]
    func signatures(of id: String) throws -> [AttachedSignature]
    func stateChanges(of id: String) throws -> [StateChange]
    /// A document with its versions, signatures, register items and history, read at once.
    func record(_ id: String) throws -> DocumentStore.Record?
    func attach(_ signature: AttachedSignature) throws -> AttachedSignature
    func changeState(_ change: StateChange) throws
    func register(_ entry: RegisterEntry, format: RegisterFormat) throws -> RegisterEntry
    /// Many items in one transaction, numbered in order (a bulk load).
    func register(_ entries: [RegisterEntry], format: RegisterFormat) throws -> [RegisterEntry]
    func registerEntry(_ number: String) throws -> RegisterEntry?
    func registerEntries(carrying id: String) throws -> [RegisterEntry]
    func search(_ query: SearchQuery) throws -> SearchResult
    func referencedBlobs() throws -> Set<String>
    func integrityCheck() throws -> [String]
    func recordAudit(actor: String, action: String, object: String, details: [String: String]) throws
    /// Ids of documents created between the two days (inclusive), oldest first.
    func documentIDs(createdFrom since: String, through until: String) throws -> [String]
    /// Register items whose number sorts between the two (inclusive), or whose date is in a range.
    func registerEntries(numbered from: String, through to: String) throws -> [RegisterEntry]
    func registerEntries(datedFrom since: String, through until: String) throws -> [RegisterEntry]
    /// Puts what a package holds into the store in one transaction; what is already there
    /// identically is skipped, anything that differs refuses the whole import.
    func importPackage(_ content: PackageContent, actor: String) throws -> ImportResult
    var writer: any DatabaseWriter { get }
}

/// The store's SQLite database (WAL, synchronous FULL: a commit is on disk when it returns).
public struct SQLiteStoreDatabase: StoreDatabase {
    public let writer: any DatabaseWriter

    /// Over any GRDB writer (a `DatabaseQueue()` in memory for tests); runs the migrations.
    public init(writer: any DatabaseWriter) throws {
        self.writer = writer
        do { try StoreSchema.migrator.migrate(writer) } catch {
            throw StoreError.database(error, "document store")
        }
    }

    /// How far a commit is flushed before it returns.
    public enum Durability: Sendable {
        /// On disk (the WAL is fsynced): survives a power cut. What the store's commands use.
        case full
        /// In the WAL, flushed at its next checkpoint: survives the process being killed,
        /// not a power cut. For the stream of TSA audit entries in `serve`, which would
        /// otherwise wait for a disk flush per batch.
        case processCrash
    }

    /// The database file at `path`, created 0600 with its WAL files.
    public init(path: String, durability: Durability = .full) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        let synchronous = durability == .full ? "FULL" : "NORMAL"
        configuration.prepareDatabase { db in
            // Acknowledged means on disk: each commit waits for the WAL's fsync.
            try db.run(sql: "PRAGMA synchronous = \(synchronous)")
        }
        // Made 0600 if it is not there yet. An existing file is not opened here: closing a
        // descriptor would drop the POSIX locks another connection of this process holds on it.
        if !FileIO.exists(path) {
            let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 { close(fd) }
        }
        do {
            try self.init(writer: try DatabasePool(path: path, configuration: configuration))
        } catch let error as SignServiceError {
            throw error
        } catch {
            throw StoreError.database(error, path)
        }
    }

    private func write<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        do { return try writer.write(body) } catch let error as SignServiceError { throw error } catch {
            throw StoreError.database(error, what)
        }
    }

    private func read<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        do { return try writer.read(body) } catch let error as SignServiceError { throw error } catch {
            throw StoreError.database(error, what)
        }
    }

    public func registerFormat() throws -> RegisterFormat {
        let stored = try read("register format") { try String.fetchOne($0, sql: "SELECT value FROM setting WHERE key = 'registerFormat'") }
        return try stored.map(RegisterFormat.init) ?? .default
    }

    public func setRegisterFormat(_ format: RegisterFormat) throws {
        try write("register format") { db in
            let used = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM register_entry")) ?? 0
            // A store never initialised numbers in the default format: that counts as set too.
            let current = try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM setting WHERE key = 'registerFormat'")) ?? RegisterFormat.default.template
            if current != format.template, used > 0 {
                throw StoreError.invalid("the register already holds \(used) numbers in the format \(current); it cannot change")
            }
            try db.run(sql: "INSERT OR REPLACE INTO setting (key, value) VALUES ('registerFormat', ?)", arguments: [format.template])
        }
    }

    public func createDocument(_ document: Document, version: DocumentVersion, searchText: String) throws {
        try write("add \(document.id)") { db in try create(document, version: version, searchText: searchText, in: db) }
    }

    public func createDocuments(_ batch: [DocumentStore.PreparedDocument]) throws {
        try write("add \(batch.count) documents") { db in
            for item in batch { try create(item.document, version: item.version, searchText: item.searchText, in: db) }
        }
    }

    private func create(_ document: Document, version: DocumentVersion, searchText: String, in db: Database) throws {
        try insert(document, in: db)
        try insert(version, in: db)
        try db.run(sql: "INSERT INTO search (rowid, terms) VALUES ((SELECT seq FROM document WHERE id = ?), ?)",
                       arguments: [document.id, searchText])
        var details = ["title": document.title, "kind": document.kind, "agency": document.agency,
                       "classification": document.classification]
        for (key, value) in document.metadata { details["meta." + key] = value }
        try AuditLog.append(actor: document.createdBy, action: "document.created", object: document.id, details: details, in: db)
        try audit(version, in: db)
    }

    public func addVersion(_ version: DocumentVersion, searchText: String) throws -> DocumentVersion {
        try write("add a version to \(version.document)") { db in try add(version, searchText: searchText, in: db) }
    }

    public func addVersions(_ batch: [(version: DocumentVersion, searchText: String)]) throws -> [DocumentVersion] {
        try write("add \(batch.count) versions") { db in try batch.map { try add($0.version, searchText: $0.searchText, in: db) } }
    }

    private func add(_ version: DocumentVersion, searchText: String, in db: Database) throws -> DocumentVersion {
        guard let seq = try Int64.fetchOne(db.cachedStatement(sql: "SELECT seq FROM document WHERE id = ?"), arguments: [version.document]) else {
            throw StoreError.notFound("no document \(version.document) in the store")
        }
        var version = version
        version.version = (try Int.fetchOne(db.cachedStatement(sql: "SELECT MAX(version) FROM version WHERE document = ?"),
                                            arguments: [version.document]) ?? 0) + 1
        try insert(version, in: db)
        try appendSearch(searchText, seq: seq, in: db)
        try audit(version, in: db)
        return version
    }

    // One INSERT per table, shared by the store's own writes and by import.

    private func insert(_ document: Document, in db: Database) throws {
        try db.run(sql: """
            INSERT INTO document (id, title, kind, agency, classification, state, supersededBy, createdAt, createdBy)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [document.id, document.title, document.kind, document.agency, document.classification,
                             document.state.rawValue, document.supersededBy, document.createdAt, document.createdBy])
        for (key, value) in document.metadata.sorted(by: { $0.key < $1.key }) {
            try db.run(sql: "INSERT INTO document_meta (document, key, value) VALUES (?, ?, ?)", arguments: [document.id, key, value])
        }
    }

    private func insert(_ signature: AttachedSignature, in db: Database) throws {
        try db.run(sql: """
            INSERT INTO signature (document, version, sha256, format, name, indication, report, attachedAt, attachedBy)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [signature.document, signature.version, signature.sha256, signature.format, signature.name,
                             signature.indication, signature.report, signature.attachedAt, signature.attachedBy])
    }

    private func insert(_ change: StateChange, in db: Database) throws {
        try db.run(sql: "INSERT INTO state_change (document, state, by, reason, actor, time) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [change.document, change.state.rawValue, change.by, change.reason, change.actor, change.time])
    }

    private func insert(_ entry: RegisterEntry, in db: Database) throws {
        try db.run(sql: """
            INSERT INTO register_entry (number, agency, direction, year, sequence, subject, fromParty, toParty, partyKeys,
                                        date, answers, createdAt, createdBy)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [entry.number, entry.agency, entry.direction.rawValue, entry.year, entry.sequence, entry.subject,
                             entry.from, entry.to, ArabicText.normalized(entry.from) + "\n" + ArabicText.normalized(entry.to),
                             entry.date, entry.answers, entry.createdAt, entry.createdBy])
    }

    private func insert(_ version: DocumentVersion, in db: Database) throws {
        try db.run(sql: """
            INSERT INTO version (document, version, sha256, size, mediaType, name, author, createdAt, note)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [version.document, version.version, version.sha256, version.size, version.mediaType, version.name,
                             version.author, version.createdAt, version.note])
    }

    private func audit(_ version: DocumentVersion, in db: Database) throws {
        try AuditLog.append(actor: version.author, action: "version.added", object: version.document,
                            details: ["version": String(version.version), "sha256": version.sha256, "size": String(version.size),
                                      "name": version.name, "mediaType": version.mediaType, "note": version.note], in: db)
    }

    private func appendSearch(_ text: String, seq: Int64, in db: Database) throws {
        guard !text.isEmpty else { return }
        let old = try String.fetchOne(db.cachedStatement(sql: "SELECT terms FROM search WHERE rowid = ?"), arguments: [seq]) ?? ""
        try db.run(sql: "DELETE FROM search WHERE rowid = ?", arguments: [seq])
        try db.run(sql: "INSERT INTO search (rowid, terms) VALUES (?, ?)", arguments: [seq, old.isEmpty ? text : old + " " + text])
    }

    public func document(_ id: String) throws -> Document? {
        try read("document \(id)") { db in try Self.fetchDocument(id, in: db) }
    }

    private static func fetchDocument(_ id: String, in db: Database) throws -> Document? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM document WHERE id = ?"), arguments: [id]) else { return nil }
        var metadata: [String: String] = [:]
        for meta in try Row.fetchAll(db.cachedStatement(sql: "SELECT key, value FROM document_meta WHERE document = ?"), arguments: [id]) {
            metadata[meta["key"]] = meta["value"]
        }
        return Document(id: row["id"], title: row["title"], kind: row["kind"], agency: row["agency"],
                        classification: row["classification"], state: DocumentState(rawValue: row["state"]) ?? .inForce,
                        supersededBy: row["supersededBy"], createdAt: row["createdAt"], createdBy: row["createdBy"],
                        metadata: metadata)
    }

    public func versions(of id: String) throws -> [DocumentVersion] {
        try read("versions of \(id)") { db in try Self.fetchVersions(id, in: db) }
    }

    private static func fetchVersions(_ id: String, in db: Database) throws -> [DocumentVersion] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM version WHERE document = ? ORDER BY version"), arguments: [id]).map { row in
            DocumentVersion(document: row["document"], version: row["version"], sha256: row["sha256"], size: row["size"],
                            mediaType: row["mediaType"], name: row["name"], author: row["author"],
                            createdAt: row["createdAt"], note: row["note"])
        }
    }

    public func signatures(of id: String) throws -> [AttachedSignature] {
        try read("signatures of \(id)") { db in try Self.fetchSignatures(id, in: db) }
    }

    private static func fetchSignatures(_ id: String, in db: Database) throws -> [AttachedSignature] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM signature WHERE document = ? ORDER BY id"), arguments: [id]).map(Self.signature)
    }

    private static func signature(_ row: Row) -> AttachedSignature {
        AttachedSignature(id: row["id"], document: row["document"], version: row["version"], sha256: row["sha256"],
                          format: row["format"], name: row["name"], indication: row["indication"], report: row["report"],
                          attachedAt: row["attachedAt"], attachedBy: row["attachedBy"])
    }

    public func stateChanges(of id: String) throws -> [StateChange] {
        try read("state changes of \(id)") { db in try Self.fetchStateChanges(id, in: db) }
    }

    private static func fetchStateChanges(_ id: String, in db: Database) throws -> [StateChange] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM state_change WHERE document = ? ORDER BY id"), arguments: [id]).map { row in
            StateChange(document: row["document"], state: DocumentState(rawValue: row["state"]) ?? .inForce, by: row["by"],
                        reason: row["reason"], actor: row["actor"], time: row["time"])
        }
    }

    public func record(_ id: String) throws -> DocumentStore.Record? {
        // One read: the document and everything about it as of one moment.
        try read("document \(id)") { db in
            guard let document = try Self.fetchDocument(id, in: db) else { return nil }
            return DocumentStore.Record(document: document, versions: try Self.fetchVersions(id, in: db),
                                        signatures: try Self.fetchSignatures(id, in: db),
                                        register: try Self.fetchRegisterEntries(id, in: db), history: try Self.fetchStateChanges(id, in: db))
        }
    }

    public func attach(_ signature: AttachedSignature) throws -> AttachedSignature {
        try write("attach a signature to \(signature.document)") { db in
            guard try Int.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM version WHERE document = ? AND version = ?"),
                                   arguments: [signature.document, signature.version]) != nil else {
                throw StoreError.notFound("\(signature.document) has no version \(signature.version)")
            }
            try insert(signature, in: db)
            var stored = signature
            stored.id = db.lastInsertedRowID
            try AuditLog.append(actor: signature.attachedBy, action: "signature.attached", object: signature.document,
                                details: ["version": String(signature.version), "sha256": signature.sha256,
                                          "format": signature.format, "indication": signature.indication], in: db)
            return stored
        }
    }

    public func changeState(_ change: StateChange) throws {
        try write("change the state of \(change.document)") { db in
            guard let current = try String.fetchOne(db.cachedStatement(sql: "SELECT state FROM document WHERE id = ?"), arguments: [change.document]) else {
                throw StoreError.notFound("no document \(change.document) in the store")
            }
            if current == change.state.rawValue {
                throw StoreError.invalid("\(change.document) is already \(current)")
            }
            if let by = change.by, try Int.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM document WHERE id = ?"), arguments: [by]) == nil {
                throw StoreError.notFound("no document \(by) in the store to supersede \(change.document)")
            }
            try db.run(sql: "UPDATE document SET state = ?, supersededBy = ? WHERE id = ?",
                           arguments: [change.state.rawValue, change.state == .superseded ? change.by : nil, change.document])
            try insert(change, in: db)
            var details = ["from": current, "to": change.state.rawValue, "reason": change.reason]
            if let by = change.by { details["by"] = by }
            try AuditLog.append(actor: change.actor, action: "document.state", object: change.document, details: details, in: db)
        }
    }

    public func register(_ entry: RegisterEntry, format: RegisterFormat) throws -> RegisterEntry {
        try write("register an item") { db in try register(entry, format: format, in: db) }
    }

    public func register(_ entries: [RegisterEntry], format: RegisterFormat) throws -> [RegisterEntry] {
        try write("register \(entries.count) items") { db in try entries.map { try register($0, format: format, in: db) } }
    }

    private func register(_ entry: RegisterEntry, format: RegisterFormat, in db: Database) throws -> RegisterEntry {
        if let answers = entry.answers,
           try Int.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM register_entry WHERE number = ?"), arguments: [answers]) == nil {
            throw StoreError.notFound("no register item \(answers) to answer")
        }
        for document in entry.documents where try Int.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM document WHERE id = ?"), arguments: [document]) == nil {
            throw StoreError.notFound("no document \(document) in the store")
        }
        // The counter row is taken by this (IMMEDIATE) transaction: no other writer, in
        // this process or another, can get the same sequence, and a rollback returns it.
        guard let sequence = try Int.fetchOne(db, sql: """
            INSERT INTO register_counter (agency, direction, year, last) VALUES (?, ?, ?, 1)
            ON CONFLICT (agency, direction, year) DO UPDATE SET last = last + 1 RETURNING last
            """, arguments: [entry.agency, entry.direction.rawValue, entry.year]) else {
            throw StoreError.invalid("no register sequence could be taken")
        }
        var stored = entry
        stored.sequence = sequence
        stored.number = format.number(agency: entry.agency, direction: entry.direction, year: entry.year, sequence: sequence)
        try insert(stored, in: db)
        let terms = ArabicText.indexTerms([stored.subject, stored.from, stored.to, stored.number].joined(separator: " "))
        for document in stored.documents {
            try db.run(sql: "INSERT INTO register_document (number, document) VALUES (?, ?)", arguments: [stored.number, document])
            if let seq = try Int64.fetchOne(db.cachedStatement(sql: "SELECT seq FROM document WHERE id = ?"), arguments: [document]) {
                try appendSearch(terms, seq: seq, in: db)
            }
        }
        var details = ["direction": stored.direction.rawValue, "subject": stored.subject, "from": stored.from,
                       "to": stored.to, "date": stored.date, "documents": stored.documents.joined(separator: ",")]
        if let answers = stored.answers { details["answers"] = answers }
        try AuditLog.append(actor: stored.createdBy, action: "register.assigned", object: stored.number, details: details, in: db)
        return stored
    }

    public func registerEntry(_ number: String) throws -> RegisterEntry? {
        try read("register item \(number)") { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM register_entry WHERE number = ?"), arguments: [number]).map { try Self.entry($0, in: db) }
        }
    }

    public func registerEntries(carrying id: String) throws -> [RegisterEntry] {
        try read("register items of \(id)") { db in try Self.fetchRegisterEntries(id, in: db) }
    }

    private static func fetchRegisterEntries(_ id: String, in db: Database) throws -> [RegisterEntry] {
        try Row.fetchAll(db, sql: """
            SELECT r.* FROM register_entry r JOIN register_document d ON d.number = r.number
            WHERE d.document = ? ORDER BY r.year, r.direction, r.sequence
            """, arguments: [id]).map { try Self.entry($0, in: db) }
    }

    private static func entry(_ row: Row, in db: Database) throws -> RegisterEntry {
        let number: String = row["number"]
        let documents = try String.fetchAll(db.cachedStatement(sql: "SELECT document FROM register_document WHERE number = ? ORDER BY document"),
                                            arguments: [number])
        return RegisterEntry(number: number, agency: row["agency"], direction: RegisterDirection(rawValue: row["direction"]) ?? .incoming,
                             year: row["year"], sequence: row["sequence"], subject: row["subject"], from: row["fromParty"],
                             to: row["toParty"], date: row["date"], answers: row["answers"], documents: documents,
                             createdAt: row["createdAt"], createdBy: row["createdBy"])
    }

    public func search(_ query: SearchQuery) throws -> SearchResult {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        var from = "document d"
        var order = "d.seq DESC"
        if let text = query.text, !text.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let match = ArabicText.matchQuery(text) else { return SearchResult(total: 0, results: []) }
            from = "search JOIN document d ON d.seq = search.rowid"
            conditions.append("search MATCH ?")
            arguments.append(match)
            order = "bm25(search), d.seq DESC"
        }
        if let kind = query.kind { conditions.append("d.kind = ?"); arguments.append(kind) }
        if let agency = query.agency { conditions.append("d.agency = ?"); arguments.append(agency) }
        if let state = query.state { conditions.append("d.state = ?"); arguments.append(state.rawValue) }
        if let since = query.since { conditions.append("d.createdAt >= ?"); arguments.append(since) }
        if let until = query.until { conditions.append("substr(d.createdAt, 1, 10) <= ?"); arguments.append(until) }
        if let number = query.register {
            conditions.append("d.id IN (SELECT document FROM register_document WHERE number = ?)")
            arguments.append(number)
        }
        if let party = query.party {
            let key = ArabicText.normalized(party)
            // Nothing searchable in it (punctuation only): it names no party.
            guard !key.isEmpty else { return SearchResult(total: 0, results: []) }
            conditions.append("""
                d.id IN (SELECT rd.document FROM register_document rd JOIN register_entry r ON r.number = rd.number
                         WHERE instr(r.partyKeys, ?) > 0)
                """)
            arguments.append(key)
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let ranked = from.hasPrefix("search")
        return try read("search") { db in
            // Text alone: count the index's matches without joining each to its document.
            let counted = ranked && conditions.count == 1 ? "search" : from
            let total = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM \(counted) \(whereClause)"),
                                         arguments: StatementArguments(arguments)) ?? 0
            // bm25 costs a few microseconds a match, and a common word matches most of a
            // million documents: rank the newest matches (SearchQuery.rankingWindow, or as
            // many as the page needs); all of them are counted.
            var rankedClause = whereClause
            var rankedArguments = arguments
            let window = max(SearchQuery.rankingWindow, query.offset + query.limit)
            if ranked, total > window, let threshold = try Int64.fetchOne(db.cachedStatement(sql: """
                SELECT search.rowid FROM \(counted) \(whereClause) ORDER BY search.rowid DESC LIMIT 1 OFFSET ?
                """), arguments: StatementArguments(arguments + [window - 1])) {
                rankedClause += " AND search.rowid >= ?"
                rankedArguments.append(threshold)
            }
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT d.id, d.title, d.kind, d.agency, d.state FROM \(from) \(rankedClause) ORDER BY \(order) LIMIT ? OFFSET ?
                """), arguments: StatementArguments(rankedArguments + [query.limit, query.offset]))
            return SearchResult(total: total, results: rows.map {
                SearchResult.Hit(id: $0["id"], title: $0["title"], kind: $0["kind"], agency: $0["agency"], state: $0["state"])
            })
        }
    }

    public func referencedBlobs() throws -> Set<String> {
        try read("blobs") { db in
            Set(try String.fetchAll(db.cachedStatement(sql: "SELECT sha256 FROM version UNION SELECT sha256 FROM signature")))
        }
    }

    public func integrityCheck() throws -> [String] {
        try read("integrity check") { try String.fetchAll($0, sql: "PRAGMA integrity_check") }
    }

    public func documentIDs(createdFrom since: String, through until: String) throws -> [String] {
        try read("documents by date") { db in
            try String.fetchAll(db.cachedStatement(sql: "SELECT id FROM document WHERE substr(createdAt, 1, 10) BETWEEN ? AND ? ORDER BY seq"),
                                arguments: [since, until])
        }
    }

    public func registerEntries(numbered from: String, through to: String) throws -> [RegisterEntry] {
        try read("register range") { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM register_entry WHERE number BETWEEN ? AND ? ORDER BY number"),
                             arguments: [from, to]).map { try Self.entry($0, in: db) }
        }
    }

    public func registerEntries(datedFrom since: String, through until: String) throws -> [RegisterEntry] {
        try read("register by date") { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM register_entry WHERE date BETWEEN ? AND ? ORDER BY number"),
                             arguments: [since, until]).map { try Self.entry($0, in: db) }
        }
    }

    public func importPackage(_ content: PackageContent, actor: String) throws -> ImportResult {
        try write("import") { db in
            var result = ImportResult(documents: 0, versions: 0, signatures: 0, registerEntries: 0, unchanged: 0)
            for packaged in content.documents {
                let id = packaged.document.id
                if let existing = try Row.fetchOne(db.cachedStatement(sql: "SELECT title, kind, agency, state FROM document WHERE id = ?"), arguments: [id]) {
                    let versions = try String.fetchAll(db.cachedStatement(sql: "SELECT sha256 FROM version WHERE document = ? ORDER BY version"), arguments: [id])
                    let signatures = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM signature WHERE document = ?"), arguments: [id]) ?? 0
                    guard existing["title"] == packaged.document.title, existing["kind"] == packaged.document.kind,
                          existing["agency"] == packaged.document.agency, existing["state"] == packaged.document.state.rawValue,
                          versions == packaged.versions.map(\.sha256), signatures == packaged.signatures.count else {
                        throw StoreError.invalid("\(id) is in this store already and differs from the package's; nothing was imported")
                    }
                    result.unchanged += 1
                    continue
                }
                let d = packaged.document
                try insert(d, in: db)
                for version in packaged.versions { try insert(version, in: db) }
                for signature in packaged.signatures { try insert(signature, in: db) }
                for change in packaged.history {
                    try insert(change, in: db)
                }
                try db.run(sql: "INSERT INTO search (rowid, terms) VALUES ((SELECT seq FROM document WHERE id = ?), ?)",
                               arguments: [d.id, content.searchText[d.id] ?? ""])
                try AuditLog.append(actor: actor, action: "document.imported", object: d.id,
                                    details: ["package": content.origin, "versions": String(packaged.versions.count)], in: db)
                result.documents += 1
                result.versions += packaged.versions.count
                result.signatures += packaged.signatures.count
            }
            let carried = Set(content.documents.map(\.document.id))
            for entry in content.register {
                if let existing = try Row.fetchOne(db.cachedStatement(sql: "SELECT subject, sequence FROM register_entry WHERE number = ?"), arguments: [entry.number]) {
                    guard existing["subject"] == entry.subject, existing["sequence"] == entry.sequence else {
                        throw StoreError.invalid("register number \(entry.number) is in this store already for another item; nothing was imported")
                    }
                    result.unchanged += 1
                    continue
                }
                try insert(entry, in: db)
                // Only documents the package carries: an item from elsewhere never reaches into this store's own.
                for document in entry.documents where carried.contains(document) {
                    try db.run(sql: "INSERT OR IGNORE INTO register_document (number, document) VALUES (?, ?)", arguments: [entry.number, document])
                }
                // Later numbers here continue after the imported ones: no number is given twice.
                try db.run(sql: """
                    INSERT INTO register_counter (agency, direction, year, last) VALUES (?, ?, ?, ?)
                    ON CONFLICT (agency, direction, year) DO UPDATE SET last = MAX(last, excluded.last)
                    """, arguments: [entry.agency, entry.direction.rawValue, entry.year, entry.sequence])
                try AuditLog.append(actor: actor, action: "register.imported", object: entry.number,
                                    details: ["package": content.origin], in: db)
                result.registerEntries += 1
            }
            // The package's own audit entries about what it carries are kept as they were.
            for line in content.auditLines {
                try db.run(sql: "INSERT OR IGNORE INTO imported_audit (origin, sequence, entry) VALUES (?, ?, ?)",
                               arguments: [content.origin, line.sequence, line.json])
            }
            return result
        }
    }

    public func recordAudit(actor: String, action: String, object: String, details: [String: String]) throws {
        _ = try Validation.actor(actor)
        _ = try write("audit") { db in
            try AuditLog.append(actor: actor, action: action, object: object, details: details, in: db)
        }
    }
}
