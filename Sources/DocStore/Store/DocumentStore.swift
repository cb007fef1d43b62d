import AuditLog
import Foundation
import GRDB
import SignService

/// An agency's official memory: documents with immutable versions, the signatures attached
/// to them, the correspondence register and the audit log, under `DIR/store/`
/// (`store.sqlite`, SQLite in WAL mode, and `blobs/`, the content-addressed files).
///
/// Nothing is ever deleted: a document is withdrawn by a recorded state change. Every
/// change is written with its audit entry in one transaction, after the bytes it refers to
/// are on disk, so an acknowledged change survives a crash whole and a crash before the
/// acknowledgement leaves nothing half-done visible.
public struct DocumentStore: Sendable {
    public let directory: String
    public let database: any StoreDatabase
    public let blobs: BlobStore

    /// Versions larger than this are refused (files are streamed, never held whole).
    public static let maximumVersionSize: Int64 = 64 << 30
    /// Plain-text versions are indexed up to this many bytes.
    public static let indexedTextLimit = 1 << 20

    /// The store of the data directory `dataDirectory` (`DIR/store/`), made on first use.
    public init(dataDirectory: String) throws {
        try BlobStore.makeDirectory(dataDirectory)
        let directory = dataDirectory + "/store"
        try BlobStore.makeDirectory(directory)
        try self.init(directory: directory, database: try SQLiteStoreDatabase(path: directory + "/store.sqlite"))
    }

    /// A store over any database (an in-memory one in tests) with its blobs in `directory`.
    public init(directory: String, database: any StoreDatabase) throws {
        self.directory = directory
        self.database = database
        blobs = try BlobStore(root: directory + "/blobs")
    }

    // MARK: Documents and versions

    /// What a new document is.
    public struct NewDocument: Sendable {
        public var title: String
        public var kind: String
        public var agency: String
        public var classification = "unclassified"
        public var metadata: [String: String] = [:]
        public var note = ""
        public init(title: String, kind: String, agency: String) {
            self.title = title
            self.kind = kind
            self.agency = agency
        }
    }

    /// Stores the file at `path` as version 1 of a new document.
    public func add(_ new: NewDocument, fileAt path: String, name: String? = nil, actor: String) throws -> DocumentVersion {
        let prepared = try prepare(new, fileAt: path, name: name, actor: actor, flush: true)
        try database.createDocument(prepared.document, version: prepared.version, searchText: prepared.searchText)
        return prepared.version
    }

    /// A new document whose bytes are in the blob store, ready to be recorded.
    public struct PreparedDocument: Sendable {
        public var document: Document
        public var version: DocumentVersion
        public var searchText: String
    }

    /// Checks `new`, streams the file into the blob store and makes the rows that record it;
    /// nothing refers to the blob yet. With `flush` false the blob is not yet on disk:
    /// ``BlobStore/flushAll()`` must run before the rows are committed (``GroupCommitIngest``).
    public func prepare(_ new: NewDocument, fileAt path: String, name: String? = nil, actor: String,
                        flush: Bool) throws -> PreparedDocument {
        _ = try Validation.actor(actor)
        try Validation.text(new.title, "title", maximum: 1000)
        try Validation.word(new.kind, "kind")
        try Validation.agency(new.agency)
        try Validation.word(new.classification, "classification")
        try Validation.note(new.note)
        for (key, value) in new.metadata {
            try Validation.metadataKey(key)
            try Validation.text(value, "metadata value of \(key)", maximum: 4096, allowEmpty: true)
        }
        let fileName = try Validation.fileName(name ?? FileIO.splitPath(path).name)
        let stored = try blobs.store(fileAt: path, limit: Self.maximumVersionSize, flush: flush)
        let now = AuditEntry.format(Date())
        let document = Document(id: Identifier.make(), title: new.title, kind: new.kind, agency: new.agency,
                                classification: new.classification, state: .inForce, supersededBy: nil,
                                createdAt: now, createdBy: actor, metadata: new.metadata)
        let version = DocumentVersion(document: document.id, version: 1, sha256: stored.sha256, size: stored.size,
                                      mediaType: MediaType.of(fileName), name: fileName, author: actor, createdAt: now,
                                      note: new.note)
        let text = [new.title, new.metadata.values.sorted().joined(separator: " "), new.note, indexableText(version)]
            .joined(separator: " ")
        return PreparedDocument(document: document, version: version, searchText: ArabicText.indexTerms(text))
    }

