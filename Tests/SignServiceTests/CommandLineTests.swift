import Foundation
import Testing

/// signtool as a person or a script meets it: bad input, passphrases, batches, reports.
@Suite("signtool command line")
struct CommandLineTests {
    let pki: TestPKI
    let work: ScratchDirectory

    init() throws {
        pki = try TestPKI()
        work = try ScratchDirectory()
        try work.write("doc.txt", "document\n")
    }

    private func isOneLine(_ text: String) -> Bool {
        text.hasSuffix("\n") && text.dropLast().split(separator: "\n").count == 1
    }

    @Test("garbage, empty and truncated signatures give one line on stderr and exit 65")
    func malformedSignatures() throws {
        let signer = try pki.issue("s", subject: "/CN=S")
        #expect(try Shell.signtool(["sign", "--key", signer.key, "--cert", signer.cert, "doc.txt"], in: work.url).status == 0)
        let good = try work.read("doc.txt.p7s")
        try work.write("garbage.p7s", bytes: Array("this is not DER at all".utf8))
        try work.write("empty.p7s", bytes: [])
        try work.write("truncated.p7s", bytes: Array(good.prefix(good.count / 2)))
        for name in ["garbage.p7s", "empty.p7s", "truncated.p7s"] {
            let result = try Shell.signtool(["verify", "--trust", pki.root, "--content", "doc.txt", name], in: work.url)
            #expect(result.status == 65, "\(name): \(result.stderr)")
            #expect(isOneLine(result.stderr), "\(name): \(result.stderr)")
            #expect(result.stderr.contains(name))
        }
        let json = try Shell.signtool(["verify", "--json", "--trust", pki.root, "--content", "doc.txt", "garbage.p7s"], in: work.url)
        #expect(json.stdout.contains("\"subIndication\":\"FORMAT_FAILURE\""))
    }

    @Test("damaged keys, certificates and PKCS#12 files exit 65, not as a wrong passphrase")
    func malformedCredentials() throws {
        let signer = try pki.issue("s", subject: "/CN=S")
        try Shell.openssl(["pkcs8", "-topk8", "-in", signer.key, "-out", "enc.key", "-passout", "pass:secret",
                           "-v2", "aes-256-cbc"], in: work.url)
        let key = try work.read("enc.key")
        try work.write("truncated.key", bytes: Array(key.prefix(key.count * 2 / 3)))
        try work.write("pass.txt", "secret\n")
        let truncatedKey = try Shell.signtool(["sign", "--key", "truncated.key", "--cert", signer.cert,
                                               "--passphrase-file", "pass.txt", "doc.txt"], in: work.url)
        #expect(truncatedKey.status == 65, "\(truncatedKey.stderr)")
        #expect(truncatedKey.stderr.contains("damaged"))
        #expect(isOneLine(truncatedKey.stderr))

        let pem = String(decoding: try Data(contentsOf: URL(fileURLWithPath: signer.cert)), as: UTF8.self)
        try work.write("truncated.pem", String(pem.prefix(pem.count / 2)))
        let truncatedCert = try Shell.signtool(["sign", "--key", signer.key, "--cert", "truncated.pem", "doc.txt"], in: work.url)
        #expect(truncatedCert.status == 65, "\(truncatedCert.stderr)")
        #expect(isOneLine(truncatedCert.stderr))

        try work.write("garbage.p12", "not a pkcs12 file")
        let garbage = try Shell.signtool(["sign", "--p12", "garbage.p12", "--passphrase-file", "pass.txt", "doc.txt"], in: work.url)
        #expect(garbage.status == 65)
        #expect(isOneLine(garbage.stderr))
        #expect(!work.exists("doc.txt.p7s"))
    }

