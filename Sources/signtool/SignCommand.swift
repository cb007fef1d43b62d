import ArgumentParser
import Foundation
import SignService

struct Sign: AsyncParsableCommand, TakesFileList {
    static let configuration = CommandConfiguration(
        abstract: "Sign documents: CAdES B-B, B-T or B-LT, CMS SignedData in DER.",
        discussion: """
            Writes FILE.p7s next to each FILE (a detached signature) unless --out
            or --out-dir says otherwise; --attached puts the document inside the
            signature instead. Existing outputs are never overwritten without
            --force. Many files are signed in parallel on all cores; with --tsa,
            up to 16 detached signatures (or 4 per core) wait for the TSA at once
            (--attached: one per core, as each holds its document).

            The key's passphrase comes from --passphrase-file, the
            SIGNTOOL_PASSPHRASE variable, or a prompt on the terminal.

            With --tsa, each signature gets an RFC 3161 signature timestamp (B-T),
            which proves it existed at that time even after the certificate expires
            or is revoked. The TSA's answer must verify against a root given with
            --tsa-trust (or $SIGNTOOL_TSA_TRUST, or a root in --chain) before it is
            used: anyone on the path to a plain-http TSA could answer otherwise. --level LT also embeds the current CRL (or, where a
            certificate names only an OCSP responder, an OCSP response) of
            every certificate in the chain and of the TSA, so that
            `signtool verify --offline` decides with nothing but the file; a
            revoked certificate stops it (exit 78).

            A certificate that is expired, not yet valid, or not for signing
            documents (a TSA, OCSP or TLS certificate) is refused with exit 79.

            Examples:
              signtool sign --key me.key --cert me.pem --chain chain.pem d.pdf
              signtool sign --p12 me.p12 --out-dir signed/ *.pdf
              signtool sign --p12 me.p12 --tsa http://pki.example.sy/tsa --level LT d.pdf
              signtool sign --p12 me.p12 --asic decision.asice d.pdf annex.pdf
              signtool sign --p12 minister.p12 --add-to decision.asice
              signtool sign --key minister.key --cert minister.pem \\
                  --add-to d.pdf.p7s d.pdf
            """
    )

    @Option(help: "Private key (PEM or DER; PKCS#8, encrypted PKCS#8 or traditional).")
    var key: String?

    @Option(help: "The signer's certificate (PEM or DER).")
    var cert: String?

    @Option(help: "PKCS#12 file holding key, certificate and CA certificates (instead of --key/--cert).")
    var p12: String?

    @Option(help: "CA certificates to embed with the signer's (PEM, one or several).")
    var chain: String?

    @Option(help: "File whose first line is the passphrase.")
    var passphraseFile: String?

    @Option(help: "Digest: sha256, sha384 or sha512 (default: matches the key).")
    var digest: String?

    @Flag(help: "Sign with RSA-PSS instead of PKCS#1 v1.5 (RSA keys).")
    var pss = false

    @Flag(help: "Enveloping signature: the document is inside the .p7s.")
    var attached = false

    @Option(help: ArgumentHelp("Co-sign: add a signature beside the existing ones in this .p7s.", valueName: "EXISTING.p7s"))
    var addTo: String?

    @Option(help: ArgumentHelp("Put all the documents and one signature into an ASiC-E container (ZIP).", valueName: "OUT.asice"))
    var asic: String?

    @Option(help: "Output file (one input only).")
    var out: String?

    @Option(help: "Directory for the signatures (DIR/NAME.p7s).")
    var outDir: String?

    @Flag(help: "Replace existing output files.")
    var force = false

    @OptionGroup var tsaOptions: TSAOptions

    @Option(help: ArgumentHelp("CAdES level: B, T (with --tsa) or LT (also embeds the chain's CRLs or OCSP responses). Default: T with --tsa, else B.", valueName: "level"))
    var level: String?

    @Flag(help: ArgumentHelp("Sign even with a certificate that is expired, not yet valid or not for signing documents (for tests; verifiers will refuse such signatures)."))
    var allowInvalidCertificate = false

    @Flag(name: .shortAndLong, help: "Do not list the files written.")
    var quiet = false

    @Argument(help: "Documents to sign.")
    var files: [String] = []

    var fileList: [String] {
        get { files }
        set { files = newValue }
    }

    /// `--add-to` names an ASiC container rather than a .p7s.
    var addsToContainer: Bool { addTo.map(ASiCContainer.looksLikeContainer) ?? false }

