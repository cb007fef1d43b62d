import ArgumentParser
import Foundation
import SignService
import Synchronization

struct Verify: AsyncParsableCommand, TakesFileList {
    static let configuration = CommandConfiguration(
        abstract: "Verify signatures and report TOTAL_PASSED, TOTAL_FAILED or INDETERMINATE.",
        discussion: """
            Checks, for every signer: the document's digest, the signature value,
            the signed attributes (content type, message digest, signing time,
            signing certificate: each once, of the right type, signed), and the
            signer's certificate: fit for signing documents (key usage, extended
            key usage), its path to a root given with --trust (validity, basic
            constraints, path length, policies, key usage; RSA >= 2048 bits and
            no SHA-1 anywhere in it) and its revocation against the CRLs given
            with --crl, those the signature carries (B-LT), and, unless
            --offline, those downloaded from the certificates' CRL distribution
            points (kept five minutes in ~/.cache/signtool/crl; --no-cache
            fetches afresh). Where no CRL decides, an OCSP response the
            signature carries, or the certificate's OCSP responder, does.
            Addresses are asked only for certificates whose path reaches a
            --trust root; answers are cut at --max-crl-size / --max-response-size
            and --timeout. A signature without a signing-certificate attribute
            is reported as plain CMS, not CAdES.

            A signature timestamp (B-T) that verifies proves when the signature
            existed: a certificate that expired or was revoked after that time
            does not spoil it. Without one, such a signature is INDETERMINATE
            (OUT_OF_BOUNDS_NO_POE / REVOKED_NO_POE).

            A detached FILE.p7s is checked against FILE unless --content names
            the document; with a signature that carries its document, --content
            must name that same document. An ASiC-E container (.asice) is
            checked whole: every signature over its manifest and every file's
            digest; a file no passing signature covers makes it fail. Several signatures are checked in parallel; with
            --json each gives one JSON object on its own line, and the exit
            status is the worst among them.

            A standalone RFC 3161 timestamp FILE.tsr (from `signtool timestamp`
            or `openssl ts -reply`; a bare token as FILE.tst) is checked against
            FILE (or --content): the digest it covers, its signature, and its
            TSA's certificate (path to --trust, timeStamping, not revoked).

            Exit status: 0 TOTAL_PASSED, 1 TOTAL_FAILED, 2 INDETERMINATE,
            64 usage error, 65 malformed signature, certificate or CRL,
            66 file not found.

            Examples:
              signtool verify --trust root.pem decision.pdf.p7s
              signtool verify --trust root.pem --crl ca.crl --lang ar d.pdf.p7s
              signtool verify --trust root.pem --json signed/*.p7s
              signtool verify --trust root.pem --offline archived.pdf.p7s
              signtool verify --trust root.pem decision.pdf.tsr
            """
    )

    @Option(help: "Trusted root certificates (PEM, one or several, or DER). Repeatable.")
    var trust: [String] = []

    @Option(help: "Intermediate certificates not embedded in the signature. Repeatable.")
    var untrusted: [String] = []

    @Option(help: "CRLs to check revocation against (PEM or DER). Repeatable.")
    var crl: [String] = []

    @Option(help: "The signed document, for a detached signature (one signature only).")
    var content: String?

    @OptionGroup var lookup: RevocationLookupOptions

    @Option(help: ArgumentHelp("ASiC containers: largest entry accepted, in MiB.", valueName: "MiB"))
    var maxEntrySize: Int64 = 2048

    @Option(help: ArgumentHelp("ASiC containers: largest expansion of all entries over the container's size.", valueName: "ratio"))
    var maxRatio: Int64 = 200

    @Flag(help: "One JSON object per signature, one per line.")
    var json = false

    @Option(help: "Language of the report: ar or en (default: from the locale).")
    var lang: ReportLanguage?

    @Argument(help: "Signature files (.p7s, DER or PEM), ASiC-E containers (.asice) or timestamps (.tsr, .tst).")
    var signatures: [String] = []

    var fileList: [String] {
        get { signatures }
        set { signatures = newValue }
    }

    func validate() throws {
        if signatures.isEmpty { throw ValidationError("name at least one signature file") }
        if content != nil && signatures.count > 1 { throw ValidationError("--content applies to one signature only") }
        if maxEntrySize <= 0 || maxRatio <= 0 { throw ValidationError("--max-entry-size and --max-ratio must be positive") }
    }

    func run() async throws {
        let verifier: SignatureVerifier
        do {
            var anchors: [Certificate] = []
            for path in trust { anchors += try Certificate.loadAll(FileIO.read(path), source: path) }
            var intermediates: [Certificate] = []
            for path in untrusted { intermediates += try Certificate.loadAll(FileIO.read(path), source: path) }
            var crls: [CertificateRevocationList] = []
            for path in crl { crls += try CertificateRevocationList.loadAll(FileIO.read(path), source: path) }
            var policy = VerificationPolicy(trustAnchors: anchors, intermediates: intermediates, crls: crls)
            policy.revocationFetcher = lookup.fetcher()
            verifier = try SignatureVerifier(policy: policy)
        } catch let error as SignServiceError {
            printError(error.reason)
            throw ExitCode(ExitStatus.code(for: error))
        }

        // Each task renders its own report, so output formatting runs in parallel too.
        let contentPath = content
        let paths = signatures
        let language = lang ?? .fromEnvironment()
        let asJSON = json
        var configuredLimits = ContainerLimits()
        configuredLimits.maximumEntrySize = maxEntrySize << 20
        configuredLimits.maximumTotalSize = max(configuredLimits.maximumTotalSize, configuredLimits.maximumEntrySize)
        configuredLimits.maximumRatio = maxRatio
        let limits = configuredLimits
        let ordered = await boundedConcurrentMap(count: paths.count) { index -> (output: String, status: Int32, inputError: String?) in
            let outcome = await verifier.outcome(forInputAt: paths[index], contentAt: contentPath, limits: limits)
            let status = outcome.inputError.map(ExitStatus.code(for:)) ?? Self.status(of: outcome.report)
            let report = outcome.report
            let output = asJSON ? report.jsonLine() + "\n" : ReportText(language: language).render(report) + "\n"
            return (output, status, outcome.inputError?.reason)
        }

        for case let message? in ordered.map(\.inputError) { printError(message) }
        FileHandle.standardOutput.write(Data(ordered.map(\.output).joined().utf8))
        let status = ExitStatus.worst(ordered.map(\.status))
        if status != 0 { throw ExitCode(status) }
    }

    static func status(of report: ValidationReport) -> Int32 {
        switch report.indication {
        case .totalPassed: return 0
        case .totalFailed: return ExitStatus.totalFailed
        case .indeterminate: return ExitStatus.indeterminate
        }
    }
}
