import Foundation
import Testing

/// CAdES B-T and B-LT: timestamps as proof of existence, embedded revocation values.
@Suite("long-term signatures")
struct LongTermSignatureTests {
    /// A CA whose certificates point at a server running on its public URL.
    func servedAuthority() throws -> (TestAuthority, TestServer, [String: String]) {
        let port = try TestServer.freePort()
        let ca = try TestAuthority(publicURL: "http://127.0.0.1:\(port)")
        let server = try TestServer(authority: ca, port: port, logPath: ca.work.path("serve.log"))
        let token = String(decoding: try Data(contentsOf: URL(fileURLWithPath: ca.data + "/service/tsa-token")), as: UTF8.self)
        return (ca, server, ["SIGNTOOL_TSA_TOKEN": token.trimmingCharacters(in: .whitespacesAndNewlines)])
    }

    func report(_ result: CommandResult) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return ((object?["signatures"] as? [[String: Any]])?.first) ?? [:]
    }

    @Test("sign --tsa makes B-T: openssl cms accepts it, verify reports the timestamp and level")
    func baselineT() throws {
        let (ca, server, tsa) = try servedAuthority()
        let (key, cert) = try ca.issue("official")
        _ = try ca.work.write("d.txt", "قرار\n")
        let signed = try ca.run(["sign", "--key", key, "--cert", cert, "--chain", ca.issuing, "--tsa", server.url + "/tsa", "d.txt"],
                                environment: tsa)
        #expect(signed.status == 0, "\(signed.stderr)")
        try Shell.openssl(["cms", "-verify", "-binary", "-inform", "DER", "-in", "d.txt.p7s", "-content", "d.txt",
                           "-CAfile", ca.root, "-purpose", "any", "-out", "/dev/null"], in: ca.work.url)
        let printed = try Shell.openssl(["cms", "-cmsout", "-print", "-inform", "DER", "-in", "d.txt.p7s"], in: ca.work.url).stdout
        #expect(printed.contains("id-smime-aa-timeStampToken"))
        let verified = try ca.run(["verify", "--json", "--trust", ca.root, "d.txt.p7s"])
        #expect(verified.status == 0, "\(verified.stdout)")
        let signature = try report(verified)
        #expect(signature["level"] as? String == "B-T")
        let stamp = signature["timestamp"] as? [String: Any]
        #expect((stamp?["tsa"] as? String)?.contains("Time-Stamping Authority") == true)
        #expect(stamp?["time"] is String)
        // Without a TSA token the signature is not made at all.
        let refused = try ca.run(["sign", "--key", key, "--cert", cert, "--tsa", server.url + "/tsa", "--out", "x.p7s", "d.txt"])
        #expect(refused.status == 76 && !ca.work.exists("x.p7s"), "\(refused.stderr)")
    }

    @Test("a timestamp whose TSA certificate was revoked is no proof of existence: the signature drops to B-B, with a note")
    func revokedTimestampAuthority() throws {
        let (ca, server, tsa) = try servedAuthority()
        let (key, cert) = try ca.issue("official")
        _ = try ca.work.write("d.txt", "x\n")
        #expect(try ca.run(["sign", "--key", key, "--cert", cert, "--chain", ca.issuing, "--tsa", server.url + "/tsa", "d.txt"],
                           environment: tsa).status == 0)
        let before = try report(try ca.run(["verify", "--json", "--trust", ca.root, "d.txt.p7s"]))
        #expect(before["level"] as? String == "B-T" && JSONFinding.list(before["warnings"])?.isEmpty == true, "\(before)")
        let serial = try ca.serial(of: ca.data + "/service/tsa.pem")
        #expect(try ca.run(["cert", "revoke", "--serial", serial, "--reason", "keyCompromise"]).status == 0)
        // The CRL fetched a moment ago is kept for five minutes; --no-cache fetches the new one.
        let after = try ca.run(["verify", "--json", "--no-cache", "--trust", ca.root, "d.txt.p7s"])
        #expect(after.status == 0, "\(after.stdout)")
        let signature = try report(after)
        #expect(signature["level"] as? String == "B-B" && signature["timestamp"] is NSNull, "\(signature)")
        #expect(JSONFinding.list(signature["warnings"])?.contains {
            $0.code == "tsaRevokedNotUsed" && $0.string("tsa")?.contains("Time-Stamping Authority") == true && $0.param("revokedAt") is String
        } == true, "\(signature)")
    }

    @Test("a certificate that expires after the timestamp: B-T passes, B-B is OUT_OF_BOUNDS_NO_POE")
    func expiredAfterTimestamp() throws {
        let (ca, server, tsa) = try servedAuthority()
        let (key, cert) = try ca.issue("short", extra: ["--not-after", "+3s"])
        _ = try ca.work.write("d.txt", "x\n")
        #expect(try ca.run(["sign", "--key", key, "--cert", cert, "--tsa", server.url + "/tsa", "--out", "t.p7s", "d.txt"],
                           environment: tsa).status == 0)
        #expect(try ca.run(["sign", "--key", key, "--cert", cert, "--out", "b.p7s", "d.txt"]).status == 0)
        Thread.sleep(forTimeInterval: 4.5)
        let withProof = try ca.run(["verify", "--json", "--trust", ca.root, "--untrusted", ca.issuing, "--content", "d.txt", "t.p7s"])
        #expect(withProof.status == 0, "\(withProof.stdout)")
        let withoutProof = try ca.run(["verify", "--json", "--trust", ca.root, "--untrusted", ca.issuing, "--content", "d.txt", "b.p7s"])
        #expect(withoutProof.status == 2)
        #expect(try report(withoutProof)["subIndication"] as? String == "OUT_OF_BOUNDS_NO_POE")
        // The Arabic report says both in Arabic, certificate names kept as written.
        let arabic = try ca.run(["verify", "--lang", "ar", "--trust", ca.root, "--untrusted", ca.issuing, "--content", "d.txt", "t.p7s"])
        #expect(arabic.stdout.contains("ملاحظة: انتهت صلاحية الشهادة CN=short, O=Test, C=SY في ")
                && arabic.stdout.contains("، بعد الختم الزمني للتوقيع"), "\(arabic.stdout)")
        let arabicNoProof = try ca.run(["verify", "--lang", "ar", "--trust", ca.root, "--untrusted", ca.issuing, "--content", "d.txt", "b.p7s"])
        #expect(arabicNoProof.stdout.contains("ولا دليل على أن التوقيع وُجد أثناء سريانها"), "\(arabicNoProof.stdout)")
    }

    @Test("revoked after the timestamp: B-T passes, B-B is REVOKED_NO_POE; the CRL is fetched from the certificate's address")
    func revokedAfterTimestamp() throws {
        let (ca, server, tsa) = try servedAuthority()
        let (key, cert) = try ca.issue("revoked")
        _ = try ca.work.write("d.txt", "x\n")
        #expect(try ca.run(["sign", "--key", key, "--cert", cert, "--chain", ca.issuing, "--tsa", server.url + "/tsa",
                            "--out", "t.p7s", "d.txt"], environment: tsa).status == 0)
        #expect(try ca.run(["sign", "--key", key, "--cert", cert, "--chain", ca.issuing, "--out", "b.p7s", "d.txt"]).status == 0)
        Thread.sleep(forTimeInterval: 1.1)
        #expect(try ca.run(["cert", "revoke", "--serial", try ca.serial(of: cert), "--reason", "keyCompromise"]).status == 0)
        let withProof = try ca.run(["verify", "--json", "--trust", ca.root, "--content", "d.txt", "t.p7s"])
        #expect(withProof.status == 0, "\(withProof.stdout)")
        #expect(JSONFinding.list(try report(withProof)["warnings"])?.contains { $0.code == "revokedAfterTimestamp" } == true, "\(withProof.stdout)")
        let withoutProof = try ca.run(["verify", "--json", "--trust", ca.root, "--content", "d.txt", "b.p7s"])
        #expect(withoutProof.status == 2, "\(withoutProof.stdout)")
        #expect(try report(withoutProof)["subIndication"] as? String == "REVOKED_NO_POE")
        // Offline, nothing says it was revoked: the signature passes with a note that revocation was not checked.
        let offline = try ca.run(["verify", "--json", "--offline", "--trust", ca.root, "--content", "d.txt", "b.p7s"])
        #expect(offline.status == 0)
        #expect(JSONFinding.list(try report(offline)["warnings"])?.contains { $0.code == "revocationNotChecked" } == true, "\(offline.stdout)")
    }

    @Test("--level LT embeds the chain's CRLs: verify --offline decides with nothing but the file, server stopped")
    func baselineLTOffline() throws {
        let (ca, server, tsa) = try servedAuthority()
        let (key, cert) = try ca.issue("archived")
        _ = try ca.work.write("d.txt", "x\n")
        // Without the root, the issuing CA's CRL (signed by the root) cannot be checked.
        let withoutRoot = try ca.run(["sign", "--key", key, "--cert", cert, "--chain", ca.issuing, "--tsa", server.url + "/tsa",
                                      "--level", "LT", "d.txt"], environment: tsa)
        #expect(withoutRoot.status == 68 && withoutRoot.stderr.contains("add the root"), "\(withoutRoot.stderr)")
        #expect(!ca.work.exists("d.txt.p7s"))
        let chain = try ca.work.write("chain.pem", try String(contentsOfFile: ca.issuing, encoding: .utf8)
                                          + String(contentsOfFile: ca.root, encoding: .utf8))
        let signed = try ca.run(["sign", "--key", key, "--cert", cert, "--chain", chain, "--tsa", server.url + "/tsa",
                                 "--level", "LT", "d.txt"], environment: tsa)
        #expect(signed.status == 0, "\(signed.stderr)")
        server.stop()
        let verified = try ca.run(["verify", "--json", "--offline", "--trust", ca.root, "d.txt.p7s"])
        #expect(verified.status == 0, "\(verified.stdout)")
        let signature = try report(verified)
        #expect(signature["level"] as? String == "B-LT")
        #expect(JSONFinding.list(signature["warnings"])?.isEmpty == true, "\(signature)")
        try Shell.openssl(["cms", "-verify", "-binary", "-inform", "DER", "-in", "d.txt.p7s", "-content", "d.txt",
                           "-CAfile", ca.root, "-purpose", "any", "-crl_check_all", "-out", "/dev/null"], in: ca.work.url)
        // B-LT without a TSA is refused before anything is written.
        let refused = try ca.run(["sign", "--key", key, "--cert", cert, "--level", "LT", "--out", "y.p7s", "d.txt"])
        #expect(refused.status == 64 && !ca.work.exists("y.p7s"))
    }

    @Test("a co-signature can carry its own timestamp")
    func coSignWithTimestamp() throws {
        let (ca, server, tsa) = try servedAuthority()
        let first = try ca.issue("first")
        let second = try ca.issue("second")
        _ = try ca.work.write("d.txt", "x\n")
        #expect(try ca.run(["sign", "--key", first.key, "--cert", first.cert, "--chain", ca.issuing, "d.txt"]).status == 0)
        let cosigned = try ca.run(["sign", "--key", second.key, "--cert", second.cert, "--chain", ca.issuing, "--tsa", server.url + "/tsa",
                                   "--add-to", "d.txt.p7s", "d.txt"], environment: tsa)
        #expect(cosigned.status == 0, "\(cosigned.stderr) \((try? String(contentsOfFile: ca.work.path("serve.log"), encoding: .utf8)) ?? "")")
        let verified = try ca.run(["verify", "--json", "--trust", ca.root, "d.txt.p7s"])
        #expect(verified.status == 0, "\(verified.stdout)")
        let object = try JSONSerialization.jsonObject(with: Data(verified.stdout.utf8)) as? [String: Any]
        let levels = (object?["signatures"] as? [[String: Any]])?.compactMap { $0["level"] as? String }
        #expect(levels?.sorted() == ["B-B", "B-T"], "\(verified.stdout)")
    }
}
