import AuditLog
import Foundation
import SignService

/// What `store export` puts in a package, and what `store import` takes from one.
///
/// A package is a BagIt bag (RFC 8493) under `bag/`, in a tar, tar.gz or zip file:
///
/// ```
/// bag/bagit.txt  bag/bag-info.txt  bag/manifest-sha256.txt  bag/tagmanifest-sha256.txt
/// bag/data/export.json                         what was exported, and why
/// bag/data/register.json                       the register items
/// bag/data/documents/<id>/document.json        metadata, versions, signatures, history
/// bag/data/documents/<id>/v<N>/<name>          each version's exact bytes
/// bag/data/documents/<id>/signatures/<n>.p7s   each signature (.asice for containers)
/// bag/data/documents/<id>/signatures/<n>.json  its validation report on arrival
/// bag/data/audit/entries.jsonl                 the log from entry 1 to the checkpoint:
///                                              whole for entries about what is exported,
///                                              sequence and hashes only for the others
/// bag/data/audit/checkpoint.json               the checkpoint's statement
/// bag/data/audit/checkpoint.json.tsr           its RFC 3161 token
/// ```
public struct PackageContent: Sendable {
    public var origin: String
    public var documents: [PackagedDocument]
    public var register: [RegisterEntry]
    public var auditLines: [(sequence: Int64, json: String)]
    public var searchText: [String: String]
}

public struct PackagedDocument: Sendable, Codable {
    public var document: Document
    public var versions: [DocumentVersion]
    public var signatures: [AttachedSignature]
    public var history: [StateChange]
}

/// One line of `audit/entries.jsonl`.
struct PackagedAuditLine: Codable {
    var sequence: Int64
    var previous: String
    var hash: String
    /// The whole entry when it is about something the package carries (and every entry
    /// written before summaries existed).
    var entry: AuditEntry?
    /// Otherwise its summary: everything but the details, which the hash binds by their SHA-256.
    var summary: Summary?

    struct Summary: Codable {
        var time: String
        var actor: String
        var action: String
        var object: String
        var detailsSHA256: String
    }
}

public struct ExportResult: Sendable, Codable {
    public var package: String
    public var documents: Int
    public var versions: Int
    public var registerEntries: Int
    public var auditEntries: Int64
}

public struct ImportResult: Sendable, Codable {
    public var documents: Int
    public var versions: Int
    public var signatures: Int
    public var registerEntries: Int
    /// Documents and register items already here, identical: skipped.
    public var unchanged: Int
}

/// What `archive verify` found.
public struct PackageVerification: Sendable, Codable {
    public var package: String
    public var ok: Bool
    public var files: Int
    public var documents: Int
    public var signatures: [String: String]
    public var auditEntries: Int
    public var checkpoint: String?
    /// Everything altered or missing, named.
    public var problems: [String]
    /// What could not be decided (an untrusted root), without making the package altered.
    public var notes: [String]
}

/// What to export.
public enum ExportScope: Sendable {
    case documents([String])
    /// Register numbers from ... to (inclusive, as they sort).
    case register(from: String, to: String)
    /// Documents created and register items dated between the two days (inclusive).
    case dates(since: String, until: String)
}

