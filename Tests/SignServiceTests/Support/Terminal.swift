import Foundation

/// Runs a program on a pseudo-terminal (Python's pty module), answering each prompt that
/// contains `prompt` with the next of `answers`: how a person at a terminal meets signtool.
enum PseudoTerminal {
    static func run(_ arguments: [String], in directory: URL, prompt: String = "assphrase",
                    answers: [String] = []) throws -> CommandResult {
        let script = """
            import os, pty, sys, json
            args = json.loads(sys.argv[1]); answers = json.loads(sys.argv[2]); prompt = sys.argv[3].encode()
            pid, fd = pty.fork()
            if pid == 0:
                # A crash must fail the test at once, not wait 30 s for a key at the backtracer's prompt.
                os.environ["SWIFT_BACKTRACE"] = "interactive=no"
                os.execv(args[0], args)
            import signal
            def give_up(*_):
                os.kill(pid, signal.SIGKILL)
            signal.signal(signal.SIGALRM, give_up); signal.alarm(60)
            seen = b""; answered = 0
            while True:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
                if answered < len(answers) and seen.count(prompt) > answered:
                    os.write(fd, answers[answered].encode() + b"\\n"); answered += 1
            _, status = os.waitpid(pid, 0)
            sys.stdout.buffer.write(seen)
            sys.exit(os.waitstatus_to_exitcode(status))
            """
        let encoder = JSONEncoder()
        let args = String(decoding: try encoder.encode([Shell.signtoolPath] + arguments), as: UTF8.self)
        let replies = String(decoding: try encoder.encode(answers), as: UTF8.self)
        return try Shell.run("python3", ["-c", script, args, replies, prompt], in: directory)
    }
}
