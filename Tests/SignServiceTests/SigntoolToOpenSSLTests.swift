import Foundation
import Testing

/// Signatures made by `signtool sign` are accepted by `openssl cms -verify`.
@Suite("signtool sign → openssl cms -verify")
struct SigntoolToOpenSSLTests {
    let pki: TestPKI
    let work: ScratchDirectory

    init() throws {
        pki = try TestPKI()
        work = try ScratchDirectory()
        try work.write("decision.txt", "قرار رقم 17/2026\n")
    }

    private func opensslVerify(_ signature: String, content: String?) throws -> CommandResult {
        var arguments = ["cms", "-verify", "-binary", "-inform", "DER", "-in", signature, "-CAfile", pki.root,
                         "-purpose", "any", "-out", "/dev/null"]
        if let content { arguments += ["-content", content] }
        return try Shell.run("openssl", arguments, in: work.url)
    }

    @Test("single signatures verify with openssl, with the CAdES signed attributes",
          arguments: ["p256", "p384", "rsa", "pss"])
    func singleSignature(kind: String) throws {
        let key: TestPKI.KeyType = kind == "p256" ? .p256 : kind == "p384" ? .p384 : .rsa(2048)
        let signer = try pki.issue("s-\(kind)", subject: "/C=SY/O=وزارة الصناعة/CN=مسؤول \(kind)", key: key)
        var arguments = ["sign", "--key", signer.key, "--cert", signer.cert, "--chain", pki.chainFile, "decision.txt"]
        if kind == "pss" { arguments.insert("--pss", at: 1) }
        let signed = try Shell.signtool(arguments, in: work.url)
        #expect(signed.status == 0, "\(signed.stderr)")
        #expect(work.exists("decision.txt.p7s"))

        let checked = try opensslVerify("decision.txt.p7s", content: "decision.txt")
        #expect(checked.status == 0, "\(checked.stderr)")

        let dump = try Shell.run("openssl", ["cms", "-cmsout", "-print", "-inform", "DER", "-in", "decision.txt.p7s"],
                                 in: work.url).stdout
        for attribute in ["contentType", "messageDigest", "signingTime", "id-smime-aa-signingCertificateV2"] {
            #expect(dump.contains("object: \(attribute)"), "missing signed attribute \(attribute)")
        }
        // OpenSSL re-encodes it to the very same bytes: the encoding is canonical DER.
        let reencoded = try Shell.run("openssl", ["cms", "-cmsout", "-inform", "DER", "-outform", "DER",
                                                  "-in", "decision.txt.p7s", "-out", "again.der"], in: work.url)
        #expect(reencoded.status == 0)
        #expect(try work.read("again.der") == work.read("decision.txt.p7s"))
        // Detached: no eContent.
        #expect(dump.contains("eContent: <ABSENT>"))
        if kind == "pss" { #expect(dump.contains("rsassaPss")) }
        // The issuing CA is embedded so a verifier needs only the root.
        #expect(dump.contains("Test Issuing CA"))
    }

    @Test("an attached signature carries the document and verifies with openssl")
    func attachedSignature() throws {
        let signer = try pki.issue("att", subject: "/CN=Attached Signer")
        let signed = try Shell.signtool(["sign", "--attached", "--key", signer.key, "--cert", signer.cert,
                                         "--chain", pki.chainFile, "--out", "decision.p7m", "decision.txt"], in: work.url)
        #expect(signed.status == 0, "\(signed.stderr)")
        let extracted = try Shell.run("openssl", ["cms", "-verify", "-binary", "-inform", "DER", "-in", "decision.p7m",
                                                  "-CAfile", pki.root, "-purpose", "any"], in: work.url)
        #expect(extracted.status == 0, "\(extracted.stderr)")
        #expect(extracted.stdout == "قرار رقم 17/2026\n")
    }

    @Test("a co-signed decision keeps the first signature and verifies with openssl")
    func coSigned() throws {
        let adviser = try pki.issue("adviser", subject: "/CN=Legal Adviser")
        let minister = try pki.issue("minister", subject: "/CN=Minister", key: .rsa(2048))
        #expect(try Shell.signtool(["sign", "--key", adviser.key, "--cert", adviser.cert, "--chain", pki.chainFile,
                                    "decision.txt"], in: work.url).status == 0)
        let first = try work.read("decision.txt.p7s")
        let cosigned = try Shell.signtool(["sign", "--key", minister.key, "--cert", minister.cert, "--chain", pki.chainFile,
                                           "--pss", "--add-to", "decision.txt.p7s", "decision.txt"], in: work.url)
        #expect(cosigned.status == 0, "\(cosigned.stderr)")
        #expect(try work.read("decision.txt.p7s") != first)

        let checked = try opensslVerify("decision.txt.p7s", content: "decision.txt")
        #expect(checked.status == 0, "\(checked.stderr)")
        let dump = try Shell.run("openssl", ["cms", "-cmsout", "-print", "-inform", "DER", "-in", "decision.txt.p7s"],
                                 in: work.url).stdout
        #expect(dump.components(separatedBy: "signatureAlgorithm:").count - 1 == 2)

        let report = try Shell.signtool(["verify", "--json", "--trust", pki.root, "decision.txt.p7s"], in: work.url)
        #expect(report.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any]
        let names = (object?["signatures"] as? [[String: Any]])?.compactMap { ($0["signer"] as? [String: Any])?["commonName"] as? String }
        #expect(names == ["Legal Adviser", "Minister"])
    }

    @Test("co-signing a different document is refused and leaves the signature unchanged")
    func coSignWrongDocument() throws {
        let adviser = try pki.issue("adviser", subject: "/CN=Legal Adviser")
        let minister = try pki.issue("minister", subject: "/CN=Minister")
        #expect(try Shell.signtool(["sign", "--key", adviser.key, "--cert", adviser.cert, "decision.txt"], in: work.url).status == 0)
        let before = try work.read("decision.txt.p7s")
        try work.write("other.txt", "another decision\n")
        let result = try Shell.signtool(["sign", "--key", minister.key, "--cert", minister.cert,
                                         "--add-to", "decision.txt.p7s", "other.txt"], in: work.url)
        #expect(result.status == 69)
        #expect(result.stderr.contains("does not sign this document"))
        #expect(try work.read("decision.txt.p7s") == before)
    }
}
