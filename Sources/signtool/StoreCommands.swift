import ArgumentParser
import AuditLog
import DocStore
import Foundation
import SignService
import TrustServices

/// `signtool store ...`: the document store of the data directory (`DIR/store/`).
struct Store: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Keep official documents: versions, signatures, the register, search, the audit log.",
        discussion: """
            Everything lives under the data directory (--data DIR, $SIGNTOOL_DATA, else
            ./signtool-data), in DIR/store/: store.sqlite (SQLite, WAL) and blobs/
            (each version's bytes under their SHA-256). Nothing is ever deleted:
            a document is withdrawn with `store state`. Every change is written with
            an audit entry in the same transaction; `store audit verify` finds entries
            changed, removed or inserted behind the store's back.

            A letter from start to finish:
              signtool store register --agency MOCT --direction out --subject "دعوة اجتماع" \\
                  --from "وزارة الاتصالات" --to "وزارة الصحة"          # → MOCT/OUT/2026/000001
              signtool store add --title "دعوة إلى اجتماع" --kind letter --agency MOCT letter.pdf
              signtool sign --p12 minister.p12 letter.pdf
              signtool store attach D0ABC... letter.pdf.p7s
              signtool store search "اجتماع"
              signtool store get D0ABC... --out copy.pdf

            Exit status: 0 done; 64 usage; 65 malformed input; 66 file not found;
            73 output exists; 74 I/O error; 77 CA passphrase missing or wrong;
            80 no such document, version or register number; 81 refused by the
            store's rules (bad register format, state change, reference);
            82 the store is damaged (a blob's bytes changed); 1 audit log altered.
            """,
        subcommands: [StoreInit.self, StoreAdd.self, StoreIngest.self, StoreVersion.self, StoreAttach.self, StoreGet.self, StoreShow.self,
                      StoreRegister.self, StoreList.self, StoreSearch.self, StoreState.self, StoreAudit.self, StoreCheck.self,
                      StoreExport.self, StoreImport.self]
    )
}

/// What every store command takes: the data directory, the actor and --json.
struct StoreOptions: ParsableArguments {
    @OptionGroup var data: DataOptions

    @Option(help: ArgumentHelp("Who acts, as the audit log records it (default: $SIGNTOOL_ACTOR, else the login name).", valueName: "name"))
    var actor: String?

    @Flag(help: "Print one JSON object.") var json = false

    func open() throws -> DocumentStore { try DocumentStore(dataDirectory: data.directory) }

    var who: String {
        if let actor, !actor.isEmpty { return actor }
        if let env = ProcessInfo.processInfo.environment["SIGNTOOL_ACTOR"], !env.isEmpty { return env }
        if let user = getpwuid(geteuid())?.pointee.pw_name { return String(cString: user) }
        return "uid \(geteuid())"
    }

    /// Prints `value` as JSON (with --json) or `text`.
    func output<T: Encodable>(_ value: T, text: () -> String) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(value), as: UTF8.self))
        } else {
            print(text())
        }
    }

    /// The verifier the store checks signatures and checkpoints with: the data directory's
    /// CA root (when there is one) and `extra` roots.
    func verifier(trust extra: [String], offline: Bool = false) throws -> SignatureVerifier {
        var anchors = try extra.flatMap { try Certificate.loadAll(FileIO.read($0), source: $0) }
        var intermediates: [Certificate] = []
        let directory = data.directory
        if FileIO.exists(directory + "/ca/root.pem") {
            anchors += try Certificate.loadAll(FileIO.read(directory + "/ca/root.pem"), source: directory + "/ca/root.pem")
            if FileIO.exists(directory + "/ca/issuing.pem") {
                intermediates = try Certificate.loadAll(FileIO.read(directory + "/ca/issuing.pem"), source: directory + "/ca/issuing.pem")
            }
        }
        guard !anchors.isEmpty else {
            throw ValidationError("no trusted root: the data directory has no CA (signtool ca init) and no --trust was given")
        }
        var policy = VerificationPolicy(trustAnchors: anchors, intermediates: intermediates)
        if !offline { policy.revocationFetcher = RevocationFetcher(cacheDirectory: RevocationFetcher.defaultCacheDirectory()) }
        return try SignatureVerifier(policy: policy)
    }
}

/// Runs `body`, mapping store errors to the exit statuses `store --help` lists.
func reportingStoreErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as SignServiceError {
        printError(error.reason)
        throw ExitCode(storeExitCode(for: error))
    }
}

