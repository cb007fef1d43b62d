import Foundation
import SignService
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

enum Terminal {
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Reads a line from the controlling terminal with echo off; nil if there is none.
    static func readSecret(prompt: String) -> String? {
        let fd = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var saved = termios()
        guard tcgetattr(fd, &saved) == 0 else { return nil }
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        // Echo goes off before the prompt appears, so a fast typist's answer is neither
        // echoed nor discarded.
        _ = tcsetattr(fd, TCSANOW, &silent)
        _ = write(fd, prompt, prompt.utf8.count)
        defer {
            _ = tcsetattr(fd, TCSANOW, &saved)
            _ = write(fd, "\n", 1)
        }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while read(fd, &byte, 1) == 1 && byte != 0x0A && byte != 0x0D { bytes.append(byte) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Where a passphrase comes from: `--passphrase-file`, then `SIGNTOOL_PASSPHRASE`, then a
/// prompt on the terminal (only when one is needed and a terminal exists).
struct PassphraseSource {
    var file: String?
    /// The environment variable consulted when no file is given.
    var environment = "SIGNTOOL_PASSPHRASE"

    func configured() throws -> Passphrase? {
        if let file {
            return Passphrase(fileContents: try FileIO.read(file, limit: 64 << 10))
        }
        if let value = ProcessInfo.processInfo.environment[environment] {
            return Passphrase(value)
        }
        return nil
    }

    /// Loads something that may need a passphrase, prompting once if it does and none
    /// was configured.
    func withPassphrase<T>(for what: String, _ load: (Passphrase?) throws -> T) throws -> T {
        let configured = try configured()
        do {
            return try load(configured)
        } catch let error as SignServiceError where error.code == .passphraseRequired && configured == nil {
            guard let typed = Terminal.readSecret(prompt: "Passphrase for \(what): ") else {
                throw SignServiceError(code: .passphraseRequired,
                                       reason: "\(error.reason); give a passphrase file or set \(environment)")
            }
            return try load(Passphrase(typed))
        }
    }
}

/// A one-line progress bar on standard error, redrawn at most ten times a second.
final class ProgressBar: Sendable {
    private let total: Int
    private let enabled: Bool
    private let state = Mutex<(done: Int, lastDraw: UInt64)>((0, 0))

    init(total: Int) {
        self.total = total
        self.enabled = total > 1 && Terminal.stderrIsTerminal
    }

    func advance() {
        guard enabled else { return }
        // The clock is read and the bar drawn under the lock: a time read before another
        // thread's draw would be older than its `lastDraw` (and an unsigned difference
        // would trap), and a count drawn outside it could overwrite a newer one.
        state.withLock { state in
            state.done += 1
            let now = DispatchTime.now().uptimeNanoseconds
            guard state.done == total || now >= state.lastDraw &+ 100_000_000 else { return }
            state.lastDraw = now
            draw(state.done)
        }
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    private func draw(_ done: Int) {
        let width = 30
        let filled = total == 0 ? width : done * width / total
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total)".utf8))
    }
}
