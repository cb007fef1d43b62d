import Foundation
import Testing

/// Outputs are on disk before signtool says so: the file's data is flushed before it gets
/// its name, and the directory entry is flushed before the command exits 0. strace shows
/// the order of the system calls (installed by scripts/install-deps.sh).
@Suite("durable outputs")
struct DurabilityTests {
    /// The system calls of one run that matter here, in order.
    private func trace(_ arguments: [String], in work: ScratchDirectory) throws -> (status: Int32, calls: [String]) {
        let log = work.path("strace.log")
        let result = try Shell.run("/usr/bin/strace", ["-f", "-qq", "-o", log, "-e", "trace=fsync,fdatasync,linkat,link,rename,renameat,renameat2,openat",
                                                      Shell.signtoolPath] + arguments, in: work.url)
        let calls = String(decoding: try work.read("strace.log"), as: UTF8.self).split(separator: "\n").map(String.init)
        return (result.status, calls)
    }

    /// Index of the first call matching `pattern` after `start`.
    private func index(of pattern: String, in calls: [String], after start: Int = -1) -> Int? {
        calls.indices.first { $0 > start && calls[$0].range(of: pattern, options: .regularExpression) != nil }
    }

    @Test("sign: fsync(file) before it is named, fsync(directory) after, for one file and for a batch")
    func signatureIsFlushed() throws {
        let pki = try TestPKI()
        let work = try ScratchDirectory()
        let signer = try pki.issue("signer", subject: "/CN=Durable", key: .p256)
        try work.write("a.txt", "a\n")
        try work.write("b.txt", "b\n")
        for files in [["a.txt"], ["a.txt", "b.txt"]] {
            for file in files where work.exists(file + ".p7s") { try FileManager.default.removeItem(atPath: work.path(file + ".p7s")) }
            let (status, calls) = try trace(["sign", "--key", signer.key, "--cert", signer.cert] + files, in: work)
            #expect(status == 0)
            for file in files {
                let named = try #require(index(of: #"^\d+ +link(at)?\(.*\#(file)\.p7s""#, in: calls), "\(calls)")
                #expect(calls[..<named].contains { $0.contains("fsync(") }, "no fsync before \(file).p7s was named")
            }
            let lastNamed = calls.indices.last { calls[$0].contains(".p7s\"") && calls[$0].contains("link") }!
            let directoryOpen = try #require(index(of: #"openat\(.*O_DIRECTORY"#, in: calls, after: lastNamed), "\(calls)")
            #expect(index(of: "fsync\\(", in: calls, after: directoryOpen) != nil, "the directory was not flushed")
        }
    }

    @Test("ASiC-E: the container is flushed and so is its directory")
    func containerIsFlushed() throws {
        let pki = try TestPKI()
        let work = try ScratchDirectory()
        let signer = try pki.issue("signer", subject: "/CN=Durable", key: .p256)
        try work.write("a.txt", "a\n")
        let (status, calls) = try trace(["sign", "--asic", "bundle.asice", "--key", signer.key, "--cert", signer.cert, "a.txt"], in: work)
        #expect(status == 0)
        let named = try #require(index(of: #"link(at)?\(.*bundle\.asice""#, in: calls), "\(calls)")
        #expect(calls[..<named].contains { $0.contains("fsync(") })
        let directoryOpen = try #require(index(of: #"openat\(.*O_DIRECTORY"#, in: calls, after: named))
        #expect(index(of: "fsync\\(", in: calls, after: directoryOpen) != nil)
    }
}
