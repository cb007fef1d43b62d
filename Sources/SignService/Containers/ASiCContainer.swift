import Findings
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// ASiC-E containers with CAdES signatures (ETSI EN 319 162-1): a ZIP whose first entry
/// is `mimetype` (stored, `application/vnd.etsi.asic-e+zip`), the signed files, and per
/// signature a `META-INF/ASiCManifestNNN.xml` with a detached `META-INF/signatureNNN.p7s`
/// over it. Co-signing adds another manifest and signature over the same files.
public enum ASiCContainer {
    public static let mimeType = "application/vnd.etsi.asic-e+zip"

    /// By name (.asice, .sce) or, for an existing file, by its ZIP signature.
    public static func looksLikeContainer(_ path: String) -> Bool {
        let lower = path.lowercased()
        if lower.hasSuffix(".asice") || lower.hasSuffix(".sce") { return true }
        return (try? FileIO.peek(path, count: 4).bytes) == [0x50, 0x4B, 0x03, 0x04]
    }

    /// Writes a new container at `output` with `files` signed by `signer`. The file's
    /// name in the container is its base name. The container appears complete or not at all.
    public static func create(at output: String, files: [String], signer: CAdESSigner, replace: Bool = false) async throws {
        if !replace && FileIO.exists(output) {
            throw SignServiceError(code: .outputExists, reason: "\(output) already exists; use --force to replace it")
        }
        var names: [String] = []
        var references: [ASiCManifest.Reference] = []
        for file in files {
            let name = FileIO.splitPath(file).name
            guard !names.contains(name) else { throw SignServiceError.malformed("two files are called \(name); a container holds each name once") }
            guard name != "mimetype" && !name.hasPrefix("META-INF") else { throw SignServiceError.malformed("\(name) is a reserved name in an ASiC container") }
            names.append(name)
            let digest = try ContentDigest.digests(ofFileAt: file, algorithms: [.sha256])[.sha256]!
            references.append(.init(name: name, mimeType: mediaType(of: name), algorithm: .sha256,
                                    algorithmURI: ASiCManifest.uri(for: .sha256), digest: digest))
        }
        let manifest = ASiCManifest(signatureName: "META-INF/signature001.p7s", references: references).xml()
        let signature = try await signer.sign(data: manifest)
        try writeAtomically(to: output, replace: replace) { writer in
            for (file, name) in zip(files, names) { try writer.add(name: name, file: file) }
            try writer.add(name: "META-INF/ASiCManifest001.xml", bytes: manifest, compress: true)
            try writer.add(name: "META-INF/signature001.p7s", bytes: signature, compress: true)
        }
    }

    /// Adds a signature by `signer` over every file the container holds (a co-signature).
    public static func addSignature(to path: String, signer: CAdESSigner, limits: ContainerLimits = ContainerLimits()) async throws {
        let contents = try read(path, limits: limits, keepData: true)
        let dataNames = contents.dataNames
        guard !dataNames.isEmpty else { throw SignServiceError.malformed("\(path): the container holds no file to sign") }
        var number = 1
        while contents.metadata["META-INF/ASiCManifest\(String(format: "%03d", number)).xml"] != nil
                || contents.metadata["META-INF/signature\(String(format: "%03d", number)).p7s"] != nil { number += 1 }
        let suffix = String(format: "%03d", number)
        let references = dataNames.map { name in
            ASiCManifest.Reference(name: name, mimeType: mediaType(of: name), algorithm: .sha256,
                                   algorithmURI: ASiCManifest.uri(for: .sha256), digest: contents.digests[name]![.sha256]!)
        }
        let manifest = ASiCManifest(signatureName: "META-INF/signature\(suffix).p7s", references: references).xml()
        let signature = try await signer.sign(data: manifest)
        try writeAtomically(to: path, replace: true) { writer in
            for name in contents.order where name != "mimetype" {
                if let bytes = contents.metadata[name] ?? contents.data[name] {
                    try writer.add(name: name, bytes: bytes, compress: true)
                }
            }
            try writer.add(name: "META-INF/ASiCManifest\(suffix).xml", bytes: manifest, compress: true)
            try writer.add(name: "META-INF/signature\(suffix).p7s", bytes: signature, compress: true)
        }
    }

    /// Validates every signature in the container and every file's digest; revocation data
    /// is fetched without a thread waiting for it (``SignatureVerifier``).
    public static func verify(at path: String, verifier: SignatureVerifier, limits: ContainerLimits = ContainerLimits()) async throws -> ValidationReport {
        let contents = try read(path, limits: limits, keepData: false)
        return try await verifier.withRevocationData { try evaluate(contents, at: path, verifier: verifier) }
    }

