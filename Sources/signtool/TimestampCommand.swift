import ArgumentParser
import Foundation
import SignService

/// How to reach a timestamp authority; shared by `timestamp` and `sign --tsa`.
/// How much a server may send back: every answer is counted while it streams in.
struct ResponseLimitOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Largest CRL accepted from a server (K, M suffixes).", valueName: "size"))
    var maxCrlSize: String = "10M"

    @Option(help: ArgumentHelp("Largest OCSP or timestamp answer accepted.", valueName: "size"))
    var maxResponseSize: String = "64K"

    func validate() throws {
        for (name, value) in [("--max-crl-size", maxCrlSize), ("--max-response-size", maxResponseSize)] {
            guard let bytes = Self.bytes(value), bytes > 0 else {
                throw ValidationError("\(name) must be a size such as 64K, 10M or 5000 (bytes), not '\(value)'")
            }
        }
    }

    /// The limits applied to `options`, with `seconds` as the deadline of each exchange.
    func apply(to options: inout HTTPFetcher.Options, seconds: Double) {
        options.timeout = seconds
        options.maximumCRLSize = Self.bytes(maxCrlSize) ?? options.maximumCRLSize
        options.maximumOCSPSize = Self.bytes(maxResponseSize) ?? options.maximumOCSPSize
        options.maximumTimestampSize = Self.bytes(maxResponseSize) ?? options.maximumTimestampSize
    }

    static func bytes(_ text: String) -> Int? {
        let upper = text.uppercased()
        let (digits, factor): (Substring, Int) = upper.hasSuffix("K") ? (upper.dropLast(), 1 << 10)
            : upper.hasSuffix("M") ? (upper.dropLast(), 1 << 20) : (upper[...], 1)
        guard let value = Int(digits), value >= 0, value <= (1 << 40) / factor else { return nil }
        return value * factor
    }
}

/// How `verify` and `cert verify` reach the CRL and OCSP addresses certificates name.
struct RevocationLookupOptions: ParsableArguments {
    @Flag(help: "Use only what was given and what the files carry; ask no server (revocation may then stay unchecked, and the result says so).")
    var offline = false

    @Option(help: ArgumentHelp("Seconds for each CRL download or OCSP exchange, all of it.", valueName: "seconds"))
    var timeout: Double = 10

    @OptionGroup var limits: ResponseLimitOptions

    @Flag(help: "Download CRLs afresh instead of using those kept for five minutes in ~/.cache/signtool/crl.")
    var noCache = false

    func validate() throws { try checkTimeout(timeout) }

    /// The fetcher these options describe; nil with --offline.
    func fetcher() -> RevocationFetcher? {
        guard !offline else { return nil }
        var http = HTTPFetcher.Options()
        limits.apply(to: &http, seconds: timeout)
        return RevocationFetcher(options: http, cacheDirectory: noCache ? nil : RevocationFetcher.defaultCacheDirectory())
    }
}

struct TSAOptions: ParsableArguments {
    @Option(help: ArgumentHelp("RFC 3161 timestamp authority, e.g. http://127.0.0.1:8080/tsa.", valueName: "url"))
    var tsa: String?

    @Option(help: ArgumentHelp("File holding the TSA's bearer token (default: $SIGNTOOL_TSA_TOKEN).", valueName: "file"))
    var tsaTokenFile: String?

    @Option(help: ArgumentHelp("Seconds for each exchange with a server (TSA, OCSP, CRL).", valueName: "seconds"))
    var timeout: Double = 10

    @Option(help: ArgumentHelp("Roots the TSA's certificate must chain to (repeatable; default: $SIGNTOOL_TSA_TRUST, and the roots in --chain).", valueName: "file"))
    var tsaTrust: [String] = []

    @OptionGroup var limits: ResponseLimitOptions

    /// The roots given for the TSA: --tsa-trust, else the file $SIGNTOOL_TSA_TRUST names.
    func trustedRoots() throws -> [Certificate] {
        var files = tsaTrust
        if files.isEmpty, let env = ProcessInfo.processInfo.environment["SIGNTOOL_TSA_TRUST"], !env.isEmpty { files = [env] }
        return try files.flatMap { try Certificate.loadAll(FileIO.read($0), source: $0) }
    }

