import Foundation
import Testing

/// The result of running a real program (openssl, signtool) in a test.
struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

enum Shell {
    /// Runs `executable` with `arguments`; output is collected through files, so large
    /// outputs cannot dead-lock a pipe.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], in directory: URL? = nil,
                    environment: [String: String] = [:], stdin: String? = nil) throws -> CommandResult {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("cmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("out"), err = scratch.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
        process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
        if let directory { process.currentDirectoryURL = directory }
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "SIGNTOOL_PASSPHRASE")
        env["LANG"] = "C.UTF-8"
        env.removeValue(forKey: "LC_ALL")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        if let stdin {
            let input = scratch.appendingPathComponent("in")
            try Data(stdin.utf8).write(to: input)
            process.standardInput = try FileHandle(forReadingFrom: input)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus,
                             stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                             stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    /// Runs openssl and fails the test (with its stderr) if it does not exit 0.
    @discardableResult
    static func openssl(_ arguments: [String], in directory: URL) throws -> CommandResult {
        let result = try run("openssl", arguments, in: directory)
        if result.status != 0 {
            Issue.record("openssl \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
        return result
    }

    /// The signtool binary built next to the test bundle (or SIGNTOOL_BIN).
    static var signtoolPath: String {
        if let explicit = ProcessInfo.processInfo.environment["SIGNTOOL_BIN"] { return explicit }
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // On Linux the tests run from .build/<config>/XPackageTests.xctest.
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("signtool")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
            directory = directory.deletingLastPathComponent()
        }
        return testBinary.deletingLastPathComponent().appendingPathComponent("signtool").path
    }

    static func signtool(_ arguments: [String], in directory: URL, environment: [String: String] = [:],
                         stdin: String? = nil) throws -> CommandResult {
        try run(signtoolPath, arguments, in: directory, environment: environment, stdin: stdin)
    }

    /// Starts signtool, sends it SIGKILL after `seconds`, and returns what it printed and
    /// its exit status if it finished first (nil: it was killed).
    static func signtoolKilled(_ arguments: [String], in directory: URL, environment: [String: String],
                               after seconds: Double) throws -> (stdout: String, status: Int32?) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: signtoolPath)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.currentDirectoryURL = directory
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        usleep(UInt32(seconds * 1_000_000))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (printed, process.terminationReason == .exit ? process.terminationStatus : nil)
    }
}

/// A temporary directory removed when the test is done.
final class ScratchDirectory {
    let url: URL

    init(_ name: String = "signtool-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try Data(text.utf8).write(to: url.appendingPathComponent(name))
        return path(name)
    }

    func write(_ name: String, bytes: [UInt8]) throws {
        try Data(bytes).write(to: url.appendingPathComponent(name))
    }

    func read(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: url.appendingPathComponent(name))) }
    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }
}

/// A small seeded generator (SplitMix64) for the random corruption tests: the seed comes
/// from SIGNTOOL_TEST_SEED when set, else from the system; the test prints it, so a
/// failure can be replayed exactly with `SIGNTOOL_TEST_SEED=<seed> swift test --filter ...`.
struct SeededGenerator: RandomNumberGenerator {
    let seed: UInt64
    private var state: UInt64

    init(_ label: String) {
        let environment = ProcessInfo.processInfo.environment["SIGNTOOL_TEST_SEED"].flatMap { UInt64($0) }
        seed = environment ?? UInt64.random(in: 0...UInt64.max)
        state = seed
        print("\(label): random seed \(seed) (replay with SIGNTOOL_TEST_SEED=\(seed))")
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
