import Foundation
import Testing

/// Regression tests for what a hostile review of signtool found (issue 8): each test
/// reproduces one attack and asserts the verdict or refusal that must follow.
@Suite("hostile review: verdicts, inputs and refusals")
struct HostileReviewTests {
    let pki: TestPKI
    let work: ScratchDirectory

    init() throws {
        pki = try TestPKI()
        work = try ScratchDirectory()
        try work.write("decision.txt", "قرار رقم 17/2026\n")
    }

    private func verify(_ arguments: [String]) throws -> (CommandResult, [String: Any]) {
        let result = try Shell.signtool(["verify", "--json", "--trust", pki.root] + arguments, in: work.url)
        let line = result.stdout.split(separator: "\n").first.map(String.init) ?? ""
        let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
        return (result, object)
    }

    private func sign(_ signer: (key: String, cert: String), _ extra: [String] = [], file: String = "decision.txt") throws -> CommandResult {
        try Shell.signtool(["sign", "--key", signer.key, "--cert", signer.cert, "--chain", pki.chainFile] + extra + [file],
                           in: work.url)
    }

    /// A signed container with one more entry written by Python's zipfile: `name`, its
    /// central-directory host system and external attributes, and its bytes.
    private func containerWithExtraEntry(_ output: String, name: String, system: Int, attributes: String, data: String = "") throws {
        let signer = try pki.issue("asic-\(output)", subject: "/CN=Container Signer")
        #expect(try sign(signer, ["--asic", "decision.asice", "--force"]).status == 0)
        try work.write("extra.py", """
            import zipfile
            src = zipfile.ZipFile('decision.asice')
            out = zipfile.ZipFile('\(output)', 'w')
            for info in src.infolist():
                out.writestr(info, src.read(info.filename))
            entry = zipfile.ZipInfo('\(name)')
            entry.create_system = \(system)
            entry.external_attr = \(attributes)
            out.writestr(entry, b'\(data)')
            out.close()
            """)
        #expect(try Shell.run("python3", ["extra.py"], in: work.url).status == 0)
    }

    // MARK: PEM input (SIGSEGV in CMS_get0_type through a 32-bit pointer)

