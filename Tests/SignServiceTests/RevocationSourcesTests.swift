import Foundation
import Testing

/// Where `verify` finds revocation data online: OCSP responders (here OpenSSL's own) and
/// CRL distribution points, with downloaded CRLs kept on disk for a few minutes.
@Suite("revocation sources")
struct RevocationSourcesTests {
    /// An `openssl ocsp` responder over `index` (an `openssl ca` database), signing with
    /// the CA's own key; killed when the returned process is.
    func responder(index: String, port: Int, ca: String, in pki: TestPKI, extra: [String] = []) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "ocsp", "-index", index, "-port", "\(port)", "-rsigner", "\(ca).pem",
                             "-rkey", "\(ca).key", "-CA", "\(ca).pem", "-ignore_err"] + extra
        process.currentDirectoryURL = pki.directory.url
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: 0.5)
        return process
    }

    /// `openssl ocsp` keeps serving through SIGTERM, so it is killed outright.
    func stop(_ process: Process) {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// `openssl ocsp` rereads its index only after answering a request, so one query (answer
    /// ignored) lets it notice a revocation before `signtool` asks.
    func nudge(port: Int, about cert: String, in pki: TestPKI) throws {
        _ = try Shell.run("/usr/bin/env", ["openssl", "ocsp", "-issuer", "issuing.pem", "-cert", cert,
                                           "-url", "http://127.0.0.1:\(port)", "-noverify"], in: pki.directory.url)
    }

    /// A signer certificate that names only an OCSP responder (no CRL distribution point).
    func issueOCSPOnly(_ name: String, responderPort port: Int, in pki: TestPKI) throws {
        _ = try pki.directory.write("\(name).ext", """
            [ signer ]
            basicConstraints = critical, CA:FALSE
            keyUsage = critical, digitalSignature, nonRepudiation
            extendedKeyUsage = emailProtection
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid
            authorityInfoAccess = OCSP;URI:http://127.0.0.1:\(port)
            """)
        try Shell.openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(name).key",
                           "-out", "\(name).csr", "-subj", "/CN=OCSP Checked \(name)", "-config", "ca.cnf"], in: pki.directory.url)
        try Shell.openssl(["ca", "-batch", "-config", "ca.cnf", "-in", "\(name).csr", "-out", "\(name).pem", "-notext",
                           "-extfile", "\(name).ext", "-extensions", "signer"], in: pki.directory.url)
    }

    @Test("a certificate naming only an OCSP responder is checked there: openssl ocsp says good, then revoked")
    func openSSLResponder() throws {
        let pki = try TestPKI()
        let port = try TestServer.freePort()
        try issueOCSPOnly("Signer", responderPort: port, in: pki)
        let ocsp = try responder(index: "index.txt", port: port, ca: "issuing", in: pki)
        defer { stop(ocsp) }

        _ = try pki.directory.write("d.txt", "x\n")
        let work = pki.directory.url
        #expect(try Shell.signtool(["sign", "--key", "Signer.key", "--cert", "Signer.pem", "--chain", pki.chainFile, "d.txt"], in: work).status == 0)
        let good = try Shell.signtool(["verify", "--json", "--trust", pki.root, "d.txt.p7s"], in: work)
        #expect(good.status == 0, "\(good.stdout)")
        #expect(!good.stdout.contains("not checked for CN=OCSP Checked Signer") && !good.stdout.contains("could not be asked"),
                "\(good.stdout)")
        Thread.sleep(forTimeInterval: 1.1)
        try Shell.openssl(["ca", "-config", "ca.cnf", "-revoke", "Signer.pem", "-crl_reason", "keyCompromise"], in: work)
        try nudge(port: port, about: "Signer.pem", in: pki)
        let revoked = try Shell.signtool(["verify", "--json", "--trust", pki.root, "d.txt.p7s"], in: work)
        #expect(revoked.status == 2 && revoked.stdout.contains("REVOKED_NO_POE"), "\(revoked.stdout)")
        // Offline, nobody is asked.
        let offline = try Shell.signtool(["verify", "--json", "--offline", "--trust", pki.root, "d.txt.p7s"], in: work)
        #expect(offline.status == 0 && offline.stdout.contains("not checked for CN=OCSP Checked Signer"), "\(offline.stdout)")
    }

    /// A PKI whose issuing CA and signers name only OCSP responders, both running, and a
    /// chain file with the root (its key answers for the issuing CA).
    struct OCSPOnlyPKI {
        let pki: TestPKI
        let chain: String
        let issuingPort: Int
        let responders: [Process]
    }

    func ocspOnlyPKI(signers: [String], responderOptions: [String] = []) throws -> OCSPOnlyPKI {
        let rootPort = try TestServer.freePort(), issuingPort = try TestServer.freePort()
        let pki = try TestPKI(issuingCAOCSP: "http://127.0.0.1:\(rootPort)")
        // The root's responder knows the issuing CA (serial 02) as valid.
        _ = try pki.directory.write("root-index.txt", "V\t491231235959Z\t\t02\tunknown\t/C=SY/O=Test/CN=Test Issuing CA\n")
        for name in signers { try issueOCSPOnly(name, responderPort: issuingPort, in: pki) }
        let responders = [try responder(index: "root-index.txt", port: rootPort, ca: "root", in: pki, extra: responderOptions),
                          try responder(index: "index.txt", port: issuingPort, ca: "issuing", in: pki, extra: responderOptions)]
        let chain = try pki.directory.write("chain.pem", try String(contentsOfFile: pki.issuing, encoding: .utf8)
                                                + String(contentsOfFile: pki.root, encoding: .utf8))
        return OCSPOnlyPKI(pki: pki, chain: chain, issuingPort: issuingPort, responders: responders)
    }

    /// A signtool CA serving timestamps (optionally under libfaketime), with its TSA token.
    func timestampService(preload: [String: String] = [:]) throws -> (TestAuthority, TestServer, [String: String]) {
        let port = try TestServer.freePort()
        let ca = try TestAuthority(publicURL: "http://127.0.0.1:\(port)")
        let server = try TestServer(authority: ca, port: port, preload: preload)
        let token = try String(contentsOfFile: ca.data + "/service/tsa-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return (ca, server, ["SIGNTOOL_TSA_TOKEN": token, "SIGNTOOL_TSA_TRUST": ca.root])
    }

    @Test("B-LT from OCSP alone: responses embedded (RFC 5940), co-signable, openssl cms accepts, verify --offline decides; a revoked signer is refused")
    func baselineLTFromOCSP() throws {
        let setup = try ocspOnlyPKI(signers: ["First", "Second", "Third"])
        let pki = setup.pki, chain = setup.chain
        defer { setup.responders.forEach(stop) }
        let (ca, server, environment) = try timestampService()
        let work = pki.directory.url
        _ = try pki.directory.write("roots.pem", try String(contentsOfFile: pki.root, encoding: .utf8)
                                        + String(contentsOfFile: ca.root, encoding: .utf8))
        _ = try pki.directory.write("d.txt", "decision\n")

        let first = try Shell.signtool(["sign", "--key", "First.key", "--cert", "First.pem", "--chain", chain,
                                        "--tsa", server.url + "/tsa", "--level", "LT", "d.txt"], in: work, environment: environment)
        #expect(first.status == 0, "\(first.stderr)")
        let second = try Shell.signtool(["sign", "--key", "Second.key", "--cert", "Second.pem", "--chain", chain,
                                         "--tsa", server.url + "/tsa", "--level", "LT", "--add-to", "d.txt.p7s", "d.txt"],
                                        in: work, environment: environment)
        #expect(second.status == 0, "\(second.stderr)")

        // A revoked signer gets exit 78 and no file.
        Thread.sleep(forTimeInterval: 1.1)
        try Shell.openssl(["ca", "-config", "ca.cnf", "-revoke", "Third.pem", "-crl_reason", "keyCompromise"], in: work)
        try nudge(port: setup.issuingPort, about: "Third.pem", in: pki)
        let refused = try Shell.signtool(["sign", "--key", "Third.key", "--cert", "Third.pem", "--chain", chain,
                                          "--tsa", server.url + "/tsa", "--level", "LT", "--out", "third.p7s", "d.txt"],
                                         in: work, environment: environment)
        #expect(refused.status == 78 && refused.stderr.contains("was revoked") && !pki.directory.exists("third.p7s"),
                "\(refused.status) \(refused.stderr)")

        server.stop()
        setup.responders.forEach(stop)
        let verified = try Shell.signtool(["verify", "--json", "--offline", "--trust", "roots.pem", "d.txt.p7s"], in: work)
        #expect(verified.status == 0, "\(verified.stdout)")
        let object = try JSONSerialization.jsonObject(with: Data(verified.stdout.utf8)) as? [String: Any]
        let signatures = object?["signatures"] as? [[String: Any]] ?? []
        #expect(signatures.count == 2)
        #expect(signatures.allSatisfy { $0["level"] as? String == "B-LT" && JSONFinding.list($0["warnings"])?.isEmpty == true }, "\(verified.stdout)")
        // OpenSSL reads the SignedData (version 5, other revocation formats) and its signatures.
        let openssl = try Shell.run("/usr/bin/env", ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", "d.txt.p7s",
                                                     "-content", "d.txt", "-CAfile", "roots.pem", "-purpose", "any", "-out", "/dev/null"],
                                    in: work)
        #expect(openssl.status == 0, "\(openssl.stderr)")
        let printed = try Shell.run("/usr/bin/env", ["openssl", "cms", "-cmsout", "-print", "-inform", "DER", "-in", "d.txt.p7s"], in: work)
        #expect(printed.stdout.contains("version: 5") && printed.stdout.contains("otherRevInfoFormat: undefined (1.3.6.1.5.5.7.16.2)"), "\(printed.stdout.prefix(3000))")
    }

    @Test("an embedded OCSP response that expired before the signature timestamp does not count: B-T, with a note")
    func staleEmbeddedOCSP() throws {
        // The TSA runs two hours ahead (libfaketime); the responders' answers last 30 minutes,
        // so they are current when signing but no longer at the timestamp's time.
        let library = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
        guard FileManager.default.fileExists(atPath: library) else {
            Issue.record("\(library) is missing: install the faketime package (scripts/install-deps.sh does)")
            return
        }
        let setup = try ocspOnlyPKI(signers: ["Signer"], responderOptions: ["-nmin", "30"])
        defer { setup.responders.forEach(stop) }
        let (ca, server, environment) = try timestampService(preload: ["LD_PRELOAD": library, "FAKETIME": "+2h",
                                                                       "FAKETIME_DONT_FAKE_MONOTONIC": "1"])
        let work = setup.pki.directory.url
        _ = try setup.pki.directory.write("roots.pem", try String(contentsOfFile: setup.pki.root, encoding: .utf8)
                                              + String(contentsOfFile: ca.root, encoding: .utf8))
        _ = try setup.pki.directory.write("d.txt", "decision\n")
        let signed = try Shell.signtool(["sign", "--key", "Signer.key", "--cert", "Signer.pem", "--chain", setup.chain,
                                         "--tsa", server.url + "/tsa", "--level", "LT", "d.txt"], in: work, environment: environment)
        #expect(signed.status == 0, "\(signed.stderr)")
        server.stop()
        let verified = try Shell.signtool(["verify", "--json", "--offline", "--trust", "roots.pem", "d.txt.p7s"], in: work)
        let object = try JSONSerialization.jsonObject(with: Data(verified.stdout.utf8)) as? [String: Any]
        let signature = (object?["signatures"] as? [[String: Any]])?.first ?? [:]
        let warnings = JSONFinding.list(signature["warnings"]) ?? []
        #expect(signature["level"] as? String == "B-T", "\(verified.stdout)")
        #expect(warnings.contains { $0.code == "ocspResponseNotCurrent" && $0.string("subject") == "CN=OCSP Checked Signer" }, "\(warnings)")
        #expect(warnings.contains { $0.code == "revocationNotChecked" && $0.string("subject") == "CN=OCSP Checked Signer" }, "\(warnings)")
    }

    @Test("a downloaded CRL is kept on disk: a second run a moment later needs no server")
    func diskCache() throws {
        let port = try TestServer.freePort()
        let ca = try TestAuthority(publicURL: "http://127.0.0.1:\(port)")
        let server = try TestServer(authority: ca, port: port)
        let (key, cert) = try ca.issue("cached")
        _ = try ca.work.write("d.txt", "x\n")
        #expect(try ca.run(["sign", "--key", key, "--cert", cert, "--chain", ca.issuing, "d.txt"]).status == 0)
        let first = try ca.run(["verify", "--json", "--trust", ca.root, "d.txt.p7s"])
        #expect(first.status == 0 && first.stdout.contains("\"warnings\":[]"), "\(first.stdout)")
        server.stop()
        let second = try ca.run(["verify", "--json", "--trust", ca.root, "d.txt.p7s"])
        #expect(second.status == 0 && second.stdout.contains("\"warnings\":[]"), "\(second.stdout)")
        let files = try FileManager.default.contentsOfDirectory(atPath: ca.work.path("cache/signtool/crl"))
        #expect(files.count == 2, "\(files)")
    }
}
