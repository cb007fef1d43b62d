import DocStore
import Foundation

// The document store at scale, for scripts/benchmark-store.sh (not a test):
//
//   store-benchmark fill DATA-DIR VERSIONS   a bulk load through the store's own prepare and
//                                            batch-commit calls: VERSIONS/4 documents of 4
//                                            versions each, a register item for each document
//   store-benchmark query DATA-DIR [RUNS]    lookups by id and by register number, and Arabic
//                                            full-text queries, through DocumentStore's normal
//                                            calls; prints p50/p95/p99 in milliseconds
//
// Titles, notes and texts are drawn from a seeded vocabulary of 4,000 Arabic words, so a
// query word matches a realistic share of the documents. Version bytes come from a pool of
// 2,000 small text files: identical bytes are stored once, as the store always does.

struct Generator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let letters = Array("ابتثجحخدذرزسشصضطظعغفقكلمنهوي").map(String.init)
var random = Generator(state: 2026)
let vocabulary: [String] = (0..<4000).map { _ in
    (0..<Int.random(in: 3...6, using: &random)).map { _ in letters.randomElement(using: &random)! }.joined()
} + ["وزارة", "الإسكان", "والإسكان", "قرار", "كِتَابٌ", "أحمد", "اجتماع", "٢٠٢٦"]

@MainActor func words(_ count: Int) -> String {
    (0..<count).map { _ in
        // Zipf-like: a few words are common, most are rare.
        let index = Int(Double(vocabulary.count) * pow(Double.random(in: 0..<1, using: &random), 3))
        return vocabulary[min(index, vocabulary.count - 1)]
    }.joined(separator: " ")
}

/// Results written by concurrent workers, one slot each.
final class Slots: @unchecked Sendable {
    typealias Value = Result<(DocumentStore.PreparedDocument, [(version: DocumentVersion, searchText: String)]), any Error>
    private let lock = NSLock()
    private(set) var values: [Value?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: Value) { lock.lock(); values[index] = value; lock.unlock() }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("store-benchmark: \(message)\n".utf8))
    exit(64)
}

func percentile(_ sorted: [Double], _ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }

@MainActor func fill(_ directory: String, versions: Int) throws {
    let store = try DocumentStore(dataDirectory: directory)
    let pool = directory + "/pool"
    try? FileManager.default.createDirectory(atPath: pool, withIntermediateDirectories: true)
    for index in 0..<2000 {
        let path = "\(pool)/text-\(index).txt"
        if !FileManager.default.fileExists(atPath: path) { try Data((words(60) + "\n").utf8).write(to: URL(fileURLWithPath: path)) }
    }
    let documents = max(1, versions / 4)
    let batch = 2000
    let started = Date()
    var made = 0
    let format = try store.database.registerFormat()
    defer {
        // A bulk load ends as a migration would: the full-text index merged into one segment.
        let merging = Date()
        try? store.database.writer.write { db in try db.execute(sql: "INSERT INTO search (search) VALUES ('optimize')") }
        print(String(format: "fill: search index merged in %.0f s", Date().timeIntervalSince(merging)))
    }
    while made < documents {
        let count = min(batch, documents - made)
        let batchStart = Date()
        var news: [(DocumentStore.NewDocument, String)] = []
        for _ in 0..<count {
            var new = DocumentStore.NewDocument(title: words(5), kind: ["decision", "letter", "circular", "report"].randomElement(using: &random)!,
                                                agency: ["MOCT", "MOH", "MOE", "MOF"].randomElement(using: &random)!)
            new.note = words(4)
            new.metadata = ["subject": words(2)]
            news.append((new, "\(pool)/text-\(Int.random(in: 0..<2000, using: &random)).txt"))
        }
        // The files are streamed in on every core, as `store ingest` does; the rows are committed in order.
        let versionFiles = news.map { _ in (0..<3).map { _ in "\(pool)/text-\(Int.random(in: 0..<2000, using: &random)).txt" } }
        let notes = news.map { _ in (0..<3).map { _ in words(3) } }
        let slots = Slots(count: news.count)
        let input = news
        DispatchQueue.concurrentPerform(iterations: input.count) { index in
            slots.set(index, Result {
                let document = try store.prepare(input[index].0, fileAt: input[index].1, actor: "bulk loader", flush: false)
                let versions = try (0..<3).map { k in
                    try store.prepareVersion(to: document.document.id, fileAt: versionFiles[index][k], note: notes[index][k],
                                             actor: "bulk loader", flush: false)
                }
                return (document, versions)
            })
        }
        let results = try slots.values.map { try $0!.get() }
        let prepared = results.map(\.0)
        let later = results.flatMap(\.1)
        var items: [RegisterEntry] = []
        for item in prepared {
            var new = DocumentStore.NewRegisterEntry(agency: item.document.agency, direction: Bool.random(using: &random) ? .outgoing : .incoming,
                                                     subject: item.document.title, from: words(2), to: words(2))
            new.documents = [item.document.id]
            new.date = String(format: "%04d-%02d-%02d", Int.random(in: 2020...2026, using: &random), Int.random(in: 1...12, using: &random),
                              Int.random(in: 1...28, using: &random))
            items.append(try store.prepareRegister(new, actor: "bulk loader"))
        }
        let committing = Date()
        try store.blobs.flushAll()
        try store.database.createDocuments(prepared)
        let t1 = Date()
        _ = try store.database.addVersions(later)
        let t2 = Date()
        _ = try store.database.register(items, format: format)
        if ProcessInfo.processInfo.environment["STORE_BENCHMARK_PHASES"] != nil {
            print(String(format: "phases: prepare %.2f s, documents %.2f s, versions %.2f s, register %.2f s", committing.timeIntervalSince(batchStart),
                         t1.timeIntervalSince(committing), t2.timeIntervalSince(t1), Date().timeIntervalSince(t2)))
        }
        made += count
        if made % 20_000 == 0 || made == documents {
            let seconds = Date().timeIntervalSince(started)
            print("fill: \(made) documents, \(made * 4) versions, \(Int(Double(made * 4) / seconds)) versions/s")
            fflush(nil)
        }
    }
}

