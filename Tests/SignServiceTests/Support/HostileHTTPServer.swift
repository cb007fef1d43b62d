import Foundation
import Testing

/// `hostile_http.py` for one test: a server that answers with endless, oversized, slow or
/// redirecting bodies, and logs every request it receives.
final class HostileHTTPServer {
    let process = Process()
    let port: Int
    let log: String
    var url: String { "http://127.0.0.1:\(port)" }

    struct Request: Decodable {
        let method: String
        let path: String
        let authorization: String?
    }

    convenience init(in directory: ScratchDirectory, serving file: String? = nil) throws {
        let log = directory.path("http-\(UUID().uuidString).log")
        try self.init(script: "hostile_http.py", arguments: [log] + (file.map { [$0] } ?? []), log: log)
    }

    /// Another script of this directory that prints its port on its first line; `log` is
    /// the file it writes.
    init(script name: String, arguments: [String], log: String) throws {
        self.log = log
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(name).path
        // The interpreter itself, not a shim script around it, so that stopping it stops the server.
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = [script] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        while !text.contains("\n") && Date() < deadline && process.isRunning {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { Thread.sleep(forTimeInterval: 0.02) }
            text += String(decoding: data, as: UTF8.self)
        }
        guard let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            throw TestFailure("\(name) did not start: \(text)")
        }
        self.port = port
    }

    /// Every request received so far.
    func requests() -> [Request] {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
    }

    static let python: String = {
        let found = (try? Shell.run("python3", ["-c", "import sys; print(sys.executable)"]))?.stdout
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return found.isEmpty ? "/usr/bin/python3" : found
    }()

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
