import ArgumentParser
import DocStore
import Foundation
import SignService

struct StoreIngest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest", abstract: "Store many files, each as a new document, with many writers at once.",
        discussion: """
        MANIFEST has one document per line, a JSON object (JSON Lines; - reads standard input):
          {"file": "scans/12.pdf", "title": "قرار رقم 12", "kind": "decision", "meta": {"subject": "budget"}}
        Keys: file and title (required); kind, agency, classification (default: the options); \
        meta (an object of strings); note; name (the file name kept, default the file's own). \
        A relative file is read from the manifest's directory. Unknown keys are refused.

        Up to --jobs files are streamed in at once. Their bytes and rows reach the disk together: \
        one file-system flush and one commit per batch (group commit). A line is printed only \
        once its document is on disk, so after a crash the lines printed are the ones stored.

        A line that fails (a missing file, a bad title) is reported on standard error with its \
        number, and the other lines go on. The exit status is then that of the first failure \
        (see `signtool store --help`); fix those lines and ingest them alone.

        Example: signtool store ingest --agency MOCT --kind letter --jobs 32 scans.jsonl
        """)
    @OptionGroup var options: StoreOptions
    @Option(help: "Kind for lines that give none.") var kind: String?
    @Option(help: "Agency code for lines that give none.") var agency: String?
    @Option(help: "Classification for lines that give none.") var classification = "unclassified"
    @Option(help: "Files written at once (1 to 256).") var jobs = 32
    @Argument(help: "The manifest (JSON Lines), or - for standard input.") var manifest: String

    func validate() throws {
        guard (1...256).contains(jobs) else { throw ValidationError("--jobs is 1 to 256") }
    }

    /// What one line gives.
    struct Outcome: Sendable {
        var line: Int
        var result: Result<DocumentVersion, SignServiceError>
    }

    func run() async throws {
        try await reportingStoreErrors {
            let reader = try ManifestReader(path: manifest)
            let ingest = GroupCommitIngest(store: try options.open())
            let defaults = (kind: kind, agency: agency, classification: classification)
            let who = options.who
            var stored = 0
            var failures: [(line: Int, status: Int32)] = []
            var readError: (any Error)?
            await withTaskGroup(of: Outcome.self) { group in
                var running = 0
                func report(_ outcome: Outcome) {
                    switch outcome.result {
                    case .success(let version):
                        stored += 1
                        printLine(outcome.line, version)
                    case .failure(let error):
                        failures.append((outcome.line, storeExitCode(for: error)))
                        printError("\(manifest) line \(outcome.line): \(error.reason)")
                        if options.json { printJSON(Failed(line: outcome.line, error: error.reason, exit: storeExitCode(for: error))) }
                    }
                }
                while true {
                    let line: (Int, String)?
                    do { line = try reader.next() } catch {
                        // What is in flight is finished and reported before the error.
                        readError = error
                        break
                    }
                    guard let (number, text) = line else { break }
                    if running == jobs, let outcome = await group.next() {
                        running -= 1
                        report(outcome)
                    }
                    let directory = reader.directory
                    group.addTask {
                        do {
                            let entry = try ManifestEntry(parsing: text, defaults: defaults)
                            let path = entry.file.hasPrefix("/") ? entry.file : directory + "/" + entry.file
                            let version = try await ingest.add(entry.document, fileAt: path, name: entry.name, actor: who)
                            return Outcome(line: number, result: .success(version))
                        } catch let error as SignServiceError {
                            return Outcome(line: number, result: .failure(error))
                        } catch {
                            return Outcome(line: number, result: .failure(SignServiceError(code: .ioFailure, reason: "\(error)")))
                        }
                    }
                    running += 1
                }
                while let outcome = await group.next() { report(outcome) }
            }
            if let readError { throw readError }
            if reader.lines == 0 { throw invalidEntry("\(manifest) lists no documents") }
            if let first = failures.min(by: { $0.line < $1.line }) {
                printError("\(manifest): \(stored) of \(stored + failures.count) documents stored; \(failures.count) lines failed (first: line \(first.line))")
                throw ExitCode(first.status)
            }
        }
    }

    struct Stored: Encodable { let line: Int; let id: String; let version: Int; let sha256: String }
    struct Failed: Encodable { let line: Int; let error: String; let exit: Int32 }

    private func printLine(_ line: Int, _ version: DocumentVersion) {
        if options.json {
            printJSON(Stored(line: line, id: version.document, version: version.version, sha256: version.sha256))
        } else {
            print("line \(line): \(version.document) version \(version.version) sha256 \(version.sha256)")
        }
    }

    private func printJSON<T: Encodable>(_ value: T) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if let data = try? encoder.encode(value) { print(String(decoding: data, as: UTF8.self)) }
    }
}

