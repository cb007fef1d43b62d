import AuditLog
import DocStore
import Foundation
import Synchronization
import Testing

/// The document store through `signtool store`, with a CA in the same data directory.
@Suite("document store: versions, register, Arabic search, audit log")
struct DocStoreTests {
    /// A data directory with a CA (passphrase in the environment) and a scratch directory.
    struct Setup: @unchecked Sendable {
        let work: ScratchDirectory
        let environment: [String: String]
        init(ca: Bool = true) throws {
            work = try ScratchDirectory()
            environment = ["SIGNTOOL_DATA": work.path("data"), "SIGNTOOL_CA_PASSPHRASE": "store test passphrase",
                           "SIGNTOOL_ACTOR": "registry clerk"]
            if ca {
                let made = try run(["ca", "init", "--subject", "C=SY, O=وزارة الاتصالات, CN=Store Test CA"])
                guard made.status == 0 else { throw TestFailure("ca init: \(made.stderr)") }
            }
        }
        func run(_ arguments: [String]) throws -> CommandResult {
            try Shell.signtool(arguments, in: work.url, environment: environment)
        }
        func json(_ arguments: [String]) throws -> [String: Any] {
            let result = try run(arguments + ["--json"])
            guard result.status == 0, let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
                throw TestFailure("\(arguments): \(result.status) \(result.stdout) \(result.stderr)")
            }
            return object
        }
        func sqlite(_ sql: String) throws {
            let result = try Shell.run("sqlite3", [work.path("data/store/store.sqlite"), sql], in: work.url)
            guard result.status == 0 else { throw TestFailure("sqlite3: \(result.stderr)") }
        }
    }

    @Test("Arabic normalisation: hamza, tashkeel, tatweel, ى/ي, ة/ه, digits, and the prefixes و ف ب ك ل ال")
    func normalisation() {
        #expect(ArabicText.normalized("أحمد") == "احمد")
        #expect(ArabicText.normalized("كِتَابٌ") == "كتاب")
        #expect(ArabicText.normalized("مـــدرســة") == "مدرسه")
        #expect(ArabicText.normalized("مستشفى") == "مستشفي")
        #expect(ArabicText.normalized("علی کتاب") == ArabicText.normalized("علي كتاب"), "Persian keyboards type ی and ک")
        #expect(ArabicText.normalized("٢٠٢٦ و۱۲") == "2026 و12")
        #expect(ArabicText.stem("والاسكان") == "اسكان")
        #expect(ArabicText.stem("الاسكان") == "اسكان")
        #expect(ArabicText.stem("للطلاب") == "طلاب")
        #expect(ArabicText.stem("وزير") == "زير")
        #expect(ArabicText.stem("بل") == "بل", "two letters stay")
        #expect(ArabicText.matchQuery("\" OR x NEAR(") == "\"or\" AND \"x\" AND \"near\"", "no FTS5 syntax gets through")
    }

    @Test("audit times are written like ISO8601DateFormatter writes them (UTC, milliseconds), for a thousand seeded instants")
    func auditTimeFormat() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        var random = SeededGenerator("audit time format")
        for _ in 0..<1000 {
            let milliseconds = Double(Int64.random(in: 946_684_800_000...4_102_444_800_000, using: &random))
            let date = Date(timeIntervalSince1970: milliseconds / 1000)
            #expect(AuditEntry.format(date) == formatter.string(from: date), "\(milliseconds)")
        }
    }

    @Test("audit details are the JSON JSONEncoder writes with sorted keys: quotes, controls, Arabic, slashes")
    func auditDetailsCanonical() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let samples: [[String: String]] = [
            ["b": "2", "a": "1", "Z": "upper"], ["title": "قرار \"عاجل\"\\ ١٢/٢٠٢٦", "path": "a/b"],
            ["controls": "line\nbreak\ttab\r\u{01}\u{1F}\u{08}\u{0C}", "é": "accent", "e": "plain"], ["": "empty key"],
        ]
        for details in samples {
            #expect(AuditEntry.canonical(details) == String(decoding: try encoder.encode(details), as: UTF8.self), "\(details)")
        }
    }

    @Test("add, version, get: exact bytes, identical bytes stored once, Arabic file names kept; a damaged blob is never served")
    func versions() throws {
        let s = try Setup(ca: false)
        try s.work.write("قرار.txt", "القرار رقم ١٢\n")
        let added = try s.json(["store", "add", "--title", "قرار رقم 12", "--kind", "decision", "--agency", "MOCT", "--meta", "subject=الميزانية", "قرار.txt"])
        let id = try #require(added["id"] as? String)
        #expect(added["version"] as? Int == 1)
        try s.work.write("v2.txt", "القرار رقم ١٢ معدل\n")
        let second = try s.json(["store", "version", id, "v2.txt", "--note", "تصحيح"])
        #expect(second["version"] as? Int == 2)
        let same = try s.json(["store", "version", id, "قرار.txt"])
        #expect(same["sha256"] as? String == added["sha256"] as? String)
        #expect(try s.run(["store", "get", id, "--version", "1", "--out", "one.txt"]).status == 0)
        #expect(try s.work.read("one.txt") == s.work.read("قرار.txt"))
        let shown = try s.json(["store", "show", id])
        let versions = try #require(shown["versions"] as? [[String: Any]])
        #expect(versions.map { $0["name"] as? String } == ["قرار.txt", "v2.txt", "قرار.txt"])
        #expect(try s.run(["store", "get", id, "--version", "9", "--out", "x"]).status == 80)
        #expect(try s.run(["store", "show", "D0000000000000000"]).status == 80)
        // Damage the blob behind the store's back: get refuses and writes nothing; check says so.
        let sha = try #require(added["sha256"] as? String)
        let blob = s.work.path("data/store/blobs/sha256/\(sha.prefix(2))/\(sha.dropFirst(2).prefix(2))/\(sha)")
        #expect(chmod(blob, 0o600) == 0)
        try Data("tampered\n".utf8).write(to: URL(fileURLWithPath: blob))
        let damaged = try s.run(["store", "get", id, "--version", "1", "--out", "bad.txt"])
        #expect(damaged.status == 82 && damaged.stderr.contains("damaged"), "\(damaged.stderr)")
        #expect(!s.work.exists("bad.txt"))
        #expect(try s.run(["store", "check"]).status == 82)
    }

    @Test("Arabic search finds every spelling the issue names; filters and pagination; nothing from FTS syntax")
    func search() throws {
        let s = try Setup(ca: false)
        try s.work.write("a.txt", "اجتماع لجنة والإسكان برئاسة أحمد عن خطة ٢٠٢٦\n")
        try s.work.write("b.bin", "binary")
        let a = try s.json(["store", "add", "--title", "كِتَابٌ إلى الوزارة", "--kind", "letter", "--agency", "MOCT", "a.txt"])
        _ = try s.json(["store", "add", "--title", "تقرير سنوي", "--kind", "report", "--agency", "MOH", "b.bin"])
        for query in ["احمد", "كتاب", "الاسكان", "اسكان", "2026", "٢٠٢٦", "أحمد 2026"] {
            let found = try s.json(["store", "search", query])
            #expect(found["total"] as? Int == 1, "\(query): \(found)")
            #expect((found["results"] as? [[String: Any]])?.first?["id"] as? String == a["id"] as? String, "\(query)")
        }
        #expect(try s.json(["store", "search", "غائب"])["total"] as? Int == 0)
        #expect(try s.json(["store", "search", "\"x\" OR NEAR("])["total"] as? Int == 0)
        #expect(try s.json(["store", "list", "--kind", "report"])["total"] as? Int == 1)
        #expect(try s.json(["store", "list", "--agency", "MOCT"])["total"] as? Int == 1)
        let page = try s.json(["store", "list", "--limit", "1", "--offset", "1"])
        #expect(page["total"] as? Int == 2 && (page["results"] as? [Any])?.count == 1)
    }

    @Test("register numbers: four processes at once get 1...N with no gap and no duplicate; --answers must exist")
    func registerUnderConcurrency() throws {
        let s = try Setup(ca: false)
        #expect(try s.run(["store", "init"]).status == 0)
        let perProcess = 15
        let results = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for item in 0..<perProcess {
                if let out = try? s.run(["store", "register", "--agency", "MOCT", "--direction", "out", "--subject", "كتاب \(worker)-\(item)",
                                          "--from", "الوزارة", "--to", "جهة \(worker)", "--date", "2026-12-02"]), out.status == 0 {
                    results.withLock { $0.append(out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) }
                }
            }
        }
        let numbers = results.withLock { $0 }
        #expect(numbers.count == 4 * perProcess)
        #expect(Set(numbers).count == numbers.count)
        #expect(Set(numbers) == Set((1...(4 * perProcess)).map { String(format: "MOCT/OUT/2026/%06d", $0) }))
        let answer = try s.run(["store", "register", "--agency", "MOCT", "--direction", "in", "--subject", "رد", "--from", "جهة",
                                "--to", "الوزارة", "--answers", "MOCT/OUT/2026/000001", "--date", "2026-12-03"])
        #expect(answer.stdout.contains("MOCT/IN/2026/000001"), "\(answer.stderr)")
        #expect(try s.run(["store", "register", "--agency", "MOCT", "--direction", "in", "--subject", "رد", "--from", "x",
                           "--to", "y", "--answers", "MOCT/OUT/2026/999999"]).status == 80)
        #expect(try s.run(["store", "init", "--register-format", "{agency}-{seq:4}"]).status == 81)
    }

    @Test("audit log: an entry changed, removed or inserted with sqlite3 is named; the newest removed is caught by the checkpoint")
    func auditTampering() throws {
        let s = try Setup()
        try s.work.write("d.txt", "decision\n")
        let id = try #require(try s.json(["store", "add", "--title", "قرار", "--kind", "decision", "--agency", "MOCT", "d.txt"])["id"] as? String)
        for n in 0..<3 { _ = try s.json(["store", "version", id, "d.txt", "--note", "n\(n)"]) }
        #expect(try s.run(["store", "state", id, "--set", "annulled", "--reason", "خطأ"]).status == 0)
        #expect(try s.run(["store", "audit", "checkpoint"]).status == 0)
        let intact = try s.run(["store", "audit", "verify"])
        #expect(intact.status == 0, "\(intact.stdout)\(intact.stderr)")
        // Changed.
        try s.sqlite("UPDATE audit_entry SET actor = 'mallory' WHERE sequence = 3")
        var verdict = try s.run(["store", "audit", "verify"])
        #expect(verdict.status == 1 && verdict.stdout.contains("entry 3 was changed"), "\(verdict.stdout)")
        try s.sqlite("UPDATE audit_entry SET actor = 'registry clerk' WHERE sequence = 3")
        #expect(try s.run(["store", "audit", "verify"]).status == 0)
        // Removed from the middle.
        try s.sqlite("CREATE TABLE keep AS SELECT * FROM audit_entry; DELETE FROM audit_entry WHERE sequence = 2")
        verdict = try s.run(["store", "audit", "verify"])
        #expect(verdict.status == 1 && verdict.stdout.contains("entry 2 is missing"), "\(verdict.stdout)")
        // The newest removed (after the checkpoint covered them): the checkpoint says so.
        try s.sqlite("DELETE FROM audit_entry; INSERT INTO audit_entry SELECT * FROM keep WHERE sequence <= 3")
        verdict = try s.run(["store", "audit", "verify"])
        #expect(verdict.status == 1 && verdict.stdout.contains("were removed"), "\(verdict.stdout)")
        // Inserted and rechained by someone who recomputed hashes cannot match the checkpoint's head.
        try s.sqlite("DELETE FROM audit_entry; INSERT INTO audit_entry SELECT * FROM keep; UPDATE audit_entry SET previous = 'x' WHERE sequence = 4")
        verdict = try s.run(["store", "audit", "verify"])
        #expect(verdict.status == 1 && verdict.stdout.contains("entry 4 does not follow entry 3"), "\(verdict.stdout)")
    }

    @Test("attach: a signature of the version is kept with its report; one over other bytes is refused and nothing is kept")
    func attach() throws {
        let s = try Setup()
        try s.work.write("letter.txt", "letter\n")
        try s.work.write("other.txt", "other\n")
        let id = try #require(try s.json(["store", "add", "--title", "رسالة", "--kind", "letter", "--agency", "MOCT", "letter.txt"])["id"] as? String)
        #expect(try s.run(["cert", "issue", "--profile", "official", "--subject", "C=SY, CN=الوزير", "--key-out", "m.key",
                           "--no-key-passphrase", "--out", "m.pem"]).status == 0)
        #expect(try s.run(["sign", "-q", "--key", "m.key", "--cert", "m.pem", "letter.txt", "other.txt"]).status == 0)
        let attached = try s.json(["store", "attach", "--offline", id, "letter.txt.p7s"])
        #expect(attached["indication"] as? String == "TOTAL_PASSED")
        let refused = try s.run(["store", "attach", "--offline", id, "other.txt.p7s"])
        #expect(refused.status == 81 && refused.stderr.contains("does not sign"), "\(refused.stderr)")
        let shown = try s.json(["store", "show", id])
        let signatures = try #require(shown["signatures"] as? [[String: Any]])
        #expect(signatures.count == 1)
        #expect((signatures.first?["report"] as? String)?.contains("\"code\"") == true || (signatures.first?["report"] as? String)?.contains("TOTAL_PASSED") == true)
    }
}