/// The exit status `store --help` lists for an error.
func storeExitCode(for error: SignServiceError) -> Int32 {
    switch error.code {
    case .notFound: return 80
    case .invalidRequest: return 81
    case .storeDamaged: return 82
    default: return ExitStatus.code(for: error)
    }
}

struct StoreInit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Make the store (other commands make it on first use).")
    @OptionGroup var options: StoreOptions
    @Option(help: ArgumentHelp("How register numbers are written; {agency}, {direction}, {year} and {seq:N} are required.", valueName: "format"))
    var registerFormat: String = RegisterFormat.default.template

    func run() async throws {
        try await reportingStoreErrors {
            let store = try options.open()
            let format = try RegisterFormat(registerFormat)
            try store.database.setRegisterFormat(format)
            struct Made: Encodable { let store: String; let registerFormat: String }
            try options.output(Made(store: store.directory, registerFormat: format.template)) {
                "\(store.directory): register numbers look like \(format.number(agency: "MOCT", direction: .outgoing, year: 2026, sequence: 123))"
            }
        }
    }
}

struct Added: Encodable { let id: String; let version: Int; let sha256: String }

struct StoreAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Store a file as a new document (version 1).",
        discussion: "Example: signtool store add --title \"قرار رقم 12\" --kind decision --agency MOCT --meta subject=budget decision.pdf")
    @OptionGroup var options: StoreOptions
    @Option(help: "Title (Arabic welcome).") var title: String
    @Option(help: "Kind: decision, circular, letter, report, ...") var kind: String
    @Option(help: "Agency code, as in register numbers (MOCT).") var agency: String
    @Option(help: "Classification (default unclassified).") var classification = "unclassified"
    @Option(help: ArgumentHelp("Metadata key=value (repeatable).", valueName: "key=value")) var meta: [String] = []
    @Option(help: "A note kept with the version.") var note = ""
    @Argument(help: "The file (streamed in; any size).") var file: String

    func run() async throws {
        try await reportingStoreErrors {
            var new = DocumentStore.NewDocument(title: title, kind: kind, agency: agency)
            new.classification = classification
            new.note = note
            for pair in meta {
                guard let equals = pair.firstIndex(of: "=") else { throw ValidationError("--meta takes key=value, not '\(pair)'") }
                new.metadata[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            }
            let version = try options.open().add(new, fileAt: file, actor: options.who)
            try options.output(Added(id: version.document, version: version.version, sha256: version.sha256)) {
                "\(version.document) version \(version.version) sha256 \(version.sha256)"
            }
        }
    }
}

struct StoreVersion: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Add a file as the next version of a document.")
    @OptionGroup var options: StoreOptions
    @Option(help: "A note kept with the version.") var note = ""
    @Argument(help: "The document id.") var document: String
    @Argument(help: "The file.") var file: String

    func run() async throws {
        try await reportingStoreErrors {
            let version = try options.open().addVersion(to: document, fileAt: file, note: note, actor: options.who)
            try options.output(Added(id: version.document, version: version.version, sha256: version.sha256)) {
                "\(version.document) version \(version.version) sha256 \(version.sha256)"
            }
        }
    }
}

struct StoreAttach: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "attach", abstract: "Verify a signature of a version and keep it with its report.",
        discussion: "The signature (.p7s detached or enveloping, or .asice) is verified on arrival against the data directory's CA and any --trust root; one over other bytes is refused.")
    @OptionGroup var options: StoreOptions
    @Option(help: "The version it signs (default: the latest).") var version: Int?
    @Option(help: "More trusted roots (repeatable).") var trust: [String] = []
    @Flag(help: "Ask no CRL or OCSP server.") var offline = false
    @Argument(help: "The document id.") var document: String
    @Argument(help: "The signature file.") var signature: String

    func run() async throws {
        try await reportingStoreErrors {
            let store = try options.open()
            let attached = try await store.attach(signatureAt: signature, to: document, version: version,
                                                  verifier: try options.verifier(trust: trust, offline: offline), actor: options.who)
            struct Attached: Encodable { let id: String; let version: Int; let indication: String }
            try options.output(Attached(id: attached.document, version: attached.version, indication: attached.indication)) {
                "\(attached.document) version \(attached.version): signature kept, \(attached.indication)"
            }
        }
    }
}

