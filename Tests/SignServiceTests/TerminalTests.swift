import Foundation
import Testing

/// signtool at a real (pseudo-)terminal: passphrase prompts and the progress bar.
@Suite("signtool on a terminal")
struct TerminalTests {
    @Test("an encrypted key's passphrase is asked for on the terminal, without echo")
    func passphrasePrompt() throws {
        let pki = try TestPKI()
        let work = try ScratchDirectory()
        let signer = try pki.issue("s", subject: "/CN=Prompted Official")
        try Shell.openssl(["pkcs8", "-topk8", "-in", signer.key, "-out", "enc.key", "-passout", "pass:typed-secret",
                           "-v2", "aes-256-cbc"], in: work.url)
        try work.write("doc.txt", "document\n")
        let result = try PseudoTerminal.run(["sign", "--key", "enc.key", "--cert", signer.cert, "doc.txt"],
                                            in: work.url, answers: ["typed-secret"])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("Passphrase for enc.key"))
        #expect(!result.stdout.contains("typed-secret"))
        #expect(work.exists("doc.txt.p7s"))
    }

    @Test("key generate asks twice and refuses a mismatch without writing anything")
    func generatePrompt() throws {
        let work = try ScratchDirectory()
        let mismatch = try PseudoTerminal.run(["key", "generate", "--out", "k.pem"], in: work.url,
                                              answers: ["first secret", "second secret"])
        #expect(mismatch.status == 77)
        #expect(!work.exists("k.pem"))
        let made = try PseudoTerminal.run(["key", "generate", "--out", "k.pem"], in: work.url,
                                          answers: ["same secret", "same secret"])
        #expect(made.status == 0, "\(made.stdout)")
        let parsed = try Shell.run("openssl", ["pkey", "-in", "k.pem", "-passin", "pass:same secret", "-noout"], in: work.url)
        #expect(parsed.status == 0)
    }

    @Test("signing many files shows a progress bar on a terminal, and none in a pipe")
    func progressBar() throws {
        let pki = try TestPKI()
        let work = try ScratchDirectory()
        let signer = try pki.issue("s", subject: "/CN=Batch")
        // Many small files so that workers finish together and race for the bar (a clock
        // read before another worker's redraw once trapped on an unsigned difference; the
        // window is narrow, so this makes the race likelier, it cannot force it).
        let names = (0..<300).map { "f\($0).txt" }
        for name in names { try work.write(name, name) }
        let terminal = try PseudoTerminal.run(["sign", "-q", "--key", signer.key, "--cert", signer.cert] + names, in: work.url)
        #expect(terminal.status == 0, "\(terminal.stdout.suffix(2000))")
        #expect(terminal.stdout.contains("] 300/300"))
        for name in names where work.exists("\(name).p7s") { try FileManager.default.removeItem(atPath: work.path("\(name).p7s")) }
        let piped = try Shell.signtool(["sign", "-q", "--key", signer.key, "--cert", signer.cert] + names, in: work.url)
        #expect(piped.status == 0)
        #expect(piped.stderr.isEmpty)
    }
}