/// The CA's and the TSA's actions in the same audit log as the store's.
@Suite("one audit log: CA, TSA and store")
struct ServiceAuditTests {
    @Test("cert issue, revoke, crl, client add/rotate/revoke and every timestamp served are logged; serve checkpoints the log itself")
    func serviceActionsLogged() throws {
        let ca = try TestAuthority()
        let (_, cert) = try ca.issue("official")
        let serial = try ca.serial(of: cert)
        #expect(try ca.run(["cert", "revoke", "--serial", serial]).status == 0)
        #expect(try ca.run(["crl", "--out", "now.crl"]).status == 0)
        #expect(try ca.run(["client", "add", "--name", "وزارة المالية", "--out", "finance.token"]).status == 0)
        #expect(try ca.run(["client", "rotate", "--name", "وزارة المالية", "--out", "finance.token"]).status == 0)
        let server = try TestServer(authority: ca, extra: ["--checkpoint-interval", "1"])
        let token = try String(contentsOfFile: ca.work.path("finance.token"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try ca.work.write("d.txt", "decision\n")
        let stamped = try ca.run(["timestamp", "--tsa", server.url + "/tsa", "d.txt"], environment: ["SIGNTOOL_TSA_TOKEN": token])
        #expect(stamped.status == 0, "\(stamped.stderr)")
        // The timestamp's serial, as openssl prints it.
        let reply = try Shell.openssl(["ts", "-reply", "-in", "d.txt.tsr", "-text"], in: ca.work.url).stdout
        let serialLine = reply.split(separator: "\n").first { $0.hasPrefix("Serial number:") }.map { $0.dropFirst("Serial number: 0x".count) } ?? ""
        Thread.sleep(forTimeInterval: 2.5)
        #expect(try ca.run(["client", "revoke", "--name", "وزارة المالية"]).status == 0)
        let shown = try ca.run(["store", "audit", "show", "--json"])
        struct Entry: Decodable { let action: String; let object: String; let actor: String; let details: String }
        let entries = try JSONDecoder().decode([Entry].self, from: Data(shown.stdout.utf8))
        let actions = entries.map(\.action)
        for expected in ["certificate.issued", "certificate.revoked", "crl.issued", "client.added", "client.rotated", "timestamp.issued",
                         "audit.checkpoint", "client.revoked"] {
            #expect(actions.contains(expected), "\(expected) missing from \(actions)")
        }
        let stamp = try #require(entries.first { $0.action == "timestamp.issued" })
        #expect(stamp.actor == "وزارة المالية" && stamp.details.contains("\"client\":\"وزارة المالية\""), "\(stamp)")
        #expect(!serialLine.isEmpty && stamp.object.lowercased().hasSuffix(serialLine.lowercased()), "\(stamp.object) vs \(serialLine)")
        let digest = try Shell.openssl(["dgst", "-sha256", "-r", "d.txt"], in: ca.work.url).stdout.prefix(64)
        #expect(stamp.details.contains(String(digest)), "the imprint is logged")
        #expect(entries.contains { $0.action == "certificate.revoked" && $0.object == "certificate:" + serial })
        let verified = try ca.run(["store", "audit", "verify"])
        #expect(verified.status == 0 && verified.stdout.contains("checkpoints"), "\(verified.stdout)")
        server.stop()
    }
}