struct StoreGet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Write the exact bytes of a version.")
    @OptionGroup var options: StoreOptions
    @Option(help: "The version (default: the latest).") var version: Int?
    @Option(help: "Where to write it.") var out: String
    @Flag(help: "Replace --out if it exists.") var force = false
    @Argument(help: "The document id.") var document: String

    func run() async throws {
        try await reportingStoreErrors {
            let written = try options.open().get(document, version: version, to: out, replace: force)
            try options.output(Added(id: written.document, version: written.version, sha256: written.sha256)) { out }
        }
    }
}

struct StoreShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Everything the store knows of a document.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The document id.") var document: String

    struct Shown: Encodable {
        struct Version: Encodable { let version: Int; let sha256: String; let size: Int64; let name: String; let mediaType: String; let author: String; let createdAt: String; let note: String }
        struct Signature: Encodable { let version: Int; let name: String; let format: String; let indication: String; let sha256: String; let attachedAt: String; let attachedBy: String; let report: String }
        struct Register: Encodable { let number: String; let direction: String; let subject: String; let from: String; let to: String; let date: String; let answers: String? }
        let id, title, kind, agency, classification, state: String
        let supersededBy: String?
        let metadata: [String: String]
        let versions: [Version]
        let signatures: [Signature]
        let register: [Register]
        let history: [StateChange]
    }

    func run() async throws {
        try await reportingStoreErrors {
            let record = try options.open().record(document)
            let d = record.document
            let shown = Shown(id: d.id, title: d.title, kind: d.kind, agency: d.agency, classification: d.classification,
                              state: d.state.rawValue, supersededBy: d.supersededBy, metadata: d.metadata,
                              versions: record.versions.map { .init(version: $0.version, sha256: $0.sha256, size: $0.size, name: $0.name, mediaType: $0.mediaType, author: $0.author, createdAt: $0.createdAt, note: $0.note) },
                              signatures: record.signatures.map { .init(version: $0.version, name: $0.name, format: $0.format, indication: $0.indication, sha256: $0.sha256, attachedAt: $0.attachedAt, attachedBy: $0.attachedBy, report: $0.report) },
                              register: record.register.map { .init(number: $0.number, direction: $0.direction.rawValue, subject: $0.subject, from: $0.from, to: $0.to, date: $0.date, answers: $0.answers) },
                              history: record.history)
            try options.output(shown) {
                var lines = ["\(d.id): \(DisplayText.escapingInvisibles(d.title)) (\(d.kind), \(d.agency), \(d.classification), \(d.state.rawValue))"]
                for v in record.versions {
                    lines.append("  version \(v.version): \(DisplayText.escapingInvisibles(v.name)), \(v.size) bytes, sha256 \(v.sha256), \(v.createdAt) by \(v.author)")
                }
                for s in record.signatures { lines.append("  signature on version \(s.version): \(s.name) \(s.indication)") }
                for r in record.register { lines.append("  register \(r.number): \(DisplayText.escapingInvisibles(r.subject))") }
                for h in record.history { lines.append("  \(h.time): \(h.state.rawValue) by \(h.actor): \(DisplayText.escapingInvisibles(h.reason))") }
                return lines.joined(separator: "\n")
            }
        }
    }
}

struct StoreRegister: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "register", abstract: "Give an incoming or outgoing item its register number.",
        discussion: "The number is unique per agency, direction and year, without gaps, even with several writers at once.")
    @OptionGroup var options: StoreOptions
    @Option(help: "Agency code (MOCT).") var agency: String
    @Option(help: "in or out.") var direction: String
    @Option(help: "Subject.") var subject: String
    @Option(help: "Sender.") var from: String
    @Option(help: "Recipient.") var to: String
    @Option(help: "The register number of the item this one answers.") var answers: String?
    @Option(help: "A document the item carries (repeatable).") var document: [String] = []
    @Option(help: "The item's date, YYYY-MM-DD (default today).") var date: String?

    func run() async throws {
        try await reportingStoreErrors {
            guard let parsed = RegisterDirection(name: direction) else { throw ValidationError("--direction is in or out, not '\(direction)'") }
            var new = DocumentStore.NewRegisterEntry(agency: agency, direction: parsed, subject: subject, from: from, to: to)
            new.answers = answers
            new.documents = document
            new.date = date
            let entry = try options.open().register(new, actor: options.who)
            struct Registered: Encodable { let number: String; let sequence: Int }
            try options.output(Registered(number: entry.number, sequence: entry.sequence)) { entry.number }
        }
    }
}

