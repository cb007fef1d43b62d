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
                    let line: (number: Int, text: Result<String, SignServiceError>)?
                    do { line = try reader.next() } catch {
                        // What is in flight is finished and reported before the error.
                        readError = error
                        break
                    }
                    guard let line else { break }
                    let number = line.number
                    let text: String
                    switch line.text {
                    case .failure(let error): report(Outcome(line: number, result: .failure(error))); continue
                    case .success(let value): text = value
                    }
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

    /// Each line is flushed as it is printed: what was printed before a crash is what is stored.
    private func printLine(_ line: Int, _ version: DocumentVersion) {
        if options.json {
            printJSON(Stored(line: line, id: version.document, version: version.version, sha256: version.sha256))
        } else {
            print("line \(line): \(version.document) version \(version.version) sha256 \(version.sha256)")
            fflush(nil)
        }
    }

    private func printJSON<T: Encodable>(_ value: T) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if let data = try? encoder.encode(value) { print(String(decoding: data, as: UTF8.self)) }
        fflush(nil)
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
        guard !file.contains("\0") else { throw invalidEntry("the file name holds a NUL character") }
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

/// Reads a manifest a line at a time through a fixed buffer: a line longer than 1 MiB is
/// skipped (reported, never held), so no input can make it use more memory than that.
/// Blank lines are skipped; a line that is not UTF-8 or holds a NUL byte is reported.
final class ManifestReader {
    private let fd: Int32
    private let path: String
    /// Where relative file names are read from.
    let directory: String
    /// Non-blank lines read so far.
    private(set) var lines = 0
    private var number = 0
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private var start = 0, end = 0
    private var finished = false
    static let maximumLine = 1 << 20

    init(path: String) throws {
        self.path = path
        let here = FileManager.default.currentDirectoryPath
        if path == "-" {
            fd = dup(STDIN_FILENO)
            directory = here
        } else {
            guard FileIO.exists(path) else { throw SignServiceError(code: .fileNotFound, reason: "\(path): no such file") }
            fd = open(path, O_RDONLY | O_CLOEXEC)
            let parent = FileIO.splitPath(path).directory
            directory = parent.hasPrefix("/") ? parent : parent == "." ? here : here + "/" + parent
        }
        guard fd >= 0 else { throw SignServiceError(code: .ioFailure, reason: "\(path): \(FileIO.errnoText())") }
    }

    deinit { close(fd) }

    /// The next non-blank line, its number and its text (or why it cannot be read); nil at the end.
    func next() throws -> (number: Int, text: Result<String, SignServiceError>)? {
        while true {
            var line: [UInt8] = []
            var tooLong = false
            var any = false
            while true {
                if start == end {
                    if finished { break }
                    try fill()
                    if start == end { break }
                }
                any = true
                let newline = buffer[start..<end].firstIndex(of: 0x0A)
                let stop = newline ?? end
                if !tooLong {
                    line.append(contentsOf: buffer[start..<stop])
                    if line.count > Self.maximumLine { tooLong = true; line = [] }
                }
                start = newline.map { $0 + 1 } ?? end
                if newline != nil { break }
            }
            guard any else { return nil }
            number += 1
            if tooLong {
                lines += 1
                return (number, .failure(SignServiceError(code: .malformedInput, reason: "longer than 1 MiB (skipped)")))
            }
            if line.last == 0x0D { line.removeLast() }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            lines += 1
            if line.contains(0) { return (number, .failure(SignServiceError(code: .malformedInput, reason: "holds a NUL byte"))) }
            guard let text = String(validating: line, as: UTF8.self) else {
                return (number, .failure(SignServiceError(code: .malformedInput, reason: "not UTF-8")))
            }
            return (number, .success(text))
        }
    }

    private func fill() throws {
        start = 0
        end = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw SignServiceError(code: .ioFailure, reason: "\(path): cannot read: \(FileIO.errnoText())") }
            if n == 0 { finished = true }
            end = n
            return
        }
    }
}