    func validate() throws {
        try checkTimeout(timeout)
        if let tsa {
            guard let url = URLComponents(string: tsa), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
                  url.host?.isEmpty == false else {
                throw ValidationError("--tsa must be an http:// or https:// address, such as http://pki.example.sy/tsa")
            }
            if url.user != nil || url.password != nil {
                throw ValidationError("--tsa must not carry a user name or password; give the TSA's token with --tsa-token-file or SIGNTOOL_TSA_TOKEN")
            }
        }
    }

    func httpOptions() throws -> HTTPFetcher.Options {
        var options = HTTPFetcher.Options()
        limits.apply(to: &options, seconds: timeout)
        var token = ProcessInfo.processInfo.environment["SIGNTOOL_TSA_TOKEN"]
        var source = "SIGNTOOL_TSA_TOKEN"
        if let tsaTokenFile {
            token = String(decoding: try FileIO.read(tsaTokenFile, limit: 4096), as: UTF8.self)
            source = tsaTokenFile
        }
        if let token = token?.trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty {
            // A bearer token is visible ASCII (RFC 6750 2.1); anything else would break the
            // header, and the message must not repeat the secret.
            guard token.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
                throw ValidationError("the TSA token in \(source) holds spaces, line breaks or other characters a bearer token cannot have; nothing was sent")
            }
            options.authorization = "Bearer \(token)"
        }
        return options
    }
}

struct Timestamp: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Get an RFC 3161 timestamp for files (writes FILE.tsr).",
        discussion: """
            The file is hashed here and only its digest is sent, with a random nonce.
            The answer must be granted, cover the same digest and echo the nonce;
            it is written as FILE.tsr (a TimeStampResp), which
            `openssl ts -verify -in FILE.tsr -data FILE -CAfile ROOT.pem` checks.

            Example:
              signtool timestamp --tsa http://pki.example.sy/tsa --tsa-token-file token decision.pdf
            """
    )

    @OptionGroup var tsaOptions: TSAOptions

    @Option(help: "sha256, sha384 or sha512.")
    var digest: String = "sha256"

    @Option(help: "Output file (one input only; default FILE.tsr).")
    var out: String?

    @Flag(help: "Replace existing outputs.")
    var force = false

    @Argument(help: "Files to timestamp.")
    var files: [String]

    func validate() throws {
        guard tsaOptions.tsa != nil else { throw ValidationError("--tsa URL is required") }
        guard DigestAlgorithm(name: digest) != nil else { throw ValidationError("unknown digest '\(digest)'; use sha256, sha384 or sha512") }
        if out != nil && files.count != 1 { throw ValidationError("--out works with one file only") }
        guard !files.isEmpty else { throw ValidationError("name at least one file") }
    }

    func run() async throws {
        try await reportingErrors {
            let algorithm = DigestAlgorithm(name: digest)!
            let options = try tsaOptions.httpOptions()
            let trust = try tsaOptions.trustedRoots()
            for file in files {
                let target = out ?? file + ".tsr"
                if !force && FileIO.exists(target) {
                    throw SignServiceError(code: .outputExists, reason: "\(target) already exists; use --force to replace it")
                }
                let digestValue = try ContentDigest.digests(ofFileAt: file, algorithms: [algorithm])[algorithm]!
                let result = try await TimestampClient.timestamp(digest: digestValue, algorithm: algorithm, url: tsaOptions.tsa!, options: options)
                // With roots given, an answer that does not verify is not written.
                if !trust.isEmpty { try TimestampService(url: tsaOptions.tsa!, trust: trust).check(result.token, chain: []) }
                try FileIO.writeAtomically(result.response, to: target, mode: 0o644, replace: force)
                note("\(target): \(TimeArgument.format(result.token.time)) from \(result.token.tsa), serial \(result.token.serialHex)")
            }
        }
    }
}

/// A deadline for network exchanges: a finite number of seconds, more than none, at most an hour.
func checkTimeout(_ seconds: Double) throws {
    guard seconds.isFinite, seconds > 0, seconds <= 3600 else {
        throw ValidationError("--timeout is a number of seconds between 0 and 3600, not \(seconds)")
    }
}
