import ArgumentParser
import Foundation
import SignService

/// How to reach a timestamp authority; shared by `timestamp` and `sign --tsa`.
struct TSAOptions: ParsableArguments {
    @Option(help: ArgumentHelp("RFC 3161 timestamp authority, e.g. http://127.0.0.1:8080/tsa.", valueName: "url"))
    var tsa: String?

    @Option(help: ArgumentHelp("File holding the TSA's bearer token (default: $SIGNTOOL_TSA_TOKEN).", valueName: "file"))
    var tsaTokenFile: String?

    @Option(help: ArgumentHelp("Seconds to wait for a server (TSA, OCSP, CRL).", valueName: "seconds"))
    var timeout: Double = 10

    func httpOptions() throws -> HTTPFetcher.Options {
        var options = HTTPFetcher.Options()
        options.timeout = timeout
        var token = ProcessInfo.processInfo.environment["SIGNTOOL_TSA_TOKEN"]
        if let tsaTokenFile {
            token = String(decoding: try FileIO.read(tsaTokenFile, limit: 4096), as: UTF8.self)
        }
        if let token = token?.trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty {
            options.headers["Authorization"] = "Bearer \(token)"
        }
        return options
    }
}

struct Timestamp: ParsableCommand {
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

    func run() throws {
        try reportingErrors {
            let algorithm = DigestAlgorithm(name: digest)!
            let options = try tsaOptions.httpOptions()
            for file in files {
                let target = out ?? file + ".tsr"
                if !force && FileIO.exists(target) {
                    throw SignServiceError(code: .outputExists, reason: "\(target) already exists; use --force to replace it")
                }
                let digestValue = try ContentDigest.digests(ofFileAt: file, algorithms: [algorithm])[algorithm]!
                let result = try TimestampClient.timestamp(digest: digestValue, algorithm: algorithm, url: tsaOptions.tsa!, options: options)
                try FileIO.writeAtomically(result.response, to: target, mode: 0o644, replace: force)
                note("\(target): \(TimeArgument.format(result.token.time)) from \(result.token.tsa), serial \(result.token.serialHex)")
            }
        }
    }
}