    /// One pass over a container read once: the files' digests are not computed again.
    private static func evaluate(_ contents: Contents, at path: String, verifier: SignatureVerifier) throws -> ValidationReport {
        let manifests = contents.metadata.keys.filter { $0.hasPrefix("META-INF/ASiCManifest") && $0.hasSuffix(".xml") }.sorted()
        guard !manifests.isEmpty else {
            return .failure(file: path, content: nil, .formatFailure, error: Finding(.asicNoManifest))
        }
        var signatures: [SignatureValidation] = []
        var covered: [String] = []
        for manifestName in manifests {
            let manifestBytes = contents.metadata[manifestName]!
            let manifest = try ASiCManifest(parsing: manifestBytes, source: "\(path): \(manifestName)")
            guard let signatureBytes = contents.metadata[manifest.signatureName] else {
                throw SignServiceError.malformed("\(path): \(manifestName) refers to \(manifest.signatureName), which the container does not hold")
            }
            // This runs inside the container's pass: revocation needs are noted for it.
            let report = try verifier.verifyPass(signature: signatureBytes, name: manifest.signatureName,
                                                 detachedContent: manifestBytes, contentName: manifestName, at: Date())
            var problems: [Finding] = []
            for reference in manifest.references {
                guard let algorithm = reference.algorithm else {
                    problems.append(Finding(.asicDigestAlgorithmNotAccepted, ["file": .text(reference.name), "algorithm": .text(reference.algorithmURI)]))
                    continue
                }
                guard let digests = contents.digests[reference.name] else {
                    problems.append(Finding(.asicFileMissing, ["file": .text(reference.name)]))
                    continue
                }
                if digests[algorithm] != reference.digest {
                    problems.append(Finding(.asicFileAltered, ["file": .text(reference.name)]))
                } else if report.indication == .totalPassed && !covered.contains(reference.name) {
                    // Only a signature that passed vouches for a file.
                    covered.append(reference.name)
                }
            }
            for var signature in report.signatures {
                for problem in problems {
                    signature.errors.append(problem)
                    if signature.indication != .totalFailed {
                        signature.indication = .totalFailed
                        signature.subIndication = .hashFailure
                    }
                }
                signatures.append(signature)
            }
        }
        var report = ValidationReport(file: path, content: nil, signatures: signatures)
        report.coveredFiles = covered
        report.kind = .container
        // Every file outside META-INF must be vouched for by a signature that passed: a file
        // slipped in beside signed ones would otherwise ride on their verdict.
        let uncovered = contents.dataNames.filter { !covered.contains($0) }
        if !uncovered.isEmpty {
            report.errors.append(Finding(.asicUncoveredFiles, ["files": .list(uncovered)]))
            if report.indication == .totalPassed {
                report.indication = .totalFailed
                report.subIndication = .formatFailure
            }
        }
        return report
    }

    // MARK: Reading

    struct Contents {
        var order: [String] = []
        /// mimetype and META-INF entries.
        var metadata: [String: [UInt8]] = [:]
        /// The signed files' digests (all three algorithms, computed while reading).
        var digests: [String: [DigestAlgorithm: [UInt8]]] = [:]
        /// The signed files' bytes, only when rewriting the container.
        var data: [String: [UInt8]] = [:]
        var dataNames: [String] { order.filter { $0 != "mimetype" && !$0.hasPrefix("META-INF/") } }
    }

    static func read(_ path: String, limits: ContainerLimits, keepData: Bool) throws -> Contents {
        var contents = Contents()
        try ZipReader.read(path: path, limits: limits) { entry, stream in
            contents.order.append(entry.name)
            if entry.index == 0 && entry.name != "mimetype" {
                throw SignServiceError.malformed("\(path): the first entry is \(entry.name), not mimetype: not an ASiC container")
            }
            if entry.name == "mimetype" || entry.name.hasPrefix("META-INF/") {
                var bytes: [UInt8] = []
                try stream { piece in
                    bytes.append(contentsOf: piece)
                    if bytes.count > limits.maximumMetadataSize {
                        throw SignServiceError.malformed("\(path): \(entry.name) is larger than \(limits.maximumMetadataSize >> 20) MiB")
                    }
                }
                if entry.name == "mimetype" && String(decoding: bytes, as: UTF8.self) != mimeType {
                    throw SignServiceError.malformed("\(path): the mimetype entry is not \(mimeType)")
                }
                contents.metadata[entry.name] = bytes
            } else {
                var kept: [UInt8] = []
                contents.digests[entry.name] = try ContentDigest.digests(algorithms: Set(DigestAlgorithm.allCases)) { update in
                    try withoutActuallyEscaping(update) { update in
                        try stream { piece in
                            try update(piece)
                            if keepData { kept.append(contentsOf: piece) }
                        }
                    }
                }
                if keepData { contents.data[entry.name] = kept }
            }
        }
        guard contents.metadata["mimetype"] != nil else {
            throw SignServiceError.malformed("\(path): no mimetype entry: not an ASiC container")
        }
        return contents
    }

    // MARK: Writing

    /// Writes into an unnamed temporary beside `output`, then renames it into place.
    private static func writeAtomically(to output: String, replace: Bool, _ body: (ZipWriter) throws -> Void) throws {
        let (directory, name) = FileIO.splitPath(output)
        let temporary = directory + "/.\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).partial"
        var done = false
        defer { if !done { unlink(temporary) } }
        let writer = try ZipWriter(path: temporary)
        try writer.add(name: "mimetype", bytes: Array(mimeType.utf8), compress: false)
        try body(writer)
        try writer.close()
        let fd = open(temporary, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SignServiceError(code: .cannotCreateOutput, reason: "cannot create \(output): \(FileIO.errnoText())") }
        do {
            defer { close(fd) }
            try FileIO.sync(fd, path: output)
        }
        if replace {
            guard rename(temporary, output) == 0 else { throw SignServiceError(code: .cannotCreateOutput, reason: "cannot create \(output): \(FileIO.errnoText())") }
        } else {
            guard link(temporary, output) == 0 else {
                if errno == EEXIST { throw SignServiceError(code: .outputExists, reason: "\(output) already exists; use --force to replace it") }
                throw SignServiceError(code: .cannotCreateOutput, reason: "cannot create \(output): \(FileIO.errnoText())")
            }
        }
        done = true
        if !replace { unlink(temporary) }
        try FileIO.syncDirectory(of: output)
    }

    static func mediaType(of name: String) -> String {
        switch (name as NSString).pathExtension.lowercased() {
        case "pdf": return "application/pdf"
        case "txt": return "text/plain"
        case "xml": return "application/xml"
        case "html", "htm": return "text/html"
        case "json": return "application/json"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "docx": return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        case "xlsx": return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case "odt": return "application/vnd.oasis.opendocument.text"
        default: return "application/octet-stream"
        }
    }
}
