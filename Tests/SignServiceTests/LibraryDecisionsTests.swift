import Foundation
@testable import SignService
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The decisions `signtool verify` and `signtool sign` make, called as a library (as a web
/// page would): which kind of file is verified, and how a batch is signed.
@Suite("library: input kinds and batch signing without the CLI")
struct LibraryDecisionsTests {
    let pki: TestPKI
    let work: ScratchDirectory
    let identity: SigningIdentity
    let verifier: SignatureVerifier

    init() throws {
        pki = try TestPKI()
        work = try ScratchDirectory()
        let signer = try pki.issue("s", subject: "/CN=Library Signer")
        let key = try PrivateKey.load(FileIO.read(signer.key), passphrase: nil, source: signer.key)
        let certificate = try Certificate.loadAll(FileIO.read(signer.cert), source: signer.cert)[0]
        let chain = try Certificate.loadAll(FileIO.read(pki.chainFile), source: pki.chainFile)
        identity = try SigningIdentity(key: key, certificate: certificate, chain: chain)
        let anchors = try Certificate.loadAll(FileIO.read(pki.root), source: pki.root)
        verifier = try SignatureVerifier(policy: VerificationPolicy(trustAnchors: anchors))
    }

    @Test("each kind is recognised by name, a renamed container by its first bytes, and garbage is refused clearly")
    func kinds() async throws {
        let signer = try await CAdESSigner(identity: identity)
        let document = try work.write("decision.txt", "decision 12/2026\n")
        try work.write("decision.txt.p7s", bytes: try await signer.sign(fileAt: document))
        try await ASiCContainer.create(at: work.path("bundle.asice"), files: [document], signer: signer)
        try work.write("bundle.SCE", bytes: try work.read("bundle.asice"))
        // A container renamed to look like a signature is still a container.
        try work.write("renamed.p7s", bytes: try work.read("bundle.asice"))
        try work.write("decision.txt.tsr", bytes: [0x30, 0x03, 0x02, 0x01, 0x00])
        try work.write("decision.txt.TST", bytes: [0x30, 0x03, 0x02, 0x01, 0x00])
        try work.write("garbage.p7s", "this is not a signature at all\n")

        #expect(VerificationInput.kind(ofFileAt: work.path("decision.txt.p7s")) == .signature)
        #expect(VerificationInput.kind(ofFileAt: work.path("bundle.asice")) == .container)
        #expect(VerificationInput.kind(ofFileAt: work.path("bundle.SCE")) == .container)
        #expect(VerificationInput.kind(ofFileAt: work.path("renamed.p7s")) == .container)
        #expect(VerificationInput.kind(ofFileAt: work.path("decision.txt.tsr")) == .timestamp)
        #expect(VerificationInput.kind(ofFileAt: work.path("decision.txt.TST")) == .timestamp)
        #expect(VerificationInput.kind(ofFileAt: work.path("garbage.p7s")) == .signature)
        // Names decide for files that are not there; verifying them says they are missing.
        #expect(VerificationInput.kind(ofFileAt: work.path("missing.asice")) == .container)
        #expect(VerificationInput.kind(ofFileAt: work.path("missing.tsr")) == .timestamp)
        #expect(VerificationInput.kind(ofFileAt: work.path("missing.p7s")) == .signature)

        let signature = try await verifier.verify(inputAt: work.path("decision.txt.p7s"))
        #expect(signature.kind == .signature)
        #expect(signature.indication == .totalPassed)
        for name in ["bundle.asice", "renamed.p7s"] {
            let container = try await verifier.verify(inputAt: work.path(name))
            #expect(container.kind == .container, "\(name)")
            #expect(container.indication == .totalPassed, "\(name)")
            #expect(container.coveredFiles == ["decision.txt"], "\(name)")
        }

        // Garbage named .p7s: a clear malformed-input error, and a TOTAL_FAILED report that carries it.
        await #expect {
            try await verifier.verify(inputAt: work.path("garbage.p7s"))
        } throws: { error in
            guard let error = error as? SignServiceError else { return false }
            return error.code == .malformedInput && error.reason.contains("not a CMS signature (neither DER nor PEM)")
        }
        let garbage = await verifier.outcome(forInputAt: work.path("garbage.p7s"))
        #expect(garbage.inputError?.code == .malformedInput)
        #expect(garbage.report.indication == .totalFailed)
        #expect(garbage.report.subIndication == .formatFailure)
        #expect(garbage.report.kind == .signature)

        // A .tsr goes to the timestamp verifier, which refuses what is not a TimeStampResp.
        let timestamp = await verifier.outcome(forInputAt: work.path("decision.txt.tsr"))
        #expect(timestamp.report.kind == .timestamp)
        #expect(timestamp.report.indication == .totalFailed)
        #expect(timestamp.inputError?.code == .malformedInput)

        let missing = await verifier.outcome(forInputAt: work.path("missing.p7s"))
        #expect(missing.inputError?.code == .fileNotFound)
        #expect(missing.report.indication == .indeterminate)
        #expect(missing.report.subIndication == .signedDataNotFound)
    }

    @Test("output names: next to the document, --out, --out-dir, and two documents of one name refused")
    func outputNames() throws {
        #expect(SignatureOutputNaming().outputPath(for: "a/b/d.pdf") == "a/b/d.pdf.p7s")
        #expect(SignatureOutputNaming(out: "x.p7s").outputPath(for: "a/d.pdf") == "x.p7s")
        #expect(SignatureOutputNaming(directory: "out").outputPath(for: "a/b/d.pdf") == "out/d.pdf.p7s")
        #expect(SignatureOutputNaming(directory: "out/").outputPath(for: "d.pdf") == "out/d.pdf.p7s")
        #expect(try SignatureOutputNaming(directory: "out").outputPaths(for: ["a/x", "b/y"]) == ["out/x.p7s", "out/y.p7s"])
        #expect(throws: OutputNameCollision.self) {
            try SignatureOutputNaming(directory: "out").outputPaths(for: ["a/same.pdf", "b/same.pdf"])
        }
    }

    @Test("a batch of 20 where one document is unreadable and one output exists: exactly those two fail, 18 signatures verify")
    func batch() async throws {
        let files = try (0..<20).map { try work.write("letter-\($0).txt", "letter number \($0)\n") }
        try FileManager.default.createDirectory(atPath: work.path("out"), withIntermediateDirectories: true)
        // Unreadable: no permission, or, for root (whom permissions do not stop), a directory.
        if getuid() == 0 {
            try FileManager.default.removeItem(atPath: files[4])
            try FileManager.default.createDirectory(atPath: files[4], withIntermediateDirectories: false)
        } else {
            #expect(chmod(files[4], 0) == 0)
        }
        defer { _ = chmod(files[4], 0o644) }
        try work.write("out/letter-11.txt.p7s", "precious")

        let outputs = try SignatureOutputNaming(directory: work.path("out")).outputPaths(for: files)
        let signer = try await CAdESSigner(identity: identity)
        let calls = Mutex(0)
        let result = await signer.signBatch(files, outputs: outputs, replace: false, progress: { calls.withLock { $0 += 1 } })

        #expect(calls.withLock { $0 } == 20)
        #expect(!result.succeeded)
        #expect(result.failures.map(\.index) == [4, 11])
        #expect(result.failures.map(\.file) == [files[4], files[11]])
        #expect(result.failures[0].error.code != .outputExists)
        #expect(result.failures[1].error.code == .outputExists)
        #expect(result.failures[1].error.reason == "\(outputs[11]) already exists and was left unchanged; use --force to replace it or --add-to to co-sign")
        #expect(String(decoding: try work.read("out/letter-11.txt.p7s"), as: UTF8.self) == "precious")
        #expect(!work.exists("out/letter-4.txt.p7s"))
        let written = result.written
        #expect(written.count == 18)
        #expect(written == outputs.enumerated().filter { ![4, 11].contains($0.offset) }.map(\.element))
        for (index, output) in outputs.enumerated() where ![4, 11].contains(index) {
            let report = try await verifier.verify(inputAt: output, contentAt: files[index])
            #expect(report.indication == .totalPassed, "\(output)")
        }
        let openssl = try Shell.run("openssl", ["cms", "-verify", "-binary", "-inform", "DER", "-in", outputs[0],
                                                "-content", files[0], "-CAfile", pki.root, "-purpose", "any",
                                                "-out", "/dev/null"], in: work.url)
        #expect(openssl.status == 0, "\(openssl.stderr)")
    }
}