@MainActor func query(_ directory: String, runs: Int) throws {
    let store = try DocumentStore(dataDirectory: directory)
    let ids: [String] = try store.database.writer.read { db in
        try String.fetchAll(db, sql: "SELECT id FROM document ORDER BY random() LIMIT ?", arguments: [runs])
    }
    let numbers: [String] = try store.database.writer.read { db in
        try String.fetchAll(db, sql: "SELECT number FROM register_entry ORDER BY random() LIMIT ?", arguments: [runs])
    }
    let (documents, versions): (Int, Int) = try store.database.writer.read { db in
        (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM document") ?? 0, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM version") ?? 0)
    }
    guard !ids.isEmpty, !numbers.isEmpty else { fail("\(directory) holds no documents: run fill first") }
    func time(_ label: String, _ count: Int, _ body: (Int) throws -> Void) rethrows {
        var samples: [Double] = []
        for index in 0..<count {
            let start = DispatchTime.now().uptimeNanoseconds
            try body(index)
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        samples.sort()
        print(String(format: "%@: p50 %.3f ms, p95 %.3f ms, p99 %.3f ms (%d runs)", label, percentile(samples, 0.5),
                     percentile(samples, 0.95), percentile(samples, 0.99), count))
    }
    print("query: \(documents) documents, \(versions) versions")
    try time("lookup by id (store show: document, versions, signatures, register, history)", ids.count) { index in
        let record = try store.record(ids[index])
        precondition(record.versions.count >= 1)
    }
    try time("lookup by register number", numbers.count) { index in
        let entry = try store.registerEntry(numbers[index])
        precondition(entry.number == numbers[index])
    }
    // Arabic queries as people type them: common and rare words, with and without the article
    // and the conjunction, hamza and tashkeel, two words together; the first page, ranked.
    let typed = ["والإسكان", "الاسكان", "اسكان", "كتاب", "احمد", "قرار اجتماع", "2026"]
        + (0..<93).map { index in vocabulary[Int(Double(vocabulary.count - 8) * pow(Double(index) / 93, 2))] }
    var totals: [Int] = []
    try time("Arabic full-text query, first 20 ranked, with the total", max(runs, typed.count)) { index in
        var query = SearchQuery()
        query.text = typed[index % typed.count]
        let result = try store.search(query)
        if index < typed.count { totals.append(result.total) }
    }
    totals.sort()
    print("query: matches per query: median \(totals[totals.count / 2]), largest \(totals.last ?? 0) of \(documents) documents")
}


let arguments = CommandLine.arguments
guard arguments.count >= 3 else { fail("usage: store-benchmark fill DATA-DIR VERSIONS | query DATA-DIR [RUNS]") }
do {
    switch arguments[1] {
    case "fill":
        guard arguments.count == 4, let versions = Int(arguments[3]), versions > 0 else { fail("usage: store-benchmark fill DATA-DIR VERSIONS") }
        try fill(arguments[2], versions: versions)
    case "query":
        try query(arguments[2], runs: arguments.count > 3 ? Int(arguments[3]) ?? 1000 : 1000)
    default:
        fail("usage: store-benchmark fill DATA-DIR VERSIONS | query DATA-DIR [RUNS]")
    }
} catch {
    FileHandle.standardError.write(Data("store-benchmark: \(error)\n".utf8))
    exit(1)
}