    /// Adds the file at `path` as the next version of `id`.
    public func addVersion(to id: String, fileAt path: String, name: String? = nil, note: String = "", actor: String) throws -> DocumentVersion {
        guard try database.document(id) != nil else { throw StoreError.notFound("no document \(id) in the store") }
        let prepared = try prepareVersion(to: id, fileAt: path, name: name, note: note, actor: actor, flush: true)
        return try database.addVersion(prepared.version, searchText: prepared.searchText)
    }

    /// Checks the version, streams its file into the blob store and makes its row (its
    /// number is given when it is committed). `flush` as for ``prepare(_:fileAt:name:actor:flush:)``.
    public func prepareVersion(to id: String, fileAt path: String, name: String? = nil, note: String = "", actor: String,
                               flush: Bool) throws -> (version: DocumentVersion, searchText: String) {
        _ = try Validation.actor(actor)
        try Validation.note(note)
        let fileName = try Validation.fileName(name ?? FileIO.splitPath(path).name)
        let stored = try blobs.store(fileAt: path, limit: Self.maximumVersionSize, flush: flush)
        let version = DocumentVersion(document: id, version: 0, sha256: stored.sha256, size: stored.size,
                                      mediaType: MediaType.of(fileName), name: fileName, author: actor,
                                      createdAt: AuditEntry.format(Date()), note: note)
        return (version, ArabicText.indexTerms(note + " " + indexableText(version)))
    }