/// Filters shared by `store list` and `store search`.
struct SearchFilters: ParsableArguments {
    @Option(help: "Only this kind.") var kind: String?
    @Option(help: "Only this agency.") var agency: String?
    @Option(help: "Only in this state: in-force, superseded, annulled.") var state: String?
    @Option(help: "Created on or after this day (YYYY-MM-DD).") var since: String?
    @Option(help: "Created on or before this day.") var until: String?
    @Option(help: "Carried by this register item.") var register: String?
    @Option(help: "Carried by an item from or to this party.") var party: String?
    @Option(help: "At most this many results (1-1000).") var limit = 20
    @Option(help: "Skip this many results.") var offset = 0

    func query(text: String?) throws -> SearchQuery {
        var query = SearchQuery()
        query.text = text
        query.kind = kind
        query.agency = agency
        if let state {
            guard let parsed = DocumentState(rawValue: state) else { throw ValidationError("--state is in-force, superseded or annulled") }
            query.state = parsed
        }
        query.since = since
        query.until = until
        query.register = register
        query.party = party
        query.limit = limit
        query.offset = offset
        return query
    }
}

func printResults(_ result: SearchResult, options: StoreOptions) throws {
    try options.output(result) {
        ([ "\(result.total) found"] + result.results.map { "\($0.id)  \($0.kind)  \($0.agency)  \($0.state)  \(DisplayText.escapingInvisibles($0.title))" })
            .joined(separator: "\n")
    }
}

struct StoreList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List documents, newest first.")
    @OptionGroup var options: StoreOptions
    @OptionGroup var filters: SearchFilters
    func run() async throws {
        try await reportingStoreErrors { try printResults(try options.open().search(try filters.query(text: nil)), options: options) }
    }
}

struct StoreSearch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "search", abstract: "Find documents by words (Arabic-aware) and filters, best first.",
        discussion: "Hamza forms, tashkeel, tatweel, ى/ي, ة/ه and Arabic-Indic digits are folded, and و ف ب ك ل and ال come off: احمد finds أحمد, اسكان finds والإسكان, ٢٠٢٦ finds 2026.")
    @OptionGroup var options: StoreOptions
    @OptionGroup var filters: SearchFilters
    @Argument(help: "Words that must all appear.") var query: String?
    func run() async throws {
        try await reportingStoreErrors { try printResults(try options.open().search(try filters.query(text: query)), options: options) }
    }
}

struct StoreState: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "state", abstract: "Withdraw or reinstate a document (recorded, never deleted).")
    @OptionGroup var options: StoreOptions
    @Option(name: .customLong("set"), help: "in-force, superseded or annulled.") var state: String
    @Option(help: "The document that supersedes it.") var by: String?
    @Option(help: "Why.") var reason: String
    @Argument(help: "The document id.") var document: String

    func run() async throws {
        try await reportingStoreErrors {
            guard let parsed = DocumentState(rawValue: state) else { throw ValidationError("--set is in-force, superseded or annulled") }
            try options.open().changeState(of: document, to: parsed, by: by, reason: reason, actor: options.who)
            struct Changed: Encodable { let id: String; let state: String }
            try options.output(Changed(id: document, state: parsed.rawValue)) { "\(document): \(parsed.rawValue)" }
        }
    }
}

