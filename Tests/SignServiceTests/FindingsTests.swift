import Findings
import Foundation
import SignService
import Testing

/// Findings: every code worded in English and Arabic, JSON that a later version can still
/// render, and the real CLI reporting codes, parameters and messages.
@Suite("findings")
struct FindingsTests {
    /// Latin words an Arabic sentence may carry: standards, formats, protocols, the names of
    /// extensions, key usages and ASN.1 types, and signtool's option names.
    static let allowedLatin: Set<String> = [
        "CRL", "OCSP", "CMS", "CAdES", "TSA", "DER", "PEM", "RFC", "ASiC", "ASiCManifest", "META", "INF", "xml",
        "digitalSignature", "nonRepudiation", "keyCertSign", "documentSigning", "emailProtection", "anyExtendedKeyUsage",
        "extendedKeyUsage", "subjectAltName", "basicConstraints", "UTCTime", "GeneralizedTime", "OCTET", "STRING", "ESS",
        "SigningCertificate", "SignedData", "digestAlgorithms", "DNS", "IP", "RSA", "EC", "DSA", "SHA", "TLS", "crl", "offline",
    ]

    /// Sample values for a code's parameters (optional ones only when asked).
    static func samples(for code: Finding.Code, includingOptional: Bool = true) -> [String: Finding.Parameter] {
        var params: [String: Finding.Parameter] = [:]
        for (index, spec) in code.parameters.enumerated() where includingOptional || !spec.optional {
            switch spec.kind {
            case .text: params[spec.name] = .text("sample text \(index)")
            case .name: params[spec.name] = .name("CN=Sample Name \(index), O=Ministry")
            case .time: params[spec.name] = .time(Date(timeIntervalSince1970: 1_790_000_000 + Double(index)))
            case .serial: params[spec.name] = .serial("0A1B\(index)")
            case .number: params[spec.name] = .number(40 + index)
            case .list: params[spec.name] = .list(["first-\(index).txt", "second-\(index).pdf"])
            }
        }
        return params
    }

    /// Runs of two or more Latin letters in `text`, once the parameters' values are taken
    /// out, that are not among the allowed tokens.
    static func englishWords(in text: String, removing params: [String: Finding.Parameter]) -> [String] {
        var stripped = text
        for value in params.values.map({ $0.rendered(in: .ar) }).sorted(by: { $0.count > $1.count }) {
            stripped = stripped.replacingOccurrences(of: value, with: " ")
        }
        var words: [String] = []
        var current = ""
        for scalar in stripped.unicodeScalars {
            if ("A"..."Z").contains(scalar) || ("a"..."z").contains(scalar) {
                current.unicodeScalars.append(scalar)
            } else {
                if current.count >= 2 { words.append(current) }
                current = ""
            }
        }
        if current.count >= 2 { words.append(current) }
        return words.filter { !allowedLatin.contains($0) }
    }

    static func hasArabic(_ text: String) -> Bool { text.unicodeScalars.contains { (0x0600...0x06FF).contains($0.value) } }

    /// Arabic lines of a report that are English sentences: three or more English words in a row.
    static func englishSentences(in output: String) -> [String] {
        output.split(separator: "\n").map(String.init).filter { line in
            line.range(of: #"\b[a-z]{2,}('s)? [a-z]{2,} [a-z]{2,}\b"#, options: .regularExpression) != nil
        }
    }

    @Test("every code has an English and an Arabic sentence: no placeholder left, no English word in the Arabic")
    func everyCodeInBothLanguages() throws {
        let codes = Finding.Code.allCases
        #expect(codes.count >= 100)
        #expect(Set(codes).count == codes.count, "a code is listed twice")
        for code in codes {
            #expect(code.rawValue.range(of: "^[a-z][A-Za-z0-9]*$", options: .regularExpression) != nil, "\(code): not camelCase")
            for includingOptional in [true, false] {
                let params = Self.samples(for: code, includingOptional: includingOptional)
                let finding = Finding(code, params)
                let english = finding.render(in: .en), arabic = finding.render(in: .ar)
                #expect(english == finding.message)
                for text in [english, arabic] {
                    #expect(!text.isEmpty && !text.contains("{") && !text.contains("}") && !text.contains("[") && !text.contains("]"),
                            "\(code): a placeholder is left in \(text)")
                }
                for (key, value) in params {
                    #expect(english.contains(value.rendered(in: .en)), "\(code): the English sentence does not name \(key)")
                    // Library texts (a network error in English) are left out of the Arabic
                    // sentence; names, times, numbers and lists never are.
                    if key != "reason" {
                        #expect(arabic.contains(value.rendered(in: .ar)), "\(code): the Arabic sentence does not name \(key)")
                    }
                }
                #expect(Self.hasArabic(arabic), "\(code): no Arabic in \(arabic)")
                #expect(!Self.hasArabic(english), "\(code): Arabic in the English \(english)")
                let words = Self.englishWords(in: arabic, removing: params)
                #expect(words.isEmpty, "\(code): English in the Arabic sentence: \(words) in \(arabic)")
            }
        }
    }