    @Test("PEM signatures from signtool and openssl verify, and co-sign with --add-to, without a crash")
    func pemSignatures() throws {
        let signer = try pki.issue("pem", subject: "/CN=PEM Signer")
        #expect(try sign(signer).status == 0)
        for (label, arguments) in [("PKCS7", ["cms", "-cmsout", "-inform", "DER", "-in", "decision.txt.p7s", "-outform", "PEM", "-out", "pkcs7.p7s"]),
                                   ("CMS", ["cms", "-sign", "-binary", "-in", "decision.txt", "-signer", signer.cert, "-inkey", signer.key,
                                            "-certfile", pki.chainFile, "-outform", "PEM", "-out", "cms.p7s"])] {
            try Shell.openssl(arguments, in: work.url)
            let file = label == "PKCS7" ? "pkcs7.p7s" : "cms.p7s"
            let text = String(decoding: try work.read(file), as: UTF8.self)
            #expect(text.hasPrefix("-----BEGIN"), "\(label): \(text.prefix(40))")
            let (result, report) = try verify(["--content", "decision.txt", file])
            #expect(result.status == 0, "\(label): \(result.stderr)")
            #expect(report["indication"] as? String == "TOTAL_PASSED")
        }
        // Co-signing a PEM signature: the result is DER with two signers, both valid.
        let second = try pki.issue("pem2", subject: "/CN=Second Signer")
        let cosign = try sign(second, ["--add-to", "cms.p7s", "--out", "both.p7s"])
        #expect(cosign.status == 0, "\(cosign.stderr)")
        let (result, report) = try verify(["--content", "decision.txt", "both.p7s"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect((report["signatures"] as? [Any])?.count == 2)
    }

    @Test("the C shims compile with implicit function declarations as errors")
    func shimsDeclareEverything() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
        for module in ["COpenSSL", "CArchive"] {
            let result = try Shell.run("cc", ["-fsyntax-only", "-Werror=implicit-function-declaration", "-Werror=int-conversion",
                                              "-x", "c", "-I", sources.appendingPathComponent(module).path,
                                              sources.appendingPathComponent(module).appendingPathComponent("shim.h").path])
            #expect(result.status == 0, "\(module): \(result.stderr)")
        }
    }

    // MARK: Wrong-purpose signers

    @Test("signers whose certificate is for timestamps, OCSP or TLS do not pass, and the rule is named",
          arguments: ["tsa", "ocsp", "tls"])
    func wrongPurposeSigner(profile: String) throws {
        let signer = try pki.issue(profile, subject: "/CN=\(profile) key", profile: profile)
        // openssl signs with any key; signtool itself refuses (exit 79) unless told otherwise.
        try Shell.openssl(["cms", "-sign", "-binary", "-in", "decision.txt", "-signer", signer.cert, "-inkey", signer.key,
                           "-certfile", pki.chainFile, "-outform", "DER", "-out", "decision.txt.p7s"], in: work.url)
        let (result, report) = try verify(["decision.txt.p7s"])
        #expect(result.status == 2, "\(result.stdout)")
        #expect(report["subIndication"] as? String == "CHAIN_CONSTRAINTS_FAILURE")
        let errors = JSONFinding.list((report["signatures"] as? [[String: Any]])?.first?["errors"]) ?? []
        #expect(errors.contains { $0.code == "extendedKeyUsageNotForSigning" && $0.message.contains("documentSigning") }, "\(errors)")
        // openssl agrees: the purpose is unsuitable.
        let openssl = try Shell.run("openssl", ["cms", "-verify", "-binary", "-inform", "DER", "-in", "decision.txt.p7s",
                                                "-content", "decision.txt", "-CAfile", pki.root, "-out", "/dev/null"], in: work.url)
        #expect(openssl.status != 0)

        let refused = try sign(signer, ["--out", "by-signtool.p7s"])
        #expect(refused.status == 79, "\(refused.stderr)")
        #expect(refused.stderr.contains("extendedKeyUsage"))
        #expect(!work.exists("by-signtool.p7s"))
        let forced = try sign(signer, ["--out", "forced.p7s", "--allow-invalid-certificate"])
        #expect(forced.status == 0, "\(forced.stderr)")
    }

    @Test("sign refuses an expired and a not-yet-valid certificate with exit 79; --allow-invalid-certificate overrides")
    func signingWithInvalidCertificate() throws {
        let expired = try pki.issue("expired", subject: "/CN=Former Official", startDate: "200101000000Z", endDate: "210101000000Z")
        let future = try pki.issue("future", subject: "/CN=Future Official", startDate: "400101000000Z", endDate: "410101000000Z")
        for (signer, word) in [(expired, "expired"), (future, "not valid before")] {
            let result = try sign(signer, ["--out", "x.p7s"])
            #expect(result.status == 79, "\(result.stderr)")
            #expect(result.stderr.contains(word), "\(result.stderr)")
            #expect(!work.exists("x.p7s"))
        }
        #expect(try sign(expired, ["--out", "x.p7s", "--allow-invalid-certificate"]).status == 0)
    }

    // MARK: ASiC-E coverage

    @Test("a file added to a signed ASiC-E container makes it fail, naming the file")
    func unsignedFileInContainer() throws {
        let signer = try pki.issue("asic", subject: "/CN=Container Signer")
        #expect(try sign(signer, ["--asic", "decision.asice"]).status == 0)
        let script = """
            import zipfile
            with zipfile.ZipFile('decision.asice', 'a') as z:
                z.writestr('payment-order.txt', 'pay 1,000,000 SYP to account 42')
            """
        try work.write("add.py", script)
        #expect(try Shell.run("python3", ["add.py"], in: work.url).status == 0)
        let (result, report) = try verify(["decision.asice"])
        #expect(result.status == 1, "\(result.stdout)")
        #expect(report["indication"] as? String == "TOTAL_FAILED")
        #expect(JSONFinding.list(report["errors"])?.contains {
            $0.code == "asicUncoveredFiles" && ($0.param("files") as? [String]) == ["payment-order.txt"]
        } == true, "\(report)")
        #expect((report["coveredFiles"] as? [String]) == ["decision.txt"])
    }

    @Test("a file is covered only by a signature that passed: a container signed by an untrusted signer covers nothing")
    func coverageNeedsPassingSignature() throws {
        let other = try TestPKI()
        let stranger = try other.issue("stranger", subject: "/CN=Stranger")
        let made = try Shell.signtool(["sign", "--key", stranger.key, "--cert", stranger.cert, "--chain", other.chainFile,
                                       "--asic", "decision.asice", "decision.txt"], in: work.url)
        #expect(made.status == 0, "\(made.stderr)")
        let (result, report) = try verify(["decision.asice"])
        #expect(result.status != 0)
        #expect((report["coveredFiles"] as? [String]) == [])
    }

    // MARK: --content with an enveloping signature

    @Test("verify --content OTHER on an enveloping signature fails unless OTHER is the document inside")
    func contentWithEnvelopingSignature() throws {
        let signer = try pki.issue("env", subject: "/CN=Enveloping Signer")
        #expect(try sign(signer, ["--attached", "--out", "decision.p7m"]).status == 0)
        try work.write("forged.txt", "قرار مزوّر\n")
        let (other, report) = try verify(["--content", "forged.txt", "decision.p7m"])
        #expect(other.status == 1, "\(other.stdout)")
        #expect(report["subIndication"] as? String == "HASH_FAILURE")
        #expect(JSONFinding.list(report["errors"])?.first.map { $0.code == "contentNotInsideSignature" && $0.string("content") == "forged.txt" } == true,
                "\(report)")
        let (same, _) = try verify(["--content", "decision.txt", "decision.p7m"])
        #expect(same.status == 0, "\(same.stdout)")
        let (alone, _) = try verify(["decision.p7m"])
        #expect(alone.status == 0)
    }

    // MARK: cert verify and revocation

    @Test("cert verify checks the CRL a revoked certificate names; --offline says revocation was not checked")
    func certVerifyRevocation() throws {
        try pki.generateCRL()
        let server = try HostileHTTPServer(in: work, serving: pki.crl)
        let signer = try pki.issue("leaver", subject: "/C=SY/O=Test/CN=Official Who Left", crlURL: server.url + "/file")
        try pki.revoke("leaver")
        let base = ["cert", "verify", "--no-cache", "--trust", pki.root, "--untrusted", pki.issuing]
        let online = try Shell.signtool(base + [signer.cert], in: work.url)
        #expect(online.status == 1, "\(online.stdout)")
        #expect(online.stdout.contains("revoked"), "\(online.stdout)")
        #expect(server.requests().count == 1)
        let offline = try Shell.signtool(base + ["--offline", signer.cert], in: work.url)
        #expect(offline.status == 0)
        #expect(offline.stdout.contains("revocation was not checked"), "\(offline.stdout)")
    }

    // MARK: Smaller wrong answers

    @Test("ASiC-E entries marked FIFO, device, socket or symbolic link in the central directory are refused",
          arguments: [(0o010644, "a FIFO"), (0o020644, "a character device"), (0o140644, "a socket"), (0o120777, "a symbolic link")])
    func specialFilesInContainer(mode: Int, kind: String) throws {
        try containerWithExtraEntry("special.asice", name: "payment-order", system: 3, attributes: "\(mode) << 16")
        let result = try Shell.signtool(["verify", "--trust", pki.root, "special.asice"], in: work.url)
        #expect(result.status == 65, "\(result.stdout)")
        #expect(result.stderr.contains("payment-order is \(kind)"), "\(result.stderr)")
    }

    @Test("an output that cannot be created exits 73, as documented, and leaves nothing behind")
    func unwritableOutput() throws {
        let signer = try pki.issue("out", subject: "/CN=Output Signer")
        for target in ["no-such-directory/decision.p7s", "decision.txt/decision.p7s"] {
            let result = try sign(signer, ["--out", target])
            #expect(result.status == 73, "\(target): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains("cannot create"), "\(result.stderr)")
        }
        let asic = try sign(signer, ["--asic", "no-such-directory/decision.asice"])
        #expect(asic.status == 73, "\(asic.stderr)")
    }

    @Test("a 1 GiB file that is neither DER nor PEM, or whose DER header lies about its size, is refused without being read")
    func peekBeforeReading() throws {
        // Sparse files: 1 GiB on paper, nothing on disk.
        let garbage = work.path("garbage.p7s"), lying = work.path("lying.p7s")
        _ = FileManager.default.createFile(atPath: garbage, contents: Data("not a signature".utf8))
        _ = FileManager.default.createFile(atPath: lying, contents: Data([0x30, 0x82, 0x01, 0x00]))
        for path in [garbage, lying] { #expect(truncate(path, 1 << 30) == 0) }
        for (name, words) in [("garbage.p7s", "neither DER nor PEM"), ("lying.p7s", "bytes after its end")] {
            let started = Date()
            let result = try Shell.signtool(["verify", "--trust", pki.root, "--content", "decision.txt", name], in: work.url)
            #expect(result.status == 65, "\(name): \(result.stderr)")
            #expect(result.stderr.contains(words), "\(name): \(result.stderr)")
            #expect(Date().timeIntervalSince(started) < 5)
        }
    }

    @Test("every file in the data directory is 0600, the register's WAL files too")
    func dataDirectoryModes() throws {
        let ca = try TestAuthority()
        _ = try ca.issue("someone")
        var modes: [String: Int] = [:]
        let enumerator = FileManager.default.enumerator(atPath: ca.data)
        while let name = enumerator?.nextObject() as? String {
            let path = ca.data + "/" + name
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            modes[name] = Int(info.st_mode & 0o777)
        }
        #expect(modes.keys.contains("authority.sqlite"))
        for (name, mode) in modes { #expect(mode == 0o600, "\(name) is \(String(mode, radix: 8))") }
    }

    // MARK: Second hostile review

    @Test("an ASiC-E entry marked as a directory but holding data (Unix mode or DOS bit) is refused", arguments: ["unix", "dos"])
    func directoryEntryWithData(kind: String) throws {
        try containerWithExtraEntry("dir.asice", name: "evil.txt", system: kind == "unix" ? 3 : 0,
                                    attributes: kind == "unix" ? "0o040755 << 16" : "0x10", data: "PAY 1,000,000 TO ATTACKER")
        let result = try Shell.signtool(["verify", "--trust", pki.root, "dir.asice"], in: work.url)
        #expect(result.status == 65, "\(result.stdout) \(result.stderr)")
        #expect(result.stderr.contains("evil.txt is marked a directory"), "\(result.stderr)")
    }

    @Test("the CA refuses names with control or invisible characters; the report escapes such names from elsewhere")
    func invisibleCharactersInNames() throws {
        let ca = try TestAuthority()
        for (label, name) in [("newline", "Eve\\n  Signed by: Minister of Justice"), ("override", "Eve \\u202eyrtsiniM"),
                              ("nul", "Minister\\x00 (forged)")] {
            try ca.work.write("csr-\(label).py", """
                from cryptography import x509
                from cryptography.hazmat.primitives import hashes, serialization
                from cryptography.hazmat.primitives.asymmetric import ec
                from cryptography.x509.oid import NameOID
                key = ec.generate_private_key(ec.SECP256R1())
                csr = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([
                    x509.NameAttribute(NameOID.COMMON_NAME, "\(name)")])).sign(key, hashes.SHA256())
                open('\(label).csr', 'wb').write(csr.public_bytes(serialization.Encoding.PEM))
                """)
            #expect(try Shell.run("python3", ["csr-\(label).py"], in: ca.work.url).status == 0)
            let issued = try ca.run(["cert", "issue", "--profile", "official", "--csr", "\(label).csr", "--out", "\(label).pem"])
            #expect(issued.status == 65, "\(label): \(issued.stderr)")
            #expect(issued.stderr.contains("invisible or control character"), "\(label): \(issued.stderr)")
            #expect(!issued.stderr.dropLast().contains("\n"), "the message itself holds a line break: \(issued.stderr)")
        }
        // A certificate made elsewhere (openssl, no such checks) with a line break in its name.
        try work.write("forged.py", """
            import datetime
            from cryptography import x509
            from cryptography.hazmat.primitives import hashes, serialization
            from cryptography.hazmat.primitives.asymmetric import ec
            from cryptography.x509.oid import NameOID
            issuer_key = serialization.load_pem_private_key(open('\(pki.directory.path("issuing.key"))', 'rb').read(), None)
            issuer = x509.load_pem_x509_certificate(open('\(pki.issuing)', 'rb').read())
            key = ec.generate_private_key(ec.SECP256R1())
            now = datetime.datetime.now(datetime.timezone.utc)
            cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Eve\\n  Signed by: Minister")]))
                    .issuer_name(issuer.subject).public_key(key.public_key()).serial_number(4242)
                    .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
                    .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
                    .sign(issuer_key, hashes.SHA256()))
            open('eve.pem', 'wb').write(cert.public_bytes(serialization.Encoding.PEM))
            open('eve.key', 'wb').write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
            """)
        #expect(try Shell.run("python3", ["forged.py"], in: work.url).status == 0)
        try Shell.openssl(["cms", "-sign", "-binary", "-in", "decision.txt", "-signer", "eve.pem", "-inkey", "eve.key",
                           "-certfile", pki.chainFile, "-outform", "DER", "-out", "eve.p7s"], in: work.url)
        let report = try Shell.signtool(["verify", "--offline", "--trust", pki.root, "--content", "decision.txt", "eve.p7s"], in: work.url)
        #expect(!report.stdout.split(separator: "\n").contains { $0.hasPrefix("  Signed by: Minister") }, "\(report.stdout)")
        #expect(report.stdout.contains("Eve\\u{A}"), "\(report.stdout)")
    }

    @Test("embedded revocation data issued more than a day before the time it speaks for is not used")
    func staleEmbeddedCRL() throws {
        let signer = try pki.issue("stolen", subject: "/CN=Stolen Key")
        // A CRL issued three days ago and valid for a week: it cannot show what happened since.
        let formatter = DateFormatter()
        formatter.dateFormat = "yyMMddHHmmss'Z'"
        formatter.timeZone = TimeZone(identifier: "UTC")
        try Shell.openssl(["ca", "-config", "ca.cnf", "-gencrl", "-out", "old.crl",
                           "-crl_lastupdate", formatter.string(from: Date().addingTimeInterval(-3 * 86400)),
                           "-crl_nextupdate", formatter.string(from: Date().addingTimeInterval(4 * 86400))], in: pki.directory.url)
        #expect(try sign(signer).status == 0)
        try work.write("embed.py", """
            from asn1crypto import cms, crl, pem
            info = cms.ContentInfo.load(open('decision.txt.p7s', 'rb').read())
            data = open('\(pki.directory.path("old.crl"))', 'rb').read()
            if pem.detect(data): _, _, data = pem.unarmor(data)
            info['content']['crls'] = cms.RevocationInfoChoices([cms.RevocationInfoChoice(name='crl', value=crl.CertificateList.load(data))])
            open('with-old-crl.p7s', 'wb').write(info.dump(force=True))
            """)
        #expect(try Shell.run("python3", ["embed.py"], in: work.url).status == 0)
        let (result, report) = try verify(["--offline", "--content", "decision.txt", "with-old-crl.p7s"])
        let warnings = JSONFinding.list((report["signatures"] as? [[String: Any]])?.first?["warnings"]) ?? []
        #expect(warnings.contains { $0.code == "crlNotCurrent" && $0.message.contains("issued more than a day before") }, "\(result.stdout)")
        #expect(warnings.contains { $0.code == "revocationNotChecked" && $0.string("subject") == "CN=Stolen Key" }, "\(warnings)")
    }

    @Test("a signature timestamp whose token does not carry its TSA's certificate is no proof of existence")
    func timestampWithoutTSACertificate() throws {
        let ca = try TestAuthority()
        let server = try TestServer(authority: ca)
        let token = String(decoding: try Data(contentsOf: URL(fileURLWithPath: ca.data + "/service/tsa-token")), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let (key, cert) = try ca.issue("official")
        try ca.work.write("d.txt", "decision\n")
        let signed = try ca.run(["sign", "--key", key, "--cert", cert, "--chain", ca.issuing, "--tsa", server.url + "/tsa", "d.txt"],
                                environment: ["SIGNTOOL_TSA_TOKEN": token])
        #expect(signed.status == 0, "\(signed.stderr)")
        // Move the TSA certificate out of the token into the outer certificates, where anyone may put anything.
        try ca.work.write("strip.py", """
            from asn1crypto import cms, pem
            info = cms.ContentInfo.load(open('d.txt.p7s', 'rb').read())
            si = info['content']['signer_infos'][0]
            attrs = [a for a in si['unsigned_attrs']]
            moved = []
            for attribute in attrs:
                if attribute['type'].dotted == '1.2.840.113549.1.9.16.2.14':
                    tokens = []
                    for value in attribute['values']:
                        inner = value['content']
                        moved += [c for c in inner['certificates']]
                        inner['certificates'] = None
                        tokens.append(value)
                    attribute['values'] = tokens
            si['unsigned_attrs'] = cms.CMSAttributes(attrs)
            info['content']['certificates'] = cms.CertificateSet([c for c in info['content']['certificates']] + moved)
            open('stripped.p7s', 'wb').write(info.dump(force=True))
            """)
        let stripped = try Shell.run("python3", ["strip.py"], in: ca.work.url)
        #expect(stripped.status == 0, "\(stripped.stderr)")
        let before = try ca.run(["verify", "--json", "--offline", "--trust", ca.root, "--content", "d.txt", "d.txt.p7s"])
        #expect(before.stdout.contains("\"level\":\"B-T\""), "\(before.stdout)")
        let after = try ca.run(["verify", "--json", "--offline", "--trust", ca.root, "--content", "d.txt", "stripped.p7s"])
        #expect(after.stdout.contains("does not carry its TSA's certificate"), "\(after.stdout)")
        #expect(after.stdout.contains("\"level\":\"B-B\"") && after.stdout.contains("\"timestamp\":null"), "\(after.stdout)")
    }

    @Test("an intermediate that requires an explicit policy, in a path with none, fails path validation (RFC 5280 6.1)")
    func requireExplicitPolicy() throws {
        let d = work
        try d.write("policy.cnf", """
            [ ica ]
            basicConstraints = critical, CA:TRUE
            keyUsage = critical, keyCertSign, cRLSign
            policyConstraints = critical, requireExplicitPolicy:0
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid
            [ leaf ]
            basicConstraints = critical, CA:FALSE
            keyUsage = critical, digitalSignature, nonRepudiation
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid
            """)
        try Shell.openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ica.key",
                           "-out", "ica.csr", "-subj", "/CN=Policy Intermediate"], in: d.url)
        try Shell.openssl(["x509", "-req", "-in", "ica.csr", "-CA", pki.root, "-CAkey", pki.directory.path("root.key"),
                           "-set_serial", "77", "-days", "30", "-out", "ica.pem", "-extfile", "policy.cnf", "-extensions", "ica"], in: d.url)
        try Shell.openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "leaf.key",
                           "-out", "leaf.csr", "-subj", "/CN=Policy Signer"], in: d.url)
        try Shell.openssl(["x509", "-req", "-in", "leaf.csr", "-CA", "ica.pem", "-CAkey", "ica.key",
                           "-set_serial", "78", "-days", "30", "-out", "leaf.pem", "-extfile", "policy.cnf", "-extensions", "leaf"], in: d.url)
        try Shell.openssl(["cms", "-sign", "-binary", "-in", "decision.txt", "-signer", "leaf.pem", "-inkey", "leaf.key",
                           "-certfile", "ica.pem", "-outform", "DER", "-out", "policy.p7s"], in: d.url)
        let (result, report) = try verify(["--offline", "--content", "decision.txt", "policy.p7s"])
        #expect(result.status == 2, "\(result.stdout)")
        #expect(report["subIndication"] as? String == "CHAIN_CONSTRAINTS_FAILURE", "\(result.stdout)")
        #expect(result.stdout.contains("policy"), "\(result.stdout)")
    }
}