    /// The text of a plain-text version, for the index (at most ``indexedTextLimit`` bytes).
    private func indexableText(_ version: DocumentVersion) -> String {
        guard version.mediaType.hasPrefix("text/"),
              let bytes = try? FileIO.read(blobs.path(of: version.sha256), limit: Int(min(version.size, Int64(Self.indexedTextLimit))) + 1)
        else {
            // Larger than the limit: its first part.
            if version.mediaType.hasPrefix("text/"), let head = try? FileIO.peek(blobs.path(of: version.sha256), count: Self.indexedTextLimit) {
                return String(decoding: head.bytes, as: UTF8.self)
            }
            return ""
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public func document(_ id: String) throws -> Document {
        guard let document = try database.document(id) else { throw StoreError.notFound("no document \(id) in the store") }
        return document
    }

    /// The version `number` of `id` (nil: the latest).
    public func version(_ id: String, _ number: Int? = nil) throws -> DocumentVersion {
        let versions = try database.versions(of: id)
        if versions.isEmpty { throw StoreError.notFound("no document \(id) in the store") }
        guard let number else { return versions.last! }
        guard let version = versions.first(where: { $0.version == number }) else {
            throw StoreError.notFound("\(id) has no version \(number) (it has 1 to \(versions.count))")
        }
        return version
    }

    /// Writes the exact bytes of a version to `output`, checked against their hash on the way.
    public func get(_ id: String, version number: Int? = nil, to output: String, replace: Bool = false) throws -> DocumentVersion {
        let version = try version(id, number)
        try blobs.copy(version.sha256, to: output, replace: replace)
        return version
    }

    /// Everything the store knows of a document.
    public struct Record: Sendable, Codable {
        public var document: Document
        public var versions: [DocumentVersion]
        public var signatures: [AttachedSignature]
        public var register: [RegisterEntry]
        public var history: [StateChange]
    }

    public func record(_ id: String) throws -> Record {
        guard let record = try database.record(id) else { throw StoreError.notFound("no document \(id) in the store") }
        return record
    }

    // MARK: Signatures

    /// Verifies the signature file at `path` (a detached or enveloping CMS signature, or an
    /// ASiC-E container) against version `number` of `id` with `verifier`, and keeps it with
    /// its report. A signature over other bytes is refused; one that fails for another
    /// reason (an expired or revoked signer, an untrusted root) is kept with that verdict.
    public func attach(signatureAt path: String, to id: String, version number: Int? = nil, verifier: SignatureVerifier,
                       actor: String) async throws -> AttachedSignature {
        _ = try Validation.actor(actor)
        let version = try version(id, number)
        let content = blobs.path(of: version.sha256)
        guard blobs.check(version.sha256) == .intact else {
            throw StoreError.damaged("version \(version.version) of \(id) is damaged in the store; nothing was attached")
        }
        let input = VerificationInput(path: path)
        var report = try await verifier.verify(input: input, contentAt: content)
        report.content = "\(id) version \(version.version)"
        // The report is kept and exported: the attacher's own directories are nobody's business.
        report.file = FileIO.splitPath(path).name
        switch input.kind {
        case .timestamp:
            throw StoreError.invalid("\(path) is a timestamp, not a signature")
        case .container:
            guard report.coveredFiles?.contains(version.name) == true || report.coveredFiles == nil else {
                throw StoreError.invalid("\(path) does not cover \(version.name) (version \(version.version) of \(id)); nothing was attached")
            }
        case .signature:
            if let carried = report.embeddedContentSHA256, Hex.lower(carried) != version.sha256 {
                throw StoreError.invalid("\(path) carries another document than version \(version.version) of \(id); nothing was attached")
            }
            if report.signatures.contains(where: { $0.subIndication == .hashFailure }) {
                throw StoreError.invalid("\(path) does not sign version \(version.version) of \(id) (its digest differs); nothing was attached")
            }
        }
        let stored = try blobs.store(fileAt: path, limit: Int64(FileIO.maximumSignatureSize))
        let signature = AttachedSignature(id: 0, document: id, version: version.version, sha256: stored.sha256,
                                          format: input.kind == .container ? "asice" : "cms",
                                          name: try Validation.fileName(FileIO.splitPath(path).name),
                                          indication: report.indication.rawValue, report: report.jsonLine(),
                                          attachedAt: AuditEntry.format(Date()), attachedBy: actor)
        return try database.attach(signature)
    }

    // MARK: State

    public func changeState(of id: String, to state: DocumentState, by: String? = nil, reason: String, actor: String) throws {
        _ = try Validation.actor(actor)
        try Validation.text(reason, "reason", maximum: 2000)
        if state == .superseded && by == nil {
            throw StoreError.invalid("a superseded document names the one that supersedes it: give --by DOC")
        }
        if state != .superseded && by != nil {
            throw StoreError.invalid("--by applies only to --set superseded")
        }
        if by == id { throw StoreError.invalid("\(id) cannot supersede itself") }
        try database.changeState(StateChange(document: id, state: state, by: by, reason: reason, actor: actor,
                                             time: AuditEntry.format(Date())))
    }

    // MARK: Register

    public struct NewRegisterEntry: Sendable {
        public var agency: String
        public var direction: RegisterDirection
        public var subject: String
        public var from: String
        public var to: String
        public var answers: String?
        public var documents: [String] = []
        /// YYYY-MM-DD; nil is today (UTC).
        public var date: String?
        public init(agency: String, direction: RegisterDirection, subject: String, from: String, to: String) {
            self.agency = agency
            self.direction = direction
            self.subject = subject
            self.from = from
            self.to = to
        }
    }

    /// Registers an item: its number is taken in the same transaction that stores it.
    public func register(_ new: NewRegisterEntry, actor: String) throws -> RegisterEntry {
        try database.register(try prepareRegister(new, actor: actor), format: try database.registerFormat())
    }

    /// Checks an item and makes its row; the number is taken when it is committed.
    public func prepareRegister(_ new: NewRegisterEntry, actor: String) throws -> RegisterEntry {
        _ = try Validation.actor(actor)
        try Validation.agency(new.agency)
        try Validation.text(new.subject, "subject", maximum: 2000)
        try Validation.text(new.from, "from", maximum: 500)
        try Validation.text(new.to, "to", maximum: 500)
        let date = try new.date.map(Validation.day) ?? String(AuditEntry.format(Date()).prefix(10))
        guard let year = Int(date.prefix(4)) else { throw StoreError.invalid("bad date \(date)") }
        return RegisterEntry(number: "", agency: new.agency, direction: new.direction, year: year, sequence: 0,
                             subject: new.subject, from: new.from, to: new.to, date: date, answers: new.answers,
                             documents: Array(Set(new.documents)).sorted(), createdAt: AuditEntry.format(Date()), createdBy: actor)
    }

    public func registerEntry(_ number: String) throws -> RegisterEntry {
        guard let entry = try database.registerEntry(number) else { throw StoreError.notFound("no register item \(number)") }
        return entry
    }

    // MARK: Search

    public func search(_ query: SearchQuery) throws -> SearchResult {
        guard (1...1000).contains(query.limit), query.offset >= 0 else {
            throw StoreError.invalid("--limit is 1 to 1000 and --offset at least 0")
        }
        for day in [query.since, query.until].compactMap({ $0 }) { _ = try Validation.day(day) }
        return try database.search(query)
    }

    // MARK: Audit

    /// The whole log and its checkpoints, checked; checkpoint tokens against `verifier`'s
    /// trust anchors (nil: tokens are not checked, and the result says nothing of them).
    public func verifyAudit(verifier: SignatureVerifier?) async throws -> AuditVerification {
        let (entries, checkpoints) = try await database.writer.read { db in
            (try AuditLog.entries(in: db), try AuditLog.checkpoints(in: db))
        }
        var result = await AuditVerification.check(entries: entries, checkpoints: checkpoints, verifier: verifier)
        // The tables are held to the log: a row changed behind its back no longer matches.
        let documents = try database.documentIDs(createdFrom: "0000-01-01", through: "9999-12-31").map { id in
            let record = try self.record(id)
            return PackagedDocument(document: record.document, versions: record.versions, signatures: record.signatures, history: record.history)
        }
        let register = try database.registerEntries(numbered: "", through: "\u{10FFFF}")
        let differences = AuditConsistency.problems(documents: documents, register: register, entries: entries)
        if !differences.isEmpty {
            result.problems += differences
            result.ok = false
        }
        return result
    }

    // MARK: Check

    /// What `store check` finds.
    public struct Condition: Sendable, Codable {
        public var integrity: [String]
        public var blobsChecked: Int
        public var damaged: [String]
        public var missing: [String]
        /// Blobs on disk that no version or signature refers to (left by a write that was
        /// interrupted before it was acknowledged): never served, harmless.
        public var unreferenced: [String]
        public var ok: Bool { integrity == ["ok"] && damaged.isEmpty && missing.isEmpty }
    }

    public func check() throws -> Condition {
        let referenced = try database.referencedBlobs()
        var condition = Condition(integrity: try database.integrityCheck(), blobsChecked: referenced.count, damaged: [], missing: [],
                                  unreferenced: [])
        for blob in referenced.sorted() {
            switch blobs.check(blob) {
            case .intact: break
            case .missing: condition.missing.append(blob)
            case .damaged, .unreadable: condition.damaged.append(blob)
            }
        }
        condition.unreferenced = blobs.all().filter { !referenced.contains($0) }
        return condition
    }
}

/// Document ids: `D` and 15 characters of Crockford base32 (time-ordered, 60 random bits
/// among them), unique across stores so that packages can move between them.
enum Identifier {
    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    static func make() -> String {
        let milliseconds = UInt64(Date().timeIntervalSince1970 * 1000)
        var value = (milliseconds & 0xFF_FFFF_FFFF) << 35 | UInt64.random(in: 0..<(1 << 35))
        var characters: [Character] = []
        for _ in 0..<15 {
            characters.append(alphabet[Int(value & 31)])
            value >>= 5
        }
        return "D" + String(characters.reversed())
    }

    static func isValid(_ id: String) -> Bool {
        id.count == 16 && id.first == "D" && id.dropFirst().allSatisfy { alphabet.contains($0) }
    }
}

/// Media types by file name; what is not known is `application/octet-stream`.
enum MediaType {
    static func of(_ name: String) -> String {
        let lower = name.lowercased()
        let known: [(String, String)] = [
            (".txt", "text/plain; charset=utf-8"), (".md", "text/markdown; charset=utf-8"), (".csv", "text/csv; charset=utf-8"),
            (".xml", "application/xml"), (".json", "application/json"), (".pdf", "application/pdf"),
            (".html", "text/html; charset=utf-8"), (".odt", "application/vnd.oasis.opendocument.text"),
            (".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (".png", "image/png"), (".jpg", "image/jpeg"), (".jpeg", "image/jpeg"), (".tif", "image/tiff"), (".tiff", "image/tiff"),
            (".p7s", "application/pkcs7-signature"), (".p7m", "application/pkcs7-mime"), (".asice", "application/vnd.etsi.asic-e+zip"),
            (".eml", "message/rfc822"), (".zip", "application/zip"),
        ]
        return known.first { lower.hasSuffix($0.0) }?.1 ?? "application/octet-stream"
    }
}

/// The store's rules for what it is given.
enum Validation {
    static func text(_ value: String, _ what: String, maximum: Int, allowEmpty: Bool = false) throws {
        if !allowEmpty && value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw StoreError.invalid("the \(what) is empty")
        }
        if value.count > maximum { throw StoreError.invalid("the \(what) is longer than \(maximum) characters") }
        if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\n" && $0 != "\t" }) {
            throw StoreError.invalid("the \(what) holds control characters")
        }
        if value.unicodeScalars.contains(where: { (0x202A...0x202E).contains($0.value) || (0x2066...0x2069).contains($0.value) }) {
            throw StoreError.invalid("the \(what) holds bidirectional override characters, which could make it print as another text")
        }
    }

    static func note(_ value: String) throws { try text(value, "note", maximum: 10_000, allowEmpty: true) }

    /// A kind or classification: letters, digits and hyphens.
    static func word(_ value: String, _ what: String) throws {
        guard !value.isEmpty, value.count <= 40,
              value.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }) else {
            throw StoreError.invalid("the \(what) '\(value)' is not a word of letters, digits and hyphens (at most 40)")
        }
    }

    /// An agency code, as it appears in register numbers: `MOCT`, `MOH-DAM`.
    static func agency(_ value: String) throws {
        guard !value.isEmpty, value.count <= 32,
              value.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_") }) else {
            throw StoreError.invalid("the agency '\(value)' is not a code of ASCII letters, digits and hyphens (at most 32), such as MOCT")
        }
    }

    static func metadataKey(_ key: String) throws {
        guard !key.isEmpty, key.count <= 64,
              key.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)) }) else {
            throw StoreError.invalid("the metadata key '\(key)' is not ASCII letters, digits, '-', '_' or '.' (at most 64)")
        }
    }

    /// A file name as kept with a version: the base name, nothing that walks paths.
    static func fileName(_ name: String) throws -> String {
        guard !name.isEmpty, name != ".", name != "..", !name.contains("/"), !name.contains("\\"), name.utf8.count <= 255,
              name.trimmingCharacters(in: .whitespaces) == name,
              !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw StoreError.invalid("the file name '\(DisplayText.printable(name))' cannot be kept (no /, \\, control characters or blanks at the ends)")
        }
        try text(name, "file name", maximum: 255)
        return name
    }

    /// Who acted, as the log keeps it: no control or bidirectional override characters.
    static func actor(_ value: String) throws -> String {
        try text(value, "actor", maximum: 200)
        guard !value.contains("\n"), !value.contains("\t") else { throw StoreError.invalid("the actor holds control characters") }
        return value
    }

    /// What a package says of a document, held to the rules `add` applies.
    static func imported(_ packaged: PackagedDocument) throws {
        let d = packaged.document
        guard Identifier.isValid(d.id) else { throw StoreError.invalid("the package holds a document id '\(DisplayText.printable(d.id))' that is not one") }
        try text(d.title, "title of \(d.id)", maximum: 1000)
        try word(d.kind, "kind of \(d.id)")
        try agency(d.agency)
        try word(d.classification, "classification of \(d.id)")
        for (key, value) in d.metadata {
            try metadataKey(key)
            try text(value, "metadata value of \(key)", maximum: 4096, allowEmpty: true)
        }
        _ = try actor(d.createdBy)
        for (index, version) in packaged.versions.enumerated() {
            guard version.document == d.id, version.version == index + 1 else {
                throw StoreError.invalid("the package's version list of \(d.id) names another document or skips a number")
            }
            _ = try fileName(version.name)
            _ = try actor(version.author)
            try note(version.note)
        }
        for signature in packaged.signatures where signature.document != d.id || !packaged.versions.contains(where: { $0.version == signature.version }) {
            throw StoreError.invalid("a signature in the package of \(d.id) belongs to another document or version")
        }
        for change in packaged.history where change.document != d.id {
            throw StoreError.invalid("the history of \(d.id) in the package names another document")
        }
        if let by = d.supersededBy, !Identifier.isValid(by) { throw StoreError.invalid("\(d.id) is superseded by an id that is not one") }
    }

    /// A register item from a package: its number must be the one its fields give in this
    /// store's format, so numbering here can continue after it without a clash.
    static func imported(_ entry: RegisterEntry, format: RegisterFormat) throws {
        try agency(entry.agency)
        guard (1...999_999_999).contains(entry.sequence), (1900...2999).contains(entry.year),
              entry.number == format.number(agency: entry.agency, direction: entry.direction, year: entry.year, sequence: entry.sequence) else {
            throw StoreError.invalid("the package's register item \(DisplayText.printable(entry.number)) is not numbered as this store numbers (\(format.template)); nothing was imported")
        }
        try text(entry.subject, "subject of \(entry.number)", maximum: 2000)
        try text(entry.from, "sender of \(entry.number)", maximum: 500)
        try text(entry.to, "recipient of \(entry.number)", maximum: 500)
        _ = try day(entry.date)
        _ = try actor(entry.createdBy)
    }

    /// A day, `YYYY-MM-DD`, checked to exist (Gregorian, 1900 to 2999).
    static func day(_ value: String) throws -> String {
        let bytes = Array(value.utf8)
        func number(_ range: Range<Int>) -> Int? {
            var result = 0
            for byte in bytes[range] {
                guard (0x30...0x39).contains(byte) else { return nil }
                result = result * 10 + Int(byte - 0x30)
            }
            return result
        }
        guard bytes.count == 10, bytes[4] == 0x2D, bytes[7] == 0x2D, let year = number(0..<4), let month = number(5..<7),
              let day = number(8..<10), (1900...2999).contains(year), (1...12).contains(month) else {
            throw StoreError.invalid("'\(value)' is not a day written YYYY-MM-DD")
        }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard (1...days).contains(day) else { throw StoreError.invalid("'\(value)' is not a day written YYYY-MM-DD") }
        return value
    }
}
