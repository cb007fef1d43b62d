import DocStore
import Foundation
import Testing

/// `store ingest`: many writers in one process, group commit.
@Suite("store ingest: many documents at once, group commit")
struct IngestTests {
    /// A manifest line.
    static func line(_ fields: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]), as: UTF8.self)
    }

    @Test("300 files from a manifest: every printed line is stored byte for byte and found by search; bad lines are named, the rest stored, exit of the first failure")
    func manifest() throws {
        let s = try DocStoreTests.Setup(ca: false)
        var random = SeededGenerator("store ingest manifest")
        var lines: [String] = []
        var files: [Int: String] = [:]
        try FileManager.default.createDirectory(atPath: s.work.path("in/scans"), withIntermediateDirectories: true)
        for index in 0..<300 {
            let name = index % 3 == 0 ? "letter-\(index).txt" : "scan-\(index).pdf"
            let bytes: [UInt8] = index % 3 == 0
                ? Array("كتاب رقم \(index) إلى وزارة الإسكان\n".utf8)
                : (0..<Int.random(in: 0...20_000, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            try s.work.write("in/scans/" + name, bytes: bytes)
            files[lines.count + 1] = "in/scans/" + name
            var fields: [String: Any] = ["file": "scans/" + name, "title": "وثيقة \(index)"]
            if index % 5 == 0 { fields["meta"] = ["subject": "ميزانية \(index)"] }
            if index % 7 == 0 { fields["kind"] = "letter" }
            lines.append(try Self.line(fields))
        }
        lines.insert("", at: 10)                                                                    // line 11: blank, skipped
        lines.append(try Self.line(["file": "scans/not-there.pdf", "title": "مفقود"]))              // 302: missing file
        lines.append(try Self.line(["file": "scans/scan-1.pdf", "titel": "typo"]))                 // 303: unknown key
        lines.append("{\"file\": \"scans/scan-1.pdf\", \"title\": 12}")                            // 304: not a string
        lines.append("not json")                                                                    // 305
        lines.append(try Self.line(["file": "scans/scan-1.pdf", "title": "x", "kind": "no spaces allowed"]))  // 306
        try s.work.write("in/manifest.jsonl", lines.joined(separator: "\n") + "\n")

        let result = try s.run(["store", "ingest", "--agency", "MOCT", "--kind", "report", "--jobs", "16", "--json", "in/manifest.jsonl"])
        #expect(result.status == 66, "the first failure (line 302) is a missing file: \(result.stderr)")
        for number in [302, 303, 304, 305, 306] {
            #expect(result.stderr.contains("line \(number):"), "line \(number) is not named: \(result.stderr)")
        }
        #expect(result.stderr.contains("unknown key 'titel'"))
        #expect(result.stderr.contains("300 of 305 documents stored"), "\(result.stderr)")
        var stored: [Int: (id: String, sha256: String)] = [:]
        for text in result.stdout.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            let line = try #require(object["line"] as? Int)
            if let id = object["id"] as? String { stored[line] = (id, object["sha256"] as? String ?? "") }
        }
        #expect(stored.count == 300)
        #expect(stored[11] == nil, "a blank line is not a document")
        // A sample: exact bytes, the title and the defaults applied.
        for (line, item) in stored where line % 17 == 0 || line == 1 {
            let file = try #require(files[line > 11 ? line - 1 : line])
            #expect(try s.run(["store", "get", item.id, "--out", "back-\(line)"]).status == 0)
            #expect(try s.work.read("back-\(line)") == s.work.read(file), "line \(line)")
            let shown = try s.json(["store", "show", item.id])
            #expect(shown["agency"] as? String == "MOCT")
        }
        let search = try s.json(["store", "search", "والاسكان", "--limit", "1000"])
        #expect(search["total"] as? Int == 100, "every text letter is indexed: \(search["total"] ?? "none")")
        let check = try s.json(["store", "check"])
        #expect(check["integrity"] as? [String] == ["ok"])
        #expect((check["unreferenced"] as? [Any])?.isEmpty == true, "every blob written is referenced: \(check)")
        #expect(try s.run(["store", "audit", "verify"]).status == 0)
    }

    @Test("hostile manifest lines: over 1 MiB, not UTF-8, a NUL, a FIFO, /dev/zero: each named (the first one's exit), never held whole, never hung; the good lines around them stored")
    func hostileLines() throws {
        let s = try DocStoreTests.Setup(ca: false)
        try s.work.write("a.txt", "a\n")
        #expect(mkfifo(s.work.path("fifo"), 0o600) == 0)
        let good = try Self.line(["file": "a.txt", "title": "أ", "kind": "report", "agency": "MOCT"])
        var bytes = Array((good + "\n").utf8)
        bytes += [UInt8](repeating: 0x78, count: (1 << 20) + 10) + [0x0A]                       // 2: too long
        bytes += Array("{\"file\": \"a.txt\", \"title\": \"".utf8) + [0xFF, 0xFE] + Array("\"}\n".utf8)   // 3: not UTF-8
        bytes += Array("{\"file\": \"a.txt\u{0}.pdf\", \"title\": \"x\"}\n".utf8)                  // 4: a NUL byte
        bytes += Array((try Self.line(["file": "fifo", "title": "ف", "kind": "report", "agency": "MOCT"]) + "\n").utf8)    // 5
        bytes += Array((try Self.line(["file": "/dev/zero", "title": "ص", "kind": "report", "agency": "MOCT"]) + "\n").utf8) // 6
        bytes += Array((try Self.line(["file": "a.txt", "title": "x\u{0}y", "kind": "report", "agency": "MOCT"]) + "\n").utf8) // 7
        bytes += Array((good + "\r\n").utf8)                                                   // 8: CRLF is fine
        try s.work.write("m.jsonl", bytes: bytes)
        let result = try s.run(["store", "ingest", "m.jsonl"])
        #expect(result.status == 65, "the first failure (line 2) is malformed input: \(result.stderr)")
        for (line, words) in [(2, "longer than 1 MiB"), (3, "not UTF-8"), (4, "NUL"), (5, "not a regular file"), (6, "not a regular file"), (7, "control")] {
            #expect(result.stderr.contains("line \(line): ") && result.stderr.contains(words), "line \(line): \(result.stderr)")
        }
        #expect(result.stdout.contains("line 1: D") && result.stdout.contains("line 8: D"), "\(result.stdout)")
        #expect(result.stderr.contains("2 of 8 documents stored"), "\(result.stderr)")
        #expect(try s.run(["store", "ingest", "missing.jsonl"]).status == 66)
        try s.work.write("empty.jsonl", "\n\n")
        #expect(try s.run(["store", "ingest", "empty.jsonl"]).status == 81)
        #expect(try s.run(["store", "ingest", "--jobs", "0", "m.jsonl"]).status == 64)
    }

    @Test("kill -9 during ingest, 12 times: every line printed before the kill is there byte for byte; integrity ok; the log verifies")
    func killedIngest() throws {
        let s = try DocStoreTests.Setup(ca: false)
        var random = SeededGenerator("kill -9 during store ingest")
        var acknowledged: [(id: String, file: String)] = []
        for round in 0..<12 {
            var lines: [String] = []
            for index in 0..<150 {
                let name = "r\(round)-\(index).bin"
                let bytes = (0..<Int.random(in: 1...60_000, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                try s.work.write(name, bytes: bytes)
                lines.append(try Self.line(["file": name, "title": "وثيقة \(round) \(index)"]))
            }
            try s.work.write("m\(round).jsonl", lines.joined(separator: "\n"))
            let (printed, _) = try Shell.signtoolKilled(
                ["store", "ingest", "--json", "--agency", "MOCT", "--kind", "report", s.work.path("m\(round).jsonl")],
                in: s.work.url, environment: s.environment, after: Double.random(in: 0.02...0.4, using: &random))
            for text in printed.split(separator: "\n") {
                // A line cut by the kill is not an acknowledgement.
                guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                      let id = object["id"] as? String, let line = object["line"] as? Int else { continue }
                acknowledged.append((id, "r\(round)-\(line - 1).bin"))
            }
        }
        print("kill -9 during ingest: \(acknowledged.count) of 1800 documents acknowledged before their kill")
        #expect(!acknowledged.isEmpty)
        for (index, item) in acknowledged.enumerated() where index % 7 == 0 {
            #expect(try s.run(["store", "get", item.id, "--out", "back-\(index)"]).status == 0, "\(item.id)")
            #expect(try s.work.read("back-\(index)") == s.work.read(item.file), "\(item.id) is not byte-exact")
        }
        let listed = try s.json(["store", "list", "--limit", "1000"])
        #expect((listed["total"] as? Int ?? 0) >= acknowledged.count)
        let check = try s.json(["store", "check"])
        #expect(check["integrity"] as? [String] == ["ok"], "\(check)")
        #expect((check["damaged"] as? [Any])?.isEmpty == true && (check["missing"] as? [Any])?.isEmpty == true, "\(check)")
        #expect(try s.run(["store", "audit", "verify"]).status == 0)
    }

    @Test("the one-pass index writer gives exactly the words and stems of words(in:) and stem(_:)")
    func indexTermsAgree() {
        var random = SeededGenerator("index terms")
        let pieces = ["وال", "بال", "لل", "ال", "و", "ف", "ب", "ك", "ل", "إ", "أ", "ة", "ى", "ـ", "\u{064E}", "كتاب", "اسكان",
                      "٢", "۳", "A", "b", "Z", "9", " ", ".", "\n", "é", "ß", "ﷲ", "😀", "中", "\u{200D}", "Ⓐ", "ǅ"]
        for _ in 0..<2000 {
            let text = (0..<Int.random(in: 0...12, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
            let expected = ArabicText.words(in: text).flatMap { word -> [String] in
                let stemmed = ArabicText.stem(word)
                return stemmed == word ? [word] : [word, stemmed]
            }.joined(separator: " ")
            #expect(ArabicText.indexTerms(text) == expected, "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }
}