extension DocumentStore {
    /// Writes a package of `scope` to `path` (format from its name). The audit entries go
    /// up to the newest checkpoint, which must cover every entry about what is exported.
    public func export(_ scope: ExportScope, to path: String, actor: String) async throws -> ExportResult {
        guard let format = PackageFormat(fileName: path) else {
            throw StoreError.invalid("\(path): name the package .tar, .tar.gz (or .tgz) or .zip")
        }
        var ids: [String] = []
        var register: [RegisterEntry] = []
        switch scope {
        case .documents(let list):
            for id in list { _ = try document(id) }
            ids = list
            register = try list.flatMap { try database.registerEntries(carrying: $0) }
        case .register(let from, let to):
            register = try database.registerEntries(numbered: from, through: to)
            ids = register.flatMap(\.documents)
        case .dates(let since, let until):
            _ = try Validation.day(since)
            _ = try Validation.day(until)
            ids = try database.documentIDs(createdFrom: since, through: until)
            register = try database.registerEntries(datedFrom: since, through: until)
            ids += register.flatMap(\.documents)
        }
        var seenIDs = Set<String>()
        ids = ids.filter { seenIDs.insert($0).inserted }.sorted()
        var seenNumbers = Set<String>()
        register = register.filter { seenNumbers.insert($0.number).inserted }.sorted { $0.number < $1.number }
        guard !ids.isEmpty || !register.isEmpty else { throw StoreError.notFound("nothing to export in that range") }

        let objects = Set(ids).union(register.map(\.number))
        let (entries, checkpoints) = try await database.writer.read { db in
            (try AuditLog.entries(in: db), try AuditLog.checkpoints(in: db))
        }
        let lastRelevant = entries.last { objects.contains($0.object) }?.sequence ?? 0
        guard let checkpoint = checkpoints.first(where: { $0.size >= lastRelevant }), checkpoint.size > 0 else {
            throw StoreError.invalid("no checkpoint covers the audit entries of what is exported (up to entry \(lastRelevant)): run signtool store audit checkpoint first")
        }

        var files: [(name: String, source: Source)] = []
        enum Source { case bytes([UInt8]), blob(String, Int64) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        var versionCount = 0
        for id in ids {
            let record = try self.record(id)
            let packaged = PackagedDocument(document: record.document, versions: record.versions, signatures: record.signatures,
                                            history: record.history)
            files.append(("data/documents/\(id)/document.json", .bytes(Array(try encoder.encode(packaged)))))
            for version in record.versions {
                guard blobs.check(version.sha256) == .intact else {
                    throw StoreError.damaged("version \(version.version) of \(id) is damaged in the store; nothing was exported")
                }
                files.append(("data/documents/\(id)/v\(version.version)/\(version.name)", .blob(version.sha256, version.size)))
                versionCount += 1
            }
            for signature in record.signatures {
                let suffix = signature.format == "asice" ? "asice" : "p7s"
                files.append(("data/documents/\(id)/signatures/\(signature.id).\(suffix)", .bytes(try blobs.read(signature.sha256))))
                files.append(("data/documents/\(id)/signatures/\(signature.id).json", .bytes(Array(signature.report.utf8))))
            }
        }
        files.append(("data/register.json", .bytes(Array(try encoder.encode(register)))))
        // The data directory's CA certificates, as intermediates for whoever verifies the
        // package (trust still comes from the roots they give).
        let dataDirectory = FileIO.splitPath(directory).directory
        for name in ["issuing.pem", "root.pem"] where FileIO.exists(dataDirectory + "/ca/" + name) {
            files.append(("data/certificates/" + name, .bytes(try FileIO.read(dataDirectory + "/ca/" + name))))
        }
        let lineEncoder = JSONEncoder()
        lineEncoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var audit: [UInt8] = []
        for entry in entries where entry.sequence <= checkpoint.size {
            let whole = objects.contains(entry.object) || !entry.isSummarisable
            let line = PackagedAuditLine(sequence: entry.sequence, previous: entry.previous, hash: entry.hash,
                                         entry: whole ? entry : nil,
                                         summary: whole ? nil : .init(time: entry.time, actor: entry.actor, action: entry.action,
                                                                      object: entry.object, detailsSHA256: AuditEntry.sha256(entry.details)))
            audit += Array(try lineEncoder.encode(line)) + [0x0A]
        }
        files.append(("data/audit/entries.jsonl", .bytes(audit)))
        files.append(("data/audit/checkpoint.json", .bytes(checkpoint.statement)))
        files.append(("data/audit/checkpoint.json.tsr", .bytes(checkpoint.token)))
        struct Description: Encodable { let format: String; let documents: [String]; let register: [String]; let checkpoint: Int64 }
        files.append(("data/export.json", .bytes(Array(try encoder.encode(Description(format: "signtool archive package 1",
            documents: ids, register: register.map(\.number), checkpoint: checkpoint.size))))))
        files.sort { $0.name < $1.name }

        // Manifests: SHA-256 of every payload file, then of every tag file.
        var manifest = ""
        var octets: Int64 = 0
        for (name, source) in files {
            switch source {
            case .bytes(let bytes):
                manifest += "\(Hex.lower(try ContentDigest.digest(bytes, algorithm: .sha256)))  \(BagPath.encode(name))\n"
                octets += Int64(bytes.count)
            case .blob(let sha256, let size):
                manifest += "\(sha256)  \(BagPath.encode(name))\n"
                octets += size
            }
        }
        let bagit = Array("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n".utf8)
        let info = Array("""
            Source-Organization: signtool document store
            External-Description: \(ids.count) documents, \(register.count) register items, audit log to entry \(checkpoint.size)
            Bag-Software-Agent: signtool
            Payload-Oxum: \(octets).\(files.count)

            """.utf8)
        let manifestBytes = Array(manifest.utf8)
        var tagManifest = ""
        for (name, bytes) in [("bag-info.txt", info), ("bagit.txt", bagit), ("manifest-sha256.txt", manifestBytes)] {
            tagManifest += "\(Hex.lower(try ContentDigest.digest(bytes, algorithm: .sha256)))  \(name)\n"
        }

        let writer = try PackageWriter(path: path, format: format)
        try writer.add(name: "bag/bag-info.txt", bytes: info)
        try writer.add(name: "bag/bagit.txt", bytes: bagit)
        for (name, source) in files {
            switch source {
            case .bytes(let bytes): try writer.add(name: "bag/" + name, bytes: bytes)
            case .blob(let sha256, let size): try writer.add(name: "bag/" + name, file: blobs.path(of: sha256), size: size, sha256: sha256)
            }
        }
        try writer.add(name: "bag/manifest-sha256.txt", bytes: manifestBytes)
        try writer.add(name: "bag/tagmanifest-sha256.txt", bytes: Array(tagManifest.utf8))
        try writer.close()
        try database.recordAudit(actor: actor, action: "store.exported", object: "store",
                                 details: ["package": FileIO.splitPath(path).name, "documents": ids.joined(separator: ","),
                                           "register": register.map(\.number).joined(separator: ","), "checkpoint": String(checkpoint.size)])
        return ExportResult(package: path, documents: ids.count, versions: versionCount, registerEntries: register.count,
                            auditEntries: checkpoint.size)
    }

    /// Restores a package: it is verified first (every digest, signature and the audit
    /// chain, with `verifier`), then everything goes in one transaction. Ids, hashes and
    /// register numbers are kept; importing it again changes nothing.
    public func importPackage(at path: String, verifier: SignatureVerifier, limits: PackageLimits = PackageLimits(),
                              actor: String) async throws -> ImportResult {
        let (verification, content, directory) = try await ArchiveVerifier.check(path, verifier: verifier, limits: limits, keep: true)
        defer { if let directory { try? FileManager.default.removeItem(atPath: directory) } }
        guard verification.ok, let content, let directory else {
            throw StoreError.invalid("\(path): the package does not verify (\(verification.problems.first ?? "unknown problem")); nothing was imported")
        }
        _ = try Validation.actor(actor)
        for packaged in content.documents { try Validation.imported(packaged) }
        let format = try database.registerFormat()
        for entry in content.register { try Validation.imported(entry, format: format) }
        for packaged in content.documents {
            for version in packaged.versions {
                let stored = try blobs.store(fileAt: directory + "/bag/data/documents/\(packaged.document.id)/v\(version.version)/\(version.name)")
                guard stored.sha256 == version.sha256 else { throw StoreError.damaged("\(path): a version changed while it was imported") }
            }
            for signature in packaged.signatures {
                let suffix = signature.format == "asice" ? "asice" : "p7s"
                let stored = try blobs.store(fileAt: directory + "/bag/data/documents/\(packaged.document.id)/signatures/\(signature.id).\(suffix)")
                guard stored.sha256 == signature.sha256 else { throw StoreError.damaged("\(path): a signature changed while it was imported") }
            }
        }
        return try database.importPackage(content, actor: actor)
    }
}

/// `signtool archive verify`: a package checked with no database.
public enum ArchiveVerifier {
    public static func verify(_ path: String, verifier: SignatureVerifier, limits: PackageLimits = PackageLimits()) async throws -> PackageVerification {
        try await check(path, verifier: verifier, limits: limits, keep: false).0
    }

