import ArgumentParser
import Foundation
import SignService

struct CertVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Validate a certificate's path to a trusted root (RFC 5280); exit 0 valid, 1 not.",
        discussion: """
            OpenSSL builds and checks the path in strict mode; signtool adds the RFC 5280
            checks OpenSSL 3.0 misses (notAfter is inclusive, serial numbers positive and
            at most 20 octets, no empty extendedKeyUsage, CRLs must carry a CRL number,
            issuing CAs must assert keyCertSign).

            Purposes: any, documentSigning, emailProtection, timeStamping, serverAuth,
            clientAuth. --dns-name / --ip-address check the certificate names a server.

            Revocation: the CRLs given with --crl; without them, the CRLs the path's
            certificates name are downloaded (or their OCSP responders asked), once
            the path reaches a --trust root. --offline asks no server, and the
            result then says that revocation was not checked.

            The report is in Arabic with --lang ar (or an Arabic locale), in English with
            --lang en; --json carries each finding's code, params and English message.

            Exit status: 0 valid, 1 not valid, 64 usage, 65 malformed input, 66 missing file.

            Example:
              signtool cert verify --trust root.pem --untrusted issuing.pem \\
                --crl issuing.crl --purpose documentSigning official.pem
            """
    )

    @Option(help: "Trusted root certificates (PEM or DER). Repeatable.") var trust: [String] = []
    @Option(help: "Intermediate certificates. Repeatable.") var untrusted: [String] = []
    @Option(help: "CRLs (PEM or DER). Repeatable.") var crl: [String] = []
    @Option(help: "Validation time (default now): 2026-11-24T10:00:00Z, 2026-11-24, +2h ...") var at: String?
    @Option(help: "What the certificate must be good for.") var purpose: String = "any"
    @Option(help: "DNS name the certificate must name.") var dnsName: String?
    @Option(help: "IP address the certificate must name.") var ipAddress: String?
    @Option(help: "Longest chain accepted (intermediates between the certificate and the root).") var maxDepth: Int?
    @OptionGroup var lookup: RevocationLookupOptions
    @Flag(help: "One JSON object.") var json = false
    @Option(help: "Report language: ar or en (default: from LC_ALL / LANG).") var lang: ReportLanguage?
    @Argument(help: "The certificate to validate (PEM or DER).") var certificate: String

    func validate() throws {
        guard CertificatePurpose(rawValue: purpose) != nil else {
            throw ValidationError("unknown purpose '\(purpose)'; use \(CertificatePurpose.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if trust.isEmpty { throw ValidationError("give the trusted roots with --trust ROOTS.pem") }
    }

    func run() async throws {
        var result: CertificateValidation.Result!
        try await reportingErrors {
            var request = CertificateValidation.Request(trustAnchors: try trust.flatMap { try Certificate.loadAll(FileIO.read($0), source: $0) })
            request.intermediates = try untrusted.flatMap { try Certificate.loadAll(FileIO.read($0), source: $0) }
            request.crls = try crl.flatMap { try CertificateRevocationList.loadAll(FileIO.read($0), source: $0) }
            if let at { request.time = try TimeArgument.parse(at) }
            request.purpose = CertificatePurpose(rawValue: purpose)!
            request.dnsName = dnsName
            request.ipAddress = ipAddress
            request.maximumDepth = maxDepth
            if crl.isEmpty { request.revocationFetcher = lookup.fetcher() }
            let leaf = try Certificate.loadAll(FileIO.read(certificate), source: certificate)[0]
            result = await CertificateValidation.validate(leaf, request)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            let language = lang ?? .fromEnvironment()
            let arabic = language == .ar
            let verdict = result.valid ? (arabic ? "صالحة" : "valid") : (arabic ? "غير صالحة" : "NOT VALID")
            var lines = ["\(DisplayText.escapingInvisibles(certificate)): \(verdict)"]
            if !result.chain.isEmpty {
                lines.append((arabic ? "  السلسلة: " : "  chain: ") + result.chain.map(DisplayText.escapingInvisibles).joined(separator: arabic ? " ← " : " <- "))
            }
            lines += result.errors.map { (arabic ? "  خطأ: " : "  error: ") + $0.render(in: language.findingLanguage) }
            lines += result.warnings.map { (arabic ? "  ملاحظة: " : "  note: ") + $0.render(in: language.findingLanguage) }
            print(lines.joined(separator: "\n"))
        }
        if !result.valid { throw ExitCode(1) }
    }
}