    @Test("parameters hold raw text; rendering escapes line breaks and bidi overrides")
    func hostileParameters() throws {
        let hostile = "CN=Evil\u{202E}txt.exe\nsigned: VALID"
        let finding = Finding(.signatureTimestampWithoutTSACertificate, ["tsa": .name(hostile)])
        #expect(finding.params["tsa"] == .name(hostile))
        for language in Language.allCases {
            let text = finding.render(in: language)
            #expect(!text.contains("\n") && !text.unicodeScalars.contains("\u{202E}"), "\(text)")
            #expect(text.contains("\\u{202E}") && text.contains("\\u{A}"), "\(text)")
        }
    }

    @Test("a finding's JSON: code, typed params, English message; an unknown code still decodes and renders")
    func findingJSON() throws {
        let revokedAt = Date(timeIntervalSince1970: 1_790_000_000)
        let finding = Finding(.revokedAfterTimestamp, ["subject": .name("CN=Official"), "revokedAt": .time(revokedAt),
                                                        "timestamp": .time(revokedAt.addingTimeInterval(-3600.25))])
        let data = try JSONEncoder().encode(finding)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["code"] as? String == "revokedAfterTimestamp")
        #expect(object["message"] as? String == finding.message)
        let params = try #require(object["params"] as? [String: [String: Any]])
        #expect(params["subject"]?["name"] as? String == "CN=Official")
        #expect(params["revokedAt"]?["time"] as? String == "2026-09-21T14:13:20Z")
        #expect(try JSONDecoder().decode(Finding.self, from: data) == finding)