    /// Unpacks into a private directory (kept and returned with `keep`), and checks.
    static func check(_ path: String, verifier: SignatureVerifier, limits: PackageLimits,
                      keep: Bool) async throws -> (PackageVerification, PackageContent?, String?) {
        var template = Array((NSTemporaryDirectory() + "/signtool-package.XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw SignServiceError.io("cannot make a private directory: \(FileIO.errnoText())") }
        let directory = String(cString: made)
        var handed = false
        defer { if !handed { try? FileManager.default.removeItem(atPath: directory) } }
        // Only verifying: a large version that no signature covers is hashed on the way
        // through and never written out (the digests are all that is checked of it).
        var signedVersions: [String: Set<Int>] = [:]
        var unread = Set<String>()
        let files = try PackageReader.unpack(path, into: directory, limits: limits) { name, size in
            if keep || size <= 1 << 20 { return true }
            let parts = name.split(separator: "/")
            guard parts.count == 5, parts[0] == "data", parts[1] == "documents", parts[3].hasPrefix("v"),
                  let number = Int(parts[3].dropFirst()) else { return true }
            let id = String(parts[2])
            if signedVersions[id] == nil && !unread.contains(id) {
                // document.json sorts before v1/ in our packages; in another order it is not known yet: keep.
                let json = directory + "/bag/data/documents/\(id)/document.json"
                if let bytes = try? FileIO.read(json, limit: limits.maximumMetadataSize),
                   let packaged = try? JSONDecoder().decode(PackagedDocument.self, from: Data(bytes)) {
                    signedVersions[id] = Set(packaged.signatures.map(\.version))
                } else {
                    unread.insert(id)
                }
            }
            guard let signed = signedVersions[id] else { return true }
            return signed.contains(number)
        }
        let names = files.map(\.name)
        let unpackedFiles = Dictionary(files.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let bag = directory + "/bag"
        // Certificates the package carries help build paths; they are never trusted.
        var policy = verifier.policy
        for name in names where name.hasPrefix("data/certificates/") && name.hasSuffix(".pem") {
            if let bytes = try? FileIO.read(bag + "/" + name, limit: 1 << 20), let certificates = try? Certificate.loadAll(bytes, source: name) {
                policy.intermediates += certificates
            }
        }
        let verifier = try SignatureVerifier(policy: policy)
        var result = PackageVerification(package: path, ok: false, files: names.count, documents: 0, signatures: [:], auditEntries: 0,
                                         checkpoint: nil, problems: [], notes: [])
        func problem(_ text: String) { result.problems.append(text) }
        let unpacked = Set(names)
        func small(_ name: String) -> [UInt8]? {
            // Only what was unpacked here: no name from inside the package reaches elsewhere.
            guard unpacked.contains(name), FileIO.exists(bag + "/" + name) else { return nil }
            return try? FileIO.read(bag + "/" + name, limit: limits.maximumMetadataSize)
        }
        /// The SHA-256 of an unpacked file, taken as it was unpacked.
        func sha256(_ name: String) -> String? { unpackedFiles[name]?.sha256 }

        // BagIt (RFC 8493): the declaration, every manifest, the oxum.
        let declaration = small("bagit.txt").map(BagText.lines) ?? []
        if declaration.count < 2 || !BagText.isSupportedVersion(declaration[0])
            || declaration[1].lowercased().replacingOccurrences(of: " ", with: "") != "tag-file-character-encoding:utf-8" {
            problem("bagit.txt is missing or does not declare BagIt 1.0 (or 0.97) in UTF-8")
        }
        let payloadNames = Set(names.filter { $0.hasPrefix("data/") })
        var payloadManifests = 0
        for file in names.sorted() where !file.contains("/") {
            let (isTag, algorithmName) = BagText.manifestKind(file)
            guard let algorithmName else { continue }
            guard let algorithm = BagText.algorithm(algorithmName) else {
                if algorithmName == "md5" || algorithmName == "sha1" {
                    // MD5 and SHA-1 prove nothing against a deliberate change: the SHA-2 manifests decide.
                    result.notes.append("\(file) was not checked: \(algorithmName) is not accepted as evidence; the SHA-2 manifests decide")
                } else {
                    problem("\(DisplayText.printable(file)) cannot be checked: this tool knows sha256, sha384 and sha512 (and notes md5, sha1)")
                }
                continue
            }
            guard let bytes = small(file) else { problem("\(file) cannot be read"); continue }
            if !isTag { payloadManifests += 1 }
            var listed: [String: String] = [:]
            for line in BagText.lines(bytes) where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                guard let space = line.firstIndex(where: { $0 == " " || $0 == "\t" }) else {
                    problem("\(file) has a line without a path"); continue
                }
                let digest = String(line[..<space]).lowercased()
                // RFC 8493 2.1.3: the path is everything after the separating blanks, with
                // %0A, %0D and %25 standing for LF, CR and %.
                var name = BagPath.decode(String(line[space...].drop(while: { $0 == " " || $0 == "\t" })))
                while name.hasPrefix("./") { name.removeFirst(2) }   // ./data/x is data/x, relative to the bag
                if let earlier = listed[name], earlier != digest { problem("\(file) lists \(DisplayText.printable(name)) twice with different digests") }
                listed[name] = digest
                if isTag {
                    // A tag manifest names tag files: never the payload, never a manifest of tag files.
                    guard !name.hasPrefix("data/"), !name.hasPrefix("tagmanifest-"), unpacked.contains(name) else {
                        problem("\(file) names \(DisplayText.printable(name)), which is not a tag file of this bag"); continue
                    }
                } else {
                    guard payloadNames.contains(name) else { problem("\(DisplayText.printable(name)) is listed in \(file) but missing"); continue }
                }
                let unwritten = unpackedFiles[name]?.sha512OfUnwritten
                let actual = algorithm == .sha256 ? sha256(name) : algorithm == .sha512 && unwritten != nil ? unwritten
                    : (try? ContentDigest.digests(ofFileAt: bag + "/" + name, algorithms: [algorithm])[algorithm]).map { Hex.lower($0) }
                if actual != digest { problem("\(DisplayText.printable(name)) was altered: its \(algorithm.rawValue) is not the one \(file) gives") }
            }
            if !isTag {
                for name in payloadNames.subtracting(listed.keys).sorted() {
                    problem("\(DisplayText.printable(name)) is in the package but not in \(file)")
                }
            } else {
                // RFC 8493 2.2.1: a tag manifest lists every payload manifest.
                for manifest in names.filter({ !$0.contains("/") && BagText.manifestKind($0).algorithm != nil && !BagText.manifestKind($0).isTag })
                    where listed[manifest] == nil {
                    problem("\(file) does not list \(manifest)")
                }
            }
        }
        if payloadManifests == 0 { problem("the package has no payload manifest (manifest-sha256.txt or manifest-sha512.txt)") }
        if let info = small("bag-info.txt") {
            // RFC 8493 2.2.2: OctetCount.StreamCount, numbers (compared as such), at most once.
            let octets = payloadNames.reduce(Int64(0)) { $0 + (unpackedFiles[$1]?.size ?? 0) }
            let oxums = BagText.lines(info).filter { $0.lowercased().hasPrefix("payload-oxum:") }
            if oxums.count > 1 { problem("bag-info.txt gives Payload-Oxum \(oxums.count) times") }
            for line in oxums {
                let parts = line.dropFirst("Payload-Oxum:".count).trimmingCharacters(in: .whitespaces).split(separator: ".")
                if parts.count != 2 || Int64(parts[0]) != octets || Int(parts[1]) != payloadNames.count {
                    problem("bag-info.txt's Payload-Oxum does not match the payload (\(octets).\(payloadNames.count))")
                }
            }
        }
        // RFC 8493 2.2.3 and 3: a bag whose fetch.txt names files it lacks is not complete.
        if let fetch = small("fetch.txt") {
            for line in BagText.lines(fetch) {
                let fields = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
                guard fields.count == 3 else { problem("fetch.txt has a line that is not URL LENGTH PATH"); continue }
                let name = BagPath.decode(String(fields[2]))
                if !payloadNames.contains(name) { problem("the bag is not complete: fetch.txt names \(DisplayText.printable(name)), which the package lacks") }
            }
        }

        // Documents: each version's bytes, each signature over them.
        let decoder = JSONDecoder()
        var documents: [PackagedDocument] = []
        var searchText: [String: String] = [:]
        var fresh: [String: (indication: String, report: String)] = [:]
        for name in payloadNames.sorted() where name.hasPrefix("data/documents/") && name.hasSuffix("/document.json") {
            guard let bytes = small(name), let packaged = try? decoder.decode(PackagedDocument.self, from: Data(bytes)) else {
                problem("\(name) cannot be read"); continue
            }
            let id = packaged.document.id
            guard name == "data/documents/\(id)/document.json" else { problem("\(name) describes another document (\(id))"); continue }
            documents.append(packaged)
            var text = [packaged.document.title, packaged.document.metadata.values.sorted().joined(separator: " ")]
            for version in packaged.versions {
                let file = "data/documents/\(id)/v\(version.version)/\(version.name)"
                guard payloadNames.contains(file), (try? Validation.fileName(version.name)) != nil else {
                    problem("version \(version.version) of \(id) is missing"); continue
                }
                if sha256(file) != version.sha256 { problem("version \(version.version) of \(id) was altered") }
                text.append(version.note)
                if version.mediaType.hasPrefix("text/"), let head = try? FileIO.peek(bag + "/" + file, count: DocumentStore.indexedTextLimit) {
                    text.append(String(decoding: head.bytes, as: UTF8.self))
                }
            }
            searchText[id] = ArabicText.indexTerms(text.joined(separator: " "))
            for signature in packaged.signatures {
                let suffix = signature.format == "asice" ? "asice" : "p7s"
                let file = "data/documents/\(id)/signatures/\(signature.id).\(suffix)"
                guard payloadNames.contains(file), let version = packaged.versions.first(where: { $0.version == signature.version }) else {
                    problem("signature \(signature.id) of \(id) is missing"); continue
                }
                guard payloadNames.contains("data/documents/\(id)/v\(version.version)/\(version.name)") else {
                    problem("signature \(signature.id) of \(id) cannot be checked: version \(version.version) is missing"); continue
                }
                let bytes = try FileIO.read(bag + "/" + file, limit: FileIO.maximumSignatureSize)
                if Hex.lower(try ContentDigest.digest(bytes, algorithm: .sha256)) != signature.sha256 {
                    problem("signature \(signature.id) of \(id) was altered"); continue
                }
                var report = try await verifier.verify(inputAt: bag + "/" + file,
                                                       contentAt: bag + "/data/documents/\(id)/v\(version.version)/\(version.name)")
                report.content = "\(id) version \(version.version)"
                result.signatures["\(id)/\(signature.id)"] = report.indication.rawValue
                // What an importing store keeps is its own verdict, not the package's.
                fresh["\(id)/\(signature.id)"] = (report.indication.rawValue, report.jsonLine())
                let broken = report.signatures.contains { $0.subIndication == .hashFailure || $0.subIndication == .sigCryptoFailure }
                if broken || (report.indication == .totalFailed && signature.indication == "TOTAL_PASSED") {
                    problem("signature \(signature.id) of \(id) does not verify over version \(signature.version) (\(report.subIndication?.rawValue ?? report.indication.rawValue))")
                } else if report.indication != .totalPassed {
                    result.notes.append("signature \(signature.id) of \(id): \(report.indication.rawValue) \(report.subIndication?.rawValue ?? "") (give the signer's root with --trust to decide)")
                }
            }
        }
        result.documents = documents.count
        let register = small("data/register.json").flatMap { try? decoder.decode([RegisterEntry].self, from: Data($0)) }
        if register == nil { problem("data/register.json cannot be read") }

        // The audit chain up to the checkpoint, and the checkpoint's token.
        var lines: [(sequence: Int64, json: String)] = []
        if let audit = small("data/audit/entries.jsonl"), let statement = small("data/audit/checkpoint.json"),
           let token = small("data/audit/checkpoint.json.tsr") {
            var previous = AuditEntry.genesis
            var expected: Int64 = 1
            var chainBroken = false
            var entries: [PackagedAuditLine] = []
            // Objects of the entries shown only as summaries: none may be something the package carries.
            var withheld: [String: [Int64]] = [:]
            for raw in String(decoding: audit, as: UTF8.self).split(separator: "\n") {
                guard let line = try? decoder.decode(PackagedAuditLine.self, from: Data(raw.utf8)) else {
                    problem("data/audit/entries.jsonl has a line that cannot be read"); chainBroken = true; break
                }
                if line.sequence != expected || line.previous != previous {
                    problem("audit entry \(expected) is missing or out of chain"); chainBroken = true; break
                }
                if let entry = line.entry {
                    if entry.sequence != line.sequence || entry.previous != line.previous || entry.hash != line.hash || !entry.hashMatches {
                        problem("audit entry \(line.sequence) was changed"); chainBroken = true; break
                    }
                } else if let summary = line.summary {
                    let hash = AuditEntry.hash(sequence: line.sequence, time: summary.time, actor: summary.actor, action: summary.action,
                                               object: summary.object, detailsSHA256: summary.detailsSHA256, previous: line.previous)
                    guard hash == line.hash else { problem("audit entry \(line.sequence) was changed"); chainBroken = true; break }
                    withheld[summary.object, default: []].append(line.sequence)
                } else {
                    problem("audit entry \(line.sequence) shows neither its contents nor its summary"); chainBroken = true; break
                }
                entries.append(line)
                if line.entry != nil { lines.append((line.sequence, String(raw))) }
                previous = line.hash
                expected += 1
            }
            result.auditEntries = entries.count
            if !chainBroken {
                if let parsed = try? decoder.decode(AuditLog.Statement.self, from: Data(statement)) {
                    if parsed.size != Int64(entries.count) || parsed.head != previous {
                        problem("the checkpoint covers \(parsed.size) entries ending in \(parsed.head.prefix(12))..., the package's log does not end there")
                    }
                    let report = try await verifier.verify(timestamp: token, name: "data/audit/checkpoint.json.tsr", content: statement,
                                                           contentName: "data/audit/checkpoint.json")
                    if report.indication == .totalPassed {
                        result.checkpoint = "\(parsed.size) entries, \(parsed.time)"
                    } else if report.signatures.contains(where: { $0.subIndication == .hashFailure || $0.subIndication == .sigCryptoFailure }) {
                        problem("the checkpoint's timestamp does not match its statement")
                    } else {
                        // A checkpoint nobody trusted could be anyone's: the chain it vouches for proves nothing.
                        problem("the checkpoint's timestamp is not from a trusted TSA (\(report.subIndication?.rawValue ?? report.indication.rawValue)): give the TSA's root with --trust")
                    }
                } else {
                    problem("data/audit/checkpoint.json cannot be read")
                }
                // Every entry about a document or register item the package carries is shown whole:
                // one shown only as a summary could hide a version, a signature or a withdrawal.
                let carried = Set(documents.map(\.document.id) + (register ?? []).map(\.number))
                for object in withheld.keys.sorted() where carried.contains(object) {
                    problem("audit entries \(withheld[object]!.map(String.init).joined(separator: ", ")) about \(DisplayText.printable(object)) are withheld: a package shows every entry about what it carries")
                }
                // What document.json and register.json say must be what the log recorded.
                for text in AuditConsistency.problems(documents: documents, register: register ?? [], entries: entries.compactMap(\.entry)) {
                    problem(text)
                }
            }
        } else {
            problem("the audit log or its checkpoint is missing from data/audit/")
        }
        result.ok = result.problems.isEmpty
        let origin = (try? JSONDecoder().decode(AuditLog.Statement.self, from: Data(small("data/audit/checkpoint.json") ?? [])))?.head ?? "unknown"
        for index in documents.indices {
            for s in documents[index].signatures.indices {
                let key = "\(documents[index].document.id)/\(documents[index].signatures[s].id)"
                if let verdict = fresh[key] {
                    documents[index].signatures[s].indication = verdict.indication
                    documents[index].signatures[s].report = verdict.report
                }
            }
        }
        let content = result.ok ? PackageContent(origin: origin, documents: documents, register: register ?? [], auditLines: lines,
                                                 searchText: searchText) : nil
        if keep { handed = true }
        return (result, content, keep ? directory : nil)
    }
}

/// Reading BagIt's tag files (RFC 8493 2.1).
enum BagText {
    /// The lines of a tag file: LF, CR LF and CR all end a line (2.1.3); empty lines go.
    static func lines(_ bytes: [UInt8]) -> [String] {
        bytes.split(omittingEmptySubsequences: true) { $0 == 0x0A || $0 == 0x0D }.map { String(decoding: $0, as: UTF8.self) }
    }

    /// `BagIt-Version: 1.0` (any 1.x), or 0.97, the draft version bagit.py 1.8 writes.
    static func isSupportedVersion(_ line: String) -> Bool {
        let parts = line.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, parts[0] == "BagIt-Version" else { return false }
        let version = parts[1].trimmingCharacters(in: .whitespaces)
        let numbers = version.split(separator: ".", omittingEmptySubsequences: false)
        return version == "0.97" || (numbers.count == 2 && numbers[0] == "1" && !numbers[1].isEmpty && numbers[1].allSatisfy(\.isASCII) && Int(numbers[1]) != nil)
    }

    /// Whether a top-level file is a payload manifest (`manifest-ALG.txt`) or a tag manifest
    /// (`tagmanifest-ALG.txt`), and its algorithm's name; nil for other files.
    static func manifestKind(_ file: String) -> (isTag: Bool, algorithm: String?) {
        guard file.hasSuffix(".txt") else { return (false, nil) }
        for (prefix, isTag) in [("tagmanifest-", true), ("manifest-", false)] where file.hasPrefix(prefix) {
            let name = String(file.dropFirst(prefix.count).dropLast(4))
            return (isTag, name.isEmpty ? nil : name)
        }
        return (false, nil)
    }

    /// The digests a manifest may use and this tool checks (2.4: SHA-512 and SHA-256 at least).
    static func algorithm(_ name: String) -> DigestAlgorithm? {
        switch name {
        case "sha256": return .sha256
        case "sha384": return .sha384
        case "sha512": return .sha512
        default: return nil
        }
    }
}

/// Paths in BagIt manifests (RFC 8493 2.1.3).
enum BagPath {
    static func encode(_ path: String) -> String {
        path.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\n", with: "%0A").replacingOccurrences(of: "\r", with: "%0D")
    }

    static func decode(_ path: String) -> String {
        path.replacingOccurrences(of: "%0A", with: "\n").replacingOccurrences(of: "%0a", with: "\n")
            .replacingOccurrences(of: "%0D", with: "\r").replacingOccurrences(of: "%0d", with: "\r")
            .replacingOccurrences(of: "%25", with: "%")
    }
}