struct StoreAudit: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Check, checkpoint and show the audit log.",
                                                    subcommands: [AuditVerify.self, AuditCheckpoint.self, AuditShow.self])

    struct AuditVerify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "verify",
            abstract: "Check every entry's chain and every checkpoint; exit 1 names the first bad entry.")
        @OptionGroup var options: StoreOptions
        @Option(help: "More trusted roots for checkpoint timestamps (repeatable).") var trust: [String] = []

        func run() async throws {
            var result: AuditVerification?
            try await reportingStoreErrors {
                let store = try options.open()
                // A --trust file that cannot be read is an error; no CA and no --trust leaves tokens unchecked.
                let verifier = trust.isEmpty && !FileIO.exists(options.data.directory + "/ca/root.pem")
                    ? nil : try options.verifier(trust: trust, offline: true)
                var checked = try await store.verifyAudit(verifier: verifier)
                if verifier == nil && checked.checkpoints > 0 {
                    checked.problems.append("the checkpoints' timestamps were not checked: no CA in the data directory and no --trust")
                    checked.ok = false
                }
                result = checked
                try options.output(checked) {
                    checked.ok
                        ? "audit log intact: \(checked.entries) entries, \(checked.checkpoints) checkpoints" + (checked.lastCheckpoint.map { ", last \($0)" } ?? "")
                        : (["audit log NOT intact (\(checked.entries) entries):"] + checked.problems.map { "  " + $0 }).joined(separator: "\n")
                }
            }
            if result?.ok == false { throw ExitCode(1) }
        }
    }

    struct AuditCheckpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "checkpoint",
            abstract: "Timestamp the log's size and head with the data directory's TSA (needs the CA passphrase).")
        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await reportingStoreErrors {
                let store = try options.open()
                let authority = try options.data.openAuthority()
                let passphrase = try options.data.caPassphrase()
                let tsa = try TimestampAuthority(identity: try authority.serviceIdentity(.tsa, passphrase: passphrase),
                                                 policyOID: authority.configuration.timestampPolicyOID,
                                                 accuracyMilliseconds: authority.configuration.timestampAccuracyMilliseconds,
                                                 register: authority.register)
                let checkpoint = try AuditLog.checkpoint(actor: options.who, writer: store.database.writer) { digest in
                    try tsa.respond(to: try TimestampClient.request(digest: digest, algorithm: .sha256))
                }
                struct Made: Encodable { let size: Int64; let head: String; let time: String }
                try options.output(Made(size: checkpoint.size, head: checkpoint.head, time: checkpoint.time)) {
                    "checkpoint: \(checkpoint.size) entries, head \(checkpoint.head), \(checkpoint.time)"
                }
            }
        }
    }

    struct AuditShow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Print entries (all, or about one object).")
        @OptionGroup var options: StoreOptions
        @Option(help: "Only entries about this document id or register number.") var object: String?
        @Option(help: "Only the last N entries.") var last: Int?

        func run() async throws {
            try await reportingStoreErrors {
                let store = try options.open()
                var entries = try await store.database.writer.read { [object] db in
                    try object.map { try AuditLog.entries(about: $0, in: db) } ?? AuditLog.entries(in: db)
                }
                if let last { entries = Array(entries.suffix(max(0, last))) }
                try options.output(entries) {
                    entries.map { "\($0.sequence)  \($0.time)  \($0.actor)  \($0.action)  \($0.object)  \(DisplayText.escapingInvisibles($0.details))" }
                        .joined(separator: "\n")
                }
            }
        }
    }
}

struct StoreCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check",
        abstract: "Check the database (integrity_check) and every blob against its hash; exit 82 if damaged.")
    @OptionGroup var options: StoreOptions

    func run() async throws {
        var damaged = false
        try await reportingStoreErrors {
            let condition = try options.open().check()
            damaged = !condition.ok
            try options.output(condition) {
                var lines = ["database: \(condition.integrity.joined(separator: "; ")); \(condition.blobsChecked) blobs checked"]
                lines += condition.damaged.map { "  damaged: \($0)" } + condition.missing.map { "  missing: \($0)" }
                if !condition.unreferenced.isEmpty { lines.append("  \(condition.unreferenced.count) unreferenced blobs (left by interrupted writes; never served)") }
                return lines.joined(separator: "\n")
            }
        }
        if damaged { throw ExitCode(82) }
    }
}