    @Test("a missing signature or document exits 66 and names the file")
    func missingFiles() throws {
        let missing = try Shell.signtool(["verify", "--trust", pki.root, "nothing.p7s"], in: work.url)
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("nothing.p7s"))
        let signer = try pki.issue("s", subject: "/CN=S")
        #expect(try Shell.signtool(["sign", "--key", signer.key, "--cert", signer.cert, "doc.txt"], in: work.url).status == 0)
        try FileManager.default.removeItem(atPath: work.path("doc.txt"))
        let noContent = try Shell.signtool(["verify", "--trust", pki.root, "doc.txt.p7s"], in: work.url)
        #expect(noContent.status == 66)
        #expect(noContent.stderr.contains("doc.txt"))
        let noInput = try Shell.signtool(["sign", "--key", signer.key, "--cert", signer.cert, "absent.txt"], in: work.url)
        #expect(noInput.status == 66)
        #expect(!work.exists("absent.txt.p7s"))
    }

    @Test("key generate writes an encrypted PKCS#8 key with mode 0600 and never overwrites")
    func keyGenerate() throws {
        try work.write("pass.txt", "correct horse\n")
        let made = try Shell.signtool(["key", "generate", "--algorithm", "p384", "--out", "k.pem",
                                       "--passphrase-file", "pass.txt"], in: work.url)
        #expect(made.status == 0, "\(made.stderr)")
        let attributes = try FileManager.default.attributesOfItem(atPath: work.path("k.pem"))
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let pem = String(decoding: try work.read("k.pem"), as: UTF8.self)
        #expect(pem.hasPrefix("-----BEGIN ENCRYPTED PRIVATE KEY-----"))
        // openssl reads it with the passphrase and agrees on the curve.
        let parsed = try Shell.run("openssl", ["pkey", "-in", "k.pem", "-passin", "file:pass.txt", "-noout", "-text"], in: work.url)
        #expect(parsed.status == 0)
        #expect(parsed.stdout.contains("P-384"))

        let again = try Shell.signtool(["key", "generate", "--out", "k.pem", "--passphrase-file", "pass.txt"], in: work.url)
        #expect(again.status == 73)
        #expect(String(decoding: try work.read("k.pem"), as: UTF8.self) == pem)

        // No passphrase source and no terminal: refused, unless asked for explicitly.
        let refused = try Shell.signtool(["key", "generate", "--out", "plain.pem"], in: work.url)
        #expect(refused.status == 77)
        #expect(!work.exists("plain.pem"))
        let plain = try Shell.signtool(["key", "generate", "--algorithm", "rsa3072", "--out", "plain.pem", "--no-passphrase"], in: work.url)
        #expect(plain.status == 0)
        #expect(String(decoding: try work.read("plain.pem"), as: UTF8.self).hasPrefix("-----BEGIN PRIVATE KEY-----"))
    }

    @Test("an encrypted key: wrong passphrase exits 77, no output left; right one from env or file signs")
    func passphrases() throws {
        let signer = try pki.issue("s", subject: "/CN=S")
        try Shell.openssl(["pkcs8", "-topk8", "-in", signer.key, "-out", "enc.key", "-passout", "pass:right-one",
                           "-v2", "aes-256-cbc"], in: work.url)
        try work.write("wrong.txt", "wrong-one\n")
        let wrong = try Shell.signtool(["sign", "--key", "enc.key", "--cert", signer.cert, "--passphrase-file", "wrong.txt",
                                        "doc.txt"], in: work.url)
        #expect(wrong.status == 77)
        #expect(isOneLine(wrong.stderr))
        #expect(wrong.stderr.contains("wrong passphrase"))
        #expect(!wrong.stderr.contains("wrong-one"))
        #expect(!work.exists("doc.txt.p7s"))

        let none = try Shell.signtool(["sign", "--key", "enc.key", "--cert", signer.cert, "doc.txt"], in: work.url)
        #expect(none.status == 77)

        let viaEnv = try Shell.signtool(["sign", "--key", "enc.key", "--cert", signer.cert, "doc.txt"], in: work.url,
                                        environment: ["SIGNTOOL_PASSPHRASE": "right-one"])
        #expect(viaEnv.status == 0, "\(viaEnv.stderr)")
        #expect(work.exists("doc.txt.p7s"))
    }

    @Test("PKCS#12 identities sign; a wrong PKCS#12 passphrase exits 77")
    func pkcs12() throws {
        let signer = try pki.issue("p", subject: "/CN=P12 Official")
        try Shell.openssl(["pkcs12", "-export", "-inkey", signer.key, "-in", signer.cert, "-certfile", pki.chainFile,
                           "-out", "id.p12", "-passout", "pass:p12-pass"], in: work.url)
        try work.write("p.txt", "p12-pass\n")
        try work.write("bad.txt", "nope\n")
        #expect(try Shell.signtool(["sign", "--p12", "id.p12", "--passphrase-file", "bad.txt", "doc.txt"], in: work.url).status == 77)
        let signed = try Shell.signtool(["sign", "--p12", "id.p12", "--passphrase-file", "p.txt", "doc.txt"], in: work.url)
        #expect(signed.status == 0, "\(signed.stderr)")
        let verified = try Shell.signtool(["verify", "--trust", pki.root, "doc.txt.p7s"], in: work.url)
        #expect(verified.status == 0, "\(verified.stdout)")
    }

    @Test("a key that does not match the certificate exits 67")
    func mismatchedKey() throws {
        let one = try pki.issue("one", subject: "/CN=One")
        let two = try pki.issue("two", subject: "/CN=Two")
        let result = try Shell.signtool(["sign", "--key", one.key, "--cert", two.cert, "doc.txt"], in: work.url)
        #expect(result.status == 67)
        #expect(!work.exists("doc.txt.p7s"))
    }

    @Test("existing signatures are not overwritten without --force")
    func noOverwrite() throws {
        let signer = try pki.issue("s", subject: "/CN=S")
        try work.write("doc.txt.p7s", "precious")
        let result = try Shell.signtool(["sign", "--key", signer.key, "--cert", signer.cert, "doc.txt"], in: work.url)
        #expect(result.status == 73)
        #expect(String(decoding: try work.read("doc.txt.p7s"), as: UTF8.self) == "precious")
        let forced = try Shell.signtool(["sign", "--force", "--key", signer.key, "--cert", signer.cert, "doc.txt"], in: work.url)
        #expect(forced.status == 0)
    }

    @Test("a batch is signed in parallel into --out-dir; verify gives JSON Lines and the worst status")
    func batch() throws {
        let signer = try pki.issue("s", subject: "/CN=Batch Signer")
        var names: [String] = []
        for index in 0..<40 {
            names.append("letter-\(index).txt")
            try work.write("letter-\(index).txt", "letter number \(index)\n")
        }
        try FileManager.default.createDirectory(atPath: work.path("out"), withIntermediateDirectories: true)
        let signed = try Shell.signtool(["sign", "--key", signer.key, "--cert", signer.cert, "--chain", pki.chainFile,
                                         "--out-dir", "out"] + names, in: work.url)
        #expect(signed.status == 0, "\(signed.stderr)")
        #expect(signed.stdout.split(separator: "\n").count == 40)

        // Break one document: its signature now fails, so the whole run exits 1.
        try work.write("letter-7.txt", "letter number 7, amended\n")
        // The content sits next to the documents, not in out/: verify each with its own document.
        let reports = try names.map { name in
            try Shell.signtool(["verify", "--json", "--trust", pki.root, "--content", name, "out/\(name).p7s"], in: work.url)
        }
        #expect(reports.filter { $0.status == 0 }.count == 39)
        #expect(reports[7].status == 1)

        // Signatures next to their documents: one call, one JSON object per line, in order.
        let local = try Shell.signtool(["sign", "--key", signer.key, "--cert", signer.cert, "--chain", pki.chainFile] + names, in: work.url)
        #expect(local.status == 0)
        let all = try Shell.signtool(["verify", "--json", "--trust", pki.root] + names.map { "\($0).p7s" }, in: work.url)
        #expect(all.status == 0)
        try work.write("letter-3.txt", "tampered\n")
        let mixed = try Shell.signtool(["verify", "--json", "--trust", pki.root] + names.map { "\($0).p7s" }, in: work.url)
        #expect(mixed.status == 1)
        let lines = mixed.stdout.split(separator: "\n")
        #expect(lines.count == 40)
        for (index, line) in lines.enumerated() {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["file"] as? String == "\(names[index]).p7s")
            #expect(object?["indication"] as? String == (index == 3 ? "TOTAL_FAILED" : "TOTAL_PASSED"))
        }
    }

    @Test("the report is in Arabic with --lang ar or an Arabic locale, and names the signer as certified")
    func arabicReport() throws {
        let signer = try pki.issue("ar", subject: "/C=SY/O=وزارة الاتصالات والتقانة/CN=سامر البرني")
        #expect(try Shell.signtool(["sign", "--key", signer.key, "--cert", signer.cert, "--chain", pki.chainFile, "doc.txt"],
                                   in: work.url).status == 0)
        let arabic = try Shell.signtool(["verify", "--lang", "ar", "--trust", pki.root, "doc.txt.p7s"], in: work.url)
        #expect(arabic.status == 0)
        #expect(arabic.stdout.contains("الموقِّع: سامر البرني"))
        #expect(arabic.stdout.contains("الوثيقة أصلية ولم تُعدَّل منذ توقيعها."))
        let byLocale = try Shell.signtool(["verify", "--trust", pki.root, "doc.txt.p7s"], in: work.url,
                                          environment: ["LANG": "ar_SY.UTF-8"])
        #expect(byLocale.stdout.contains("النتيجة: صحيح"))
        let english = try Shell.signtool(["verify", "--trust", pki.root, "doc.txt.p7s"], in: work.url)
        #expect(english.stdout.contains("Result: VALID (TOTAL_PASSED)"))
        #expect(english.stdout.contains("Signed by: سامر البرني"))
        #expect(english.stdout.contains("O=وزارة الاتصالات والتقانة"))
        #expect(english.stdout.contains("Note: revocation status not checked for"))
        // The detail lines are Arabic too, with names kept as certified.
        #expect(arabic.stdout.contains("ملاحظة: لم يُتحقَّق من إلغاء الشهادة C=SY, O=وزارة الاتصالات والتقانة, CN=سامر البرني"), "\(arabic.stdout)")
        #expect(!arabic.stdout.contains("revocation status not checked"), "\(arabic.stdout)")
        try work.write("doc.txt", "altered\n")
        let altered = try Shell.signtool(["verify", "--lang", "ar", "--trust", pki.root, "doc.txt.p7s"], in: work.url)
        #expect(altered.status == 1 && altered.stdout.contains("مشكلة: عُدِّلت الوثيقة: بصمتها لا تطابق البصمة الموقَّعة"), "\(altered.stdout)")
    }

    @Test("usage errors exit 64 and say what is wrong")
    func usage() throws {
        let result = try Shell.signtool(["sign", "doc.txt"], in: work.url)
        #expect(result.status == 64)
        #expect(result.stderr.contains("--key"))
    }
}
