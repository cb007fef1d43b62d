import Foundation
import Testing

/// Acknowledged data survives `kill -9` at any moment.
@Suite("document store under kill -9")
struct CrashTests {
    @Test("a writer killed mid-ingest 40 times: every acknowledged version is there byte for byte, integrity ok, no damaged blob, the audit log verifies")
    func killedWriters() throws {
        let s = try DocStoreTests.Setup()
        var random = SeededGenerator("kill -9 during store add")
        #expect(try s.run(["store", "init"]).status == 0)
        // How long one add takes here: kills land anywhere from the start to past the end.
        try s.work.write("probe.bin", bytes: [UInt8](repeating: 7, count: 4 << 20))
        let started = Date()
        #expect(try s.run(["store", "add", "--title", "probe", "--kind", "report", "--agency", "MOCT", "probe.bin"]).status == 0)
        let span = max(Date().timeIntervalSince(started), 0.05)
        var acknowledged: [(id: String, file: String)] = []
        for round in 0..<40 {
            // Large enough that the kill often lands inside the copy, the fsyncs or the commit.
            let size = Int.random(in: (256 << 10)...(4 << 20), using: &random)
            var bytes = [UInt8](repeating: 0, count: size)
            for index in stride(from: 0, to: size, by: 4096) { bytes[index] = UInt8.random(in: 0...255, using: &random) }
            try s.work.write("doc-\(round).bin", bytes: bytes)
            let file = s.work.path("doc-\(round).bin")
            let (printed, status) = try Shell.signtoolKilled(
                ["store", "add", "--json", "--title", "وثيقة \(round)", "--kind", "report", "--agency", "MOCT", file],
                in: s.work.url, environment: s.environment, after: Double.random(in: 0...(1.3 * span), using: &random))
            // Acknowledged = the command finished and printed the id (it exits 0 only after the commit).
            if status == 0,
               let json = try? JSONSerialization.jsonObject(with: Data(printed.utf8)) as? [String: Any], let id = json["id"] as? String {
                acknowledged.append((id, "doc-\(round).bin"))
            }
        }
        print("kill -9: \(acknowledged.count) of 40 adds acknowledged before their kill (an add takes \(Int(span * 1000)) ms)")
        #expect(acknowledged.count > 0 && acknowledged.count < 40, "every kill should not land on the same side")
        for (index, item) in acknowledged.enumerated() {
            let out = "back-\(index).bin"
            #expect(try s.run(["store", "get", item.id, "--out", out]).status == 0, "\(item.id)")
            #expect(try s.work.read(out) == s.work.read(item.file), "\(item.id) is not byte-exact")
        }
        let check = try s.json(["store", "check"])
        #expect(check["integrity"] as? [String] == ["ok"], "\(check)")
        #expect((check["damaged"] as? [Any])?.isEmpty == true && (check["missing"] as? [Any])?.isEmpty == true, "\(check)")
        let audit = try s.run(["store", "audit", "verify"])
        #expect(audit.status == 0, "\(audit.stdout)")
        // And the store still takes new documents.
        try s.work.write("after.txt", "after the crashes\n")
        #expect(try s.run(["store", "add", "--title", "بعد", "--kind", "report", "--agency", "MOCT", "after.txt"]).status == 0)
    }
}
