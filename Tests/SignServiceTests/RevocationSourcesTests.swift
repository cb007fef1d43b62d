import Foundation
import Testing

/// Where `verify` finds revocation data online: OCSP responders (here OpenSSL's own) and
/// CRL distribution points, with downloaded CRLs kept on disk for a few minutes.
@Suite("revocation sources")
struct RevocationSourcesTests {
    @Test("a certificate naming only an OCSP responder is checked there: openssl ocsp says good, then revoked")
    func openSSLResponder() throws {
        let pki = try TestPKI()
        let port = try TestServer.freePort()
        _ = try pki.directory.write("ocsp.ext", """
            [ signer ]
            basicConstraints = critical, CA:FALSE
            keyUsage = critical, digitalSignature, nonRepudiation
            extendedKeyUsage = emailProtection
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid
            authorityInfoAccess = OCSP;URI:http://127.0.0.1:\(port)
            """)
        try Shell.openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "signer.key",
                           "-out", "signer.csr", "-subj", "/CN=OCSP Checked Signer", "-config", "ca.cnf"], in: pki.directory.url)
        try Shell.openssl(["ca", "-batch", "-config", "ca.cnf", "-in", "signer.csr", "-out", "signer.pem", "-notext",
                           "-extfile", "ocsp.ext", "-extensions", "signer"], in: pki.directory.url)
        let responder = Process()
        responder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        responder.arguments = ["openssl", "ocsp", "-index", "index.txt", "-port", "\(port)", "-rsigner", "issuing.pem",
                               "-rkey", "issuing.key", "-CA", "issuing.pem", "-ignore_err"]
        responder.currentDirectoryURL = pki.directory.url
        responder.standardOutput = FileHandle.nullDevice
        responder.standardError = FileHandle.nullDevice
        try responder.run()
        // `openssl ocsp` keeps serving through SIGTERM, so it is killed outright.
        defer { kill(responder.processIdentifier, SIGKILL); responder.waitUntilExit() }
        Thread.sleep(forTimeInterval: 0.5)

        _ = try pki.directory.write("d.txt", "x\n")
        let work = pki.directory.url
        #expect(try Shell.signtool(["sign", "--key", "signer.key", "--cert", "signer.pem", "--chain", pki.chainFile, "d.txt"], in: work).status == 0)
        let good = try Shell.signtool(["verify", "--json", "--trust", pki.root, "d.txt.p7s"], in: work)
        #expect(good.status == 0, "\(good.stdout)")
        #expect(!good.stdout.contains("not checked for CN=OCSP Checked Signer") && !good.stdout.contains("OCSP responder could not"),
                "\(good.stdout)")
        Thread.sleep(forTimeInterval: 1.1)
        try Shell.openssl(["ca", "-config", "ca.cnf", "-revoke", "signer.pem", "-crl_reason", "keyCompromise"], in: work)
        Thread.sleep(forTimeInterval: 0.3)
        // `openssl ocsp` rereads its index only after answering a request, so one query
        // (answer ignored) lets it notice the revocation before `verify` asks.
        _ = try Shell.run("/usr/bin/env", ["openssl", "ocsp", "-issuer", "issuing.pem", "-cert", "signer.pem",
                                           "-url", "http://127.0.0.1:\(port)", "-noverify"], in: work)
        let revoked = try Shell.signtool(["verify", "--json", "--trust", pki.root, "d.txt.p7s"], in: work)
        #expect(revoked.status == 2 && revoked.stdout.contains("REVOKED_NO_POE"), "\(revoked.stdout)")
        // Offline, nobody is asked.
        let offline = try Shell.signtool(["verify", "--json", "--offline", "--trust", pki.root, "d.txt.p7s"], in: work)
        #expect(offline.status == 0 && offline.stdout.contains("not checked for CN=OCSP Checked Signer"), "\(offline.stdout)")
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