        let future = #"{"code":"quantumKeyBroken","params":{"subject":{"name":"CN=X"},"bits":{"number":3},"when":{"time":"2040-01-01T00:00:00Z"},"kind":{"colour":"blue"}},"message":"a sentence from a later version"}"#
        let decoded = try JSONDecoder().decode(Finding.self, from: Data(future.utf8))
        #expect(decoded.code.rawValue == "quantumKeyBroken")
        #expect(decoded.message == "a sentence from a later version")
        let arabic = decoded.render(in: .ar)
        #expect(Self.hasArabic(arabic) && arabic.contains("quantumKeyBroken") && arabic.contains("CN=X") && arabic.contains("2040-01-01"), "\(arabic)")
        let bare = try JSONDecoder().decode(Finding.self, from: Data(#"{"code":"somethingNew"}"#.utf8))
        #expect(bare.params.isEmpty && bare.message.contains("somethingNew"))
    }

    @Test("a report with findings survives JSON: same codes and params, renders in Arabic")
    func reportRoundTrip() async throws {
        let pki = try TestPKI()
        let work = try ScratchDirectory()
        try work.write("doc.txt", "document\n")
        let signer = try pki.issue("s", subject: "/C=SY/O=Test/CN=Round Trip Signer")
        #expect(try Shell.signtool(["sign", "--key", signer.key, "--cert", signer.cert, "--chain", pki.chainFile, "doc.txt"],
                                   in: work.url).status == 0)
        try work.write("doc.txt", "altered\n")
        let anchors = try Certificate.loadAll(Array(try Data(contentsOf: URL(fileURLWithPath: pki.root))), source: pki.root)
        let report = try await SignatureVerifier(policy: VerificationPolicy(trustAnchors: anchors))
            .verify(signatureAt: work.path("doc.txt.p7s"), contentAt: work.path("doc.txt"))
        let signature = try #require(report.signatures.first)
        #expect(signature.errors.map(\.code) == [.documentAltered])
        #expect(signature.warnings.contains { $0.code == .revocationNotChecked && $0.params["subject"] == .name("C=SY, O=Test, CN=Round Trip Signer") },
                "\(signature.warnings)")

        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let decoded = try decoder.decode(ValidationReport.self, from: Data(report.jsonLine().utf8))
        let again = try #require(decoded.signatures.first)
        #expect(again.errors == signature.errors && again.warnings == signature.warnings)
        for finding in again.errors + again.warnings {
            let arabic = finding.render(in: .ar)
            #expect(Self.hasArabic(arabic) && Self.englishWords(in: arabic, removing: finding.params).isEmpty, "\(arabic)")
        }
        #expect(decoded.jsonLine() == report.jsonLine())
    }

    /// Many kinds of failure, made with openssl and signtool: each verified through the
    /// real CLI in Arabic (no English sentence) and as JSON (code, params, message).
    @Test("verify --lang ar prints no English finding; --json carries code, params and message for each")
    func endToEnd() throws {
        let pki = try TestPKI()
        let other = try TestPKI()
        let work = try ScratchDirectory("findings")
        try work.write("doc.txt", "قرار رقم 17/2026\n")
        func openSSLSign(_ signer: (key: String, cert: String), _ output: String, _ extra: [String] = ["-cades"]) throws {
            try Shell.openssl(["cms", "-sign", "-binary", "-md", "sha256", "-in", "doc.txt", "-signer", signer.cert,
                               "-inkey", signer.key, "-certfile", pki.chainFile, "-outform", "DER", "-out", output] + extra,
                              in: work.url)
        }
        var cases: [(file: String, content: String?, extra: [String])] = []
        // Revoked, with the CRL given.
        let revoked = try pki.issue("revoked", subject: "/C=SY/O=Test/CN=Revoked Official")
        try openSSLSign(revoked, "revoked.p7s")
        // Revocation dates have whole seconds: one in the signing time's second would count
        // as before it (revokedBeforeSigningTime), not as revokedNoProofOfExistence.
        Thread.sleep(forTimeInterval: 1.1)
        try pki.revoke("revoked")
        cases.append(("revoked.p7s", "doc.txt", ["--crl", pki.crl]))
        // Expired, and not yet valid.
        let expired = try pki.issue("expired", subject: "/C=SY/O=Test/CN=Expired Official",
                                    startDate: "200101000000Z", endDate: "210101000000Z")
        try openSSLSign(expired, "expired.p7s")
        cases.append(("expired.p7s", "doc.txt", []))
        let future = try pki.issue("future", subject: "/C=SY/O=Test/CN=Future Official",
                                   startDate: "400101000000Z", endDate: "410101000000Z")
        try openSSLSign(future, "future.p7s")
        cases.append(("future.p7s", "doc.txt", []))
        // Wrong content; plain CMS; no signed attributes.
        let official = try pki.issue("official", subject: "/C=SY/O=Test/CN=Official")
        try openSSLSign(official, "good.p7s")
        try work.write("other.txt", "قرار آخر\n")
        cases.append(("good.p7s", "other.txt", []))
        try openSSLSign(official, "plain.p7s", [])
        cases.append(("plain.p7s", "doc.txt", []))
        try openSSLSign(official, "noattr.p7s", ["-noattr"])
        cases.append(("noattr.p7s", "doc.txt", []))
        // An untrusted root; a TLS certificate as signer; an RSA-1024 signer.
        let stranger = try other.issue("stranger", subject: "/C=SY/O=Other/CN=Stranger")
        try Shell.openssl(["cms", "-sign", "-cades", "-binary", "-md", "sha256", "-in", "doc.txt", "-signer", stranger.cert,
                           "-inkey", stranger.key, "-outform", "DER", "-out", "stranger.p7s"], in: work.url)
        cases.append(("stranger.p7s", "doc.txt", []))
        let tls = try pki.issue("tls", subject: "/C=SY/O=Test/CN=www.example.gov.sy", profile: "tls")
        try openSSLSign(tls, "tls.p7s")
        cases.append(("tls.p7s", "doc.txt", []))
        let weak = try pki.issue("weak", subject: "/C=SY/O=Test/CN=Weak Key", key: .rsa(1024))
        try openSSLSign(weak, "weak.p7s")
        cases.append(("weak.p7s", "doc.txt", []))
        // Malformed attributes and SignedData (the differential corpus' variants).
        let impostor = try other.issue("impostor", subject: "/C=SY/O=Test/CN=Test Issuing CA")
        let built = try Shell.run("python3", [DifferentialTests.support.appendingPathComponent("cms_variants.py").path,
                                              work.path("good.p7s"), official.key, impostor.cert, work.url.path])
        #expect(built.status == 0, "\(built.stderr)")
        for variant in ["duplicate-signing-time", "two-valued-message-digest", "signing-time-unsigned", "no-signing-certificate",
                        "signature-algorithm-mismatch", "empty-digest-algorithms", "no-signing-time"] {
            cases.append(("\(variant).p7s", "doc.txt", []))
        }
        // An ASiC-E container with a file slipped in.
        try work.write("decision.txt", "قرار\n")
        #expect(try Shell.signtool(["sign", "--key", official.key, "--cert", official.cert, "--chain", pki.chainFile,
                                    "--asic", "decision.asice", "decision.txt"], in: work.url).status == 0)
        try work.write("add.py", """
            import zipfile
            with zipfile.ZipFile('decision.asice', 'a') as z:
                z.writestr('payment-order.txt', 'pay 1,000,000 SYP')
            """)
        #expect(try Shell.run("python3", ["add.py"], in: work.url).status == 0)
        cases.append(("decision.asice", nil, []))

        var codes = Set<String>()
        for (file, content, extra) in cases {
            let arguments = ["verify", "--offline", "--trust", pki.root] + (content.map { ["--content", $0] } ?? []) + extra + [file]
            let arabic = try Shell.signtool(arguments + ["--lang", "ar"], in: work.url)
            #expect(Self.hasArabic(arabic.stdout), "\(file): \(arabic.stdout)\(arabic.stderr)")
            #expect(Self.englishSentences(in: arabic.stdout).isEmpty, "\(file): English in\n\(arabic.stdout)")
            let json = try Shell.signtool(arguments + ["--json"], in: work.url)
            #expect(json.status == arabic.status, "\(file): \(json.stdout)")
            codes.formUnion(try Self.checkFindings(in: json.stdout, file: file))
        }
        // Timestamps: a signer revoked after its signature timestamp, a TSA revoked, a
        // timestamped file altered.
        let port = try TestServer.freePort()
        let ca = try TestAuthority(publicURL: "http://127.0.0.1:\(port)")
        let server = try TestServer(authority: ca, port: port)
        let token = String(decoding: try Data(contentsOf: URL(fileURLWithPath: ca.data + "/service/tsa-token")), as: UTF8.self)
        let tsa = ["SIGNTOOL_TSA_TOKEN": token.trimmingCharacters(in: .whitespacesAndNewlines)]
        let (key, cert) = try ca.issue("official")
        _ = try ca.work.write("d.txt", "قرار\n")
        _ = try ca.work.write("stamped.txt", "قرار\n")
        #expect(try ca.run(["sign", "--key", key, "--cert", cert, "--chain", ca.issuing, "--tsa", server.url + "/tsa", "d.txt"],
                           environment: tsa).status == 0)
        #expect(try ca.run(["timestamp", "--tsa", server.url + "/tsa", "stamped.txt"], environment: tsa).status == 0)
        _ = try ca.work.write("stamped.txt", "قرار معدَّل\n")
        #expect(try ca.run(["cert", "revoke", "--serial", try ca.serial(of: cert), "--reason", "keyCompromise"]).status == 0)
        #expect(try ca.run(["cert", "revoke", "--serial", try ca.serial(of: ca.data + "/service/tsa.pem"),
                            "--reason", "keyCompromise"]).status == 0)
        for file in ["d.txt.p7s", "stamped.txt.tsr"] {
            let arguments = ["verify", "--no-cache", "--trust", ca.root, file]
            let arabic = try ca.run(arguments + ["--lang", "ar"])
            #expect(Self.hasArabic(arabic.stdout), "\(file): \(arabic.stdout)\(arabic.stderr)")
            #expect(Self.englishSentences(in: arabic.stdout).isEmpty, "\(file): English in\n\(arabic.stdout)")
            codes.formUnion(try Self.checkFindings(in: try ca.run(arguments + ["--json"]).stdout, file: file))
        }
        withExtendedLifetime(server) {}
        for expected in ["revokedNoProofOfExistence", "certificateExpiredNoProofOfExistence", "certificateNotYetValidNoProofOfExistence",
                         "documentAltered", "noSigningCertificateAttribute", "noSignedAttributes", "issuerNotFound",
                         "extendedKeyUsageNotForSigning", "rsaKeyTooSmall", "attributeRepeated", "attributeValueCount",
                         "attributeNotSigned", "signatureAlgorithmDigestMismatch", "digestAlgorithmsEmpty", "noSigningTimeAttribute",
                         "asicUncoveredFiles", "revocationNotChecked", "tsaRevokedNotUsed", "revokedNoProofOfExistence",
                         "timestampedFileAltered", "tsaRevoked"] {
            #expect(codes.contains(expected), "no \(expected) among \(codes.sorted())")
        }
    }

    /// Every finding of a `verify --json` output has a known code, params and its English
    /// message; returns the codes.
    static func checkFindings(in output: String, file: String) throws -> Set<String> {
        var codes = Set<String>()
        for line in output.split(separator: "\n") {
            let report = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(file)")
            var findings = report["errors"] as? [Any] ?? []
            for signature in report["signatures"] as? [[String: Any]] ?? [] {
                findings += signature["errors"] as? [Any] ?? []
                findings += signature["warnings"] as? [Any] ?? []
            }
            #expect(!findings.isEmpty, "\(file): no finding in \(line)")
            for case let finding as [String: Any] in findings {
                let code = try #require(finding["code"] as? String, "\(file): \(finding)")
                #expect(Finding.Code.allCases.contains(Finding.Code(rawValue: code)), "\(file): unknown code \(code)")
                #expect(finding["params"] is [String: Any] && finding["message"] is String, "\(file): \(finding)")
                codes.insert(code)
            }
            #expect(findings.allSatisfy { $0 is [String: Any] }, "\(file): a finding that is not an object")
        }
        return codes
    }

    @Test("cert verify --lang ar: the verdict, the chain label and every finding in Arabic; --lang en in English")
    func certVerifyInArabic() throws {
        let pki = try TestPKI()
        let other = try TestPKI()
        let work = try ScratchDirectory()
        let official = try pki.issue("official", subject: "/C=SY/CN=Official")
        let stranger = try other.issue("stranger", subject: "/C=SY/CN=Stranger")
        let expired = try pki.issue("expired", subject: "/C=SY/CN=Expired", startDate: "20200101000000Z", endDate: "20210101000000Z")
        for cert in [official.cert, stranger.cert, expired.cert] {
            let arabic = try Shell.signtool(["cert", "verify", "--trust", pki.root, "--untrusted", pki.issuing, "--crl", pki.crl,
                                             "--lang", "ar", cert], in: work.url)
            #expect(arabic.status == (cert == official.cert ? 0 : 1), "\(arabic.stdout)\(arabic.stderr)")
            #expect(Self.hasArabic(arabic.stdout))
            #expect(Self.englishSentences(in: arabic.stdout).isEmpty, "English in: \(arabic.stdout)")
            let english = try Shell.signtool(["cert", "verify", "--trust", pki.root, "--untrusted", pki.issuing, "--crl", pki.crl,
                                              "--lang", "en", cert], in: work.url)
            #expect(!Self.hasArabic(english.stdout.replacingOccurrences(of: "وزارة", with: "")), "\(english.stdout)")
            #expect(english.stdout.contains(cert == official.cert ? ": valid" : ": NOT VALID"))
        }
    }
}
