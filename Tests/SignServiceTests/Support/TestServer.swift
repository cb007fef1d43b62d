import Foundation
import Testing

/// `signtool serve` started on a free port for one test, stopped when released.
final class TestServer {
    let process = Process()
    let port: Int
    /// Where the server's standard error (its log) goes, if not to the test's.
    let logPath: String?
    var url: String { "http://127.0.0.1:\(port)" }

    /// `port` 0 lets the kernel pick; a CA whose --public-url names a port must be served there.
    /// `preload` runs the server with those variables (e.g. libfaketime's) through env(1),
    /// which execs it in the same process: a Swift program spawned directly with
    /// LD_PRELOAD=libfaketime loses its arguments, one exec'd by a preloaded env does not.
    /// `launcher` runs it through another program that execs it (e.g. prlimit). `logPath`
    /// collects its standard error, for `log`.
    init(authority: TestAuthority, port requested: Int = 0, extra: [String] = [], preload: [String: String] = [:],
         launcher: [String] = [], logPath: String? = nil) throws {
        let command = [Shell.signtoolPath, "serve", "--listen", "127.0.0.1:\(requested)"] + extra
        let wrapper = launcher + (preload.isEmpty ? [] : ["/usr/bin/env"])
        process.executableURL = URL(fileURLWithPath: wrapper.first ?? Shell.signtoolPath)
        process.arguments = wrapper.isEmpty ? Array(command.dropFirst()) : Array(wrapper.dropFirst()) + command
        self.logPath = logPath
        var environment = ProcessInfo.processInfo.environment
        environment.merge(authority.environment) { $1 }
        environment.merge(preload) { $1 }
        process.environment = environment
        process.currentDirectoryURL = authority.work.url
        let output = Pipe()
        process.standardOutput = output
        if let logPath {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        } else {
            process.standardError = FileHandle.standardError
        }
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // The first line names the port the kernel picked.
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        while !text.contains("\n") && Date() < deadline && process.isRunning {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { Thread.sleep(forTimeInterval: 0.02) }
            text += String(decoding: data, as: UTF8.self)
        }
        guard let match = text.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression),
              let port = Int(text[match].split(separator: ":").last ?? "") else {
            process.terminate()
            throw TestFailure("signtool serve did not start: \(text)")
        }
        self.port = port
    }

    /// A port that was free a moment ago (for a CA's --public-url before its server starts).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw TestFailure("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// What the server has logged so far (with `logPath`).
    var log: String {
        logPath.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? ""
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}