    func validate() throws {
        if addsToContainer {
            if !files.isEmpty { throw ValidationError("co-signing a container signs every file in it; name no documents") }
            if attached || asic != nil || out != nil || outDir != nil {
                throw ValidationError("--attached, --asic, --out and --out-dir do not apply when co-signing a container")
            }
        } else if files.isEmpty {
            throw ValidationError("name at least one document to sign")
        }
        if asic != nil && (attached || out != nil || outDir != nil || addTo != nil) {
            throw ValidationError("--asic writes one container; --attached, --out, --out-dir and --add-to do not apply")
        }
        switch (key != nil, cert != nil, p12 != nil) {
        case (true, true, false), (false, false, true): break
        case (_, _, true): throw ValidationError("give either --p12 or --key with --cert, not both")
        default: throw ValidationError("give --key and --cert, or --p12")
        }
        if out != nil && outDir != nil { throw ValidationError("--out and --out-dir cannot be combined") }
        if out != nil && files.count > 1 { throw ValidationError("--out takes one document; use --out-dir for several") }
        if addTo != nil && !addsToContainer && files.count != 1 { throw ValidationError("--add-to co-signs exactly one document") }
        if addTo != nil && attached { throw ValidationError("--attached does not apply to --add-to: the existing signature decides") }
        if let digest, DigestAlgorithm(name: digest) == nil {
            throw ValidationError("unknown digest '\(digest)'; use sha256, sha384 or sha512")
        }
        if Set(files).count != files.count { throw ValidationError("a document is named twice") }
        if let level {
            guard let parsed = SignatureLevel(name: level) else { throw ValidationError("unknown level '\(level)'; use B, T or LT") }
            if parsed != .baselineB && tsaOptions.tsa == nil { throw ValidationError("--level \(level) needs --tsa URL") }
        }
    }

    func run() async throws {
        try await reportingErrors {
            let identity = try loadIdentity()
            if !allowInvalidCertificate { try identity.checkUsableForSigning() }
            let chosenLevel = level.flatMap(SignatureLevel.init(name:)) ?? (tsaOptions.tsa == nil ? .baselineB : .baselineT)
            let service = try tsaOptions.tsa.map {
                TimestampService(url: $0, http: try tsaOptions.httpOptions(), trust: try tsaOptions.trustedRoots())
            }
            if let service, service.trust.isEmpty, !([identity.certificate] + identity.chain).contains(where: \.isSelfIssued) {
                throw ValidationError("the TSA's answer must be checked against a trusted root: give it with --tsa-trust ROOT.pem (or SIGNTOOL_TSA_TRUST), or put the root in --chain")
            }
            let options = SignatureOptions(digest: digest.flatMap(DigestAlgorithm.init(name:)), rsaPSS: pss,
                                           attached: attached, level: chosenLevel, timestampService: service)
            if let addTo, addsToContainer {
                try await ASiCContainer.addSignature(to: addTo, signer: try await CAdESSigner(identity: identity, options: options))
                if !quiet { print(addTo) }
            } else if let addTo {
                try await coSign(existing: addTo, identity: identity, options: options)
            } else if let asic {
                try await ASiCContainer.create(at: asic, files: files, signer: try await CAdESSigner(identity: identity, options: options), replace: force)
                if !quiet { print(asic) }
            } else {
                try await signAll(identity: identity, options: options)
            }
        }
    }

    private func loadIdentity() throws -> SigningIdentity {
        let passphrases = PassphraseSource(file: passphraseFile)
        var extra: [Certificate] = []
        if let chain { extra = try Certificate.loadAll(FileIO.read(chain), source: chain) }
        if let p12 {
            let bytes = try FileIO.read(p12)
            let identity = try passphrases.withPassphrase(for: p12) {
                try SigningIdentity.loadPKCS12(bytes, passphrase: $0, source: p12)
            }
            return try SigningIdentity(key: identity.key, certificate: identity.certificate,
                                       chain: identity.chain + extra)
        }
        guard let key, let cert else { throw ValidationError("give --key and --cert, or --p12") }
        let certificates = try Certificate.loadAll(FileIO.read(cert), source: cert)
        let keyBytes = try FileIO.read(key)
        let privateKey = try passphrases.withPassphrase(for: key) {
            try PrivateKey.load(keyBytes, passphrase: $0, source: key)
        }
        // A certificate file may carry its chain after the signer's certificate.
        return try SigningIdentity(key: privateKey, certificate: certificates[0],
                                   chain: Array(certificates.dropFirst()) + extra)
    }

    private func signAll(identity: SigningIdentity, options: SignatureOptions) async throws {
        let outputs: [String]
        do { outputs = try SignatureOutputNaming(out: out, directory: outDir).outputPaths(for: files) } catch {
            throw ValidationError(error.description)
        }
        let signer = try await CAdESSigner(identity: identity, options: options)
        let progress = ProgressBar(total: files.count)
        let result = await signer.signBatch(files, outputs: outputs, replace: force, progress: { progress.advance() })
        progress.finish()
        if !quiet {
            FileHandle.standardOutput.write(Data(result.written.map { $0 + "\n" }.joined().utf8))
        }
        guard let first = result.failures.first else { return }
        for failure in result.failures {
            // Name the document unless the reason already does.
            let reason = failure.error.reason
            printError(reason.contains(failure.file) || reason.contains(failure.output) ? reason : "\(failure.file): \(reason)")
        }
        if files.count > 1 { printError("\(result.failures.count) of \(files.count) documents were not signed") }
        throw ExitCode(ExitStatus.code(for: first.error))
    }

    private func coSign(existing: String, identity: SigningIdentity, options: SignatureOptions) async throws {
        let bytes = try FileIO.read(existing)
        let updated = try await CAdES.addSignature(to: bytes, source: existing, contentAt: files[0], with: identity,
                                             options: options)
        let target = out ?? existing
        // Replacing the signature being extended is the point of --add-to; the rename is atomic.
        try FileIO.writeAtomically(updated, to: target, replace: target == existing || force)
        if !quiet { print(target) }
    }
}