struct StoreExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export",
        abstract: "Write an archive package (BagIt in .tar, .tar.gz or .zip) that verifies offline.",
        discussion: """
            Give one of --document, --register FROM:TO or --since/--until. The package holds each
            version's bytes, its signatures and their reports, the metadata, the register items
            and the audit log up to the newest checkpoint, which must cover them (run
            `store audit checkpoint` first). The same content gives the same bytes.
            Check it anywhere with `signtool archive verify PACKAGE --trust ROOT.pem`, or
            unpacked with `bagit.py --validate bag` (bagit.py 1.8 does not decode %25 in
            manifest paths as RFC 8493 2.1.3 says: it refuses a file whose name holds %).
            """)
    @OptionGroup var options: StoreOptions
    @Option(help: "A document to export (repeatable).") var document: [String] = []
    @Option(help: ArgumentHelp("Register numbers FROM:TO (inclusive).", valueName: "from:to")) var register: String?
    @Option(help: "Documents created and items dated on or after this day.") var since: String?
    @Option(help: "... and on or before this one.") var until: String?
    @Option(help: "The package to write (.tar, .tar.gz, .tgz or .zip).") var out: String

    func validate() throws {
        let given = [!document.isEmpty, register != nil, since != nil || until != nil].filter { $0 }.count
        guard given == 1 else { throw ValidationError("give exactly one of --document, --register FROM:TO, or --since and --until") }
        if (since == nil) != (until == nil) { throw ValidationError("--since and --until go together") }
        if let register, !register.contains(":") { throw ValidationError("--register takes FROM:TO, such as MOCT/OUT/2026/000001:MOCT/OUT/2026/000100") }
    }

    func run() async throws {
        try await reportingStoreErrors {
            let scope: ExportScope
            if !document.isEmpty {
                scope = .documents(document)
            } else if let register, let colon = register.firstIndex(of: ":") {
                scope = .register(from: String(register[..<colon]), to: String(register[register.index(after: colon)...]))
            } else {
                scope = .dates(since: since!, until: until!)
            }
            let result = try await options.open().export(scope, to: out, actor: options.who)
            try options.output(result) {
                "\(out): \(result.documents) documents, \(result.versions) versions, \(result.registerEntries) register items, audit log to entry \(result.auditEntries)"
            }
        }
    }
}

struct StoreImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import",
        abstract: "Restore a package: verified first, then all of it or nothing; ids, hashes and numbers kept.",
        discussion: "Importing the same package again changes nothing. Traversal, absolute paths, links, devices and archive bombs are refused and the store is left as it was.")
    @OptionGroup var options: StoreOptions
    @Option(help: "More trusted roots (repeatable; the data directory's CA is trusted).") var trust: [String] = []
    @Argument(help: "The package.") var package: String

    func run() async throws {
        try await reportingStoreErrors {
            let result = try await options.open().importPackage(at: package, verifier: try options.verifier(trust: trust, offline: true),
                                                                actor: options.who)
            try options.output(result) {
                "\(package): \(result.documents) documents, \(result.versions) versions, \(result.signatures) signatures, \(result.registerEntries) register items imported; \(result.unchanged) already here"
            }
        }
    }
}

/// `signtool archive verify`: a package checked offline, with no database.
struct Archive: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check archive packages offline.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check every digest, every signature and the audit chain with its checkpoint.",
            discussion: """
                The package is a BagIt bag (RFC 8493) in one top directory of any name, as a .tar,
                .tar.gz or .zip. Every payload manifest (manifest-sha256.txt, -sha384, -sha512) and
                tag manifest must list what it should and match; MD5 and SHA-1 manifests are noted,
                not trusted. bagit.txt declares BagIt 1.0 (or 0.97, what bagit.py writes).
                Beyond BagIt: each version against its document.json, each signature, the audit
                chain and its signed checkpoint, and the documents and register held to that log.

                Exit 0: good; 1: something altered or missing (each named); 65: not a package, or
                one that must not be unpacked (traversal, links, devices, a bomb).
                """)
        @Option(help: "Trusted roots for the signatures and the checkpoint's TSA (repeatable).") var trust: [String] = []
        @Flag(help: "Print one JSON object.") var json = false
        @Argument(help: "The package (.tar, .tar.gz, .zip).") var package: String

        func run() async throws {
            var good = true
            try await reportingStoreErrors {
                let anchors = try trust.flatMap { try Certificate.loadAll(FileIO.read($0), source: $0) }
                let verifier = try SignatureVerifier(policy: VerificationPolicy(trustAnchors: anchors))
                let result = try await ArchiveVerifier.verify(package, verifier: verifier)
                good = result.ok
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                    print(String(decoding: try encoder.encode(result), as: UTF8.self))
                } else {
                    var lines = ["\(package): " + (result.ok ? "intact" : "NOT INTACT") + " (\(result.files) files, \(result.documents) documents, \(result.signatures.count) signatures, audit log of \(result.auditEntries) entries" + (result.checkpoint.map { ", checkpoint \($0)" } ?? "") + ")"]
                    lines += result.problems.map { "  altered: " + DisplayText.escapingInvisibles($0) }
                    lines += result.notes.map { "  note: " + DisplayText.escapingInvisibles($0) }
                    print(lines.joined(separator: "\n"))
                }
            }
            if !good { throw ExitCode(1) }
        }
    }
}