/// The store's refusal of a manifest line (exit 81).
private func invalidEntry(_ reason: String) -> SignServiceError { SignServiceError(code: .invalidRequest, reason: reason) }

/// One line of an ingest manifest.
struct ManifestEntry: Sendable {
    var file: String
    var name: String?
    var document: DocumentStore.NewDocument

    static let keys: Set<String> = ["file", "title", "kind", "agency", "classification", "meta", "note", "name"]

    init(parsing text: String, defaults: (kind: String?, agency: String?, classification: String)) throws {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            throw invalidEntry("not a JSON object")
        }
        if let unknown = object.keys.filter({ !Self.keys.contains($0) }).sorted().first {
            throw invalidEntry("unknown key '\(DisplayText.printable(unknown, limit: 40))' (keys: \(Self.keys.sorted().joined(separator: ", ")))")
        }
        func string(_ key: String) throws -> String? {
            guard let value = object[key] else { return nil }
            guard let text = value as? String else { throw invalidEntry("\(key) is not a string") }
            return text
        }
        guard let file = try string("file"), !file.isEmpty else { throw invalidEntry("no file") }
        guard let title = try string("title") else { throw invalidEntry("no title") }
        guard let kind = try string("kind") ?? defaults.kind else { throw invalidEntry("no kind (give one, or --kind)") }
        guard let agency = try string("agency") ?? defaults.agency else { throw invalidEntry("no agency (give one, or --agency)") }
        var document = DocumentStore.NewDocument(title: title, kind: kind, agency: agency)
        document.classification = try string("classification") ?? defaults.classification
        document.note = try string("note") ?? ""
        if let meta = object["meta"] {
            guard let pairs = meta as? [String: Any] else { throw invalidEntry("meta is not an object") }
            for (key, value) in pairs {
                guard let text = value as? String else { throw invalidEntry("meta.\(DisplayText.printable(key, limit: 40)) is not a string") }
                document.metadata[key] = text
            }
        }
        self.file = file
        self.name = try string("name")
        self.document = document
    }
}

/// Reads a manifest a line at a time (at most 1 MiB a line); blank lines are skipped.
final class ManifestReader {
    private let file: UnsafeMutablePointer<FILE>
    private let path: String
    /// Where relative file names are read from.
    let directory: String
    private(set) var lines = 0
    private var number = 0
    static let maximumLine = 1 << 20

    init(path: String) throws {
        self.path = path
        if path == "-" {
            guard let input = fdopen(dup(STDIN_FILENO), "r") else { throw SignServiceError(code: .ioFailure, reason: "cannot read standard input") }
            file = input
            directory = FileManager.default.currentDirectoryPath
        } else {
            guard FileIO.exists(path) else { throw SignServiceError(code: .fileNotFound, reason: "\(path): no such file") }
            guard let opened = fopen(path, "re") else { throw SignServiceError.io("\(path): \(FileIO.errnoText())") }
            file = opened
            let parent = FileIO.splitPath(path).directory
            let here = FileManager.default.currentDirectoryPath
            directory = parent.hasPrefix("/") ? parent : parent == "." ? here : here + "/" + parent
        }
    }

    deinit { fclose(file) }

    /// The next non-blank line and its number, or nil at the end.
    func next() throws -> (Int, String)? {
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        while true {
            let count = getline(&buffer, &capacity, file)
            if count < 0 {
                if ferror(file) != 0 { throw SignServiceError.io("\(path): cannot read: \(FileIO.errnoText())") }
                return nil
            }
            number += 1
            guard count <= Self.maximumLine else {
                throw SignServiceError(code: .malformedInput, reason: "\(path) line \(number) is longer than 1 MiB; nothing after it was read")
            }
            let bytes = UnsafeRawBufferPointer(start: buffer, count: count)
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw SignServiceError(code: .malformedInput, reason: "\(path) line \(number) is not UTF-8; nothing after it was read")
            }
            if text.allSatisfy(\.isWhitespace) { continue }
            lines += 1
            return (number, text)
        }
    }
}
