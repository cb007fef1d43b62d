import ArgumentParser

@main
struct SignTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signtool",
        abstract: "Sign official documents and verify signatures (CMS / CAdES, OpenSSL 3).",
        discussion: """
            Officials sign with `signtool sign`; anyone checks a signature, an ASiC-E
            container or an RFC 3161 timestamp with `signtool verify`. Signatures are
            CAdES baseline B-B, B-T or B-LT (CMS SignedData, DER), which
            `openssl cms -verify` accepts. A ministry runs its own CA with `ca`, `cert`
            and `crl`, and its timestamp and OCSP service with `serve` and `client`.

            Exit status:
              0   success / TOTAL_PASSED        64  usage error
              1   TOTAL_FAILED                  65  malformed input
              2   INDETERMINATE                 66  input file not found
              67  key does not match the certificate
              68  unsupported algorithm or key type
              69  signature does not cover the document (--add-to)
              70  internal error                73  output exists / cannot be created
              74  I/O error                     75  server unreachable / timed out
              76  server refused the request    77  passphrase missing or wrong
              78  a certificate of the chain is revoked (sign --level LT)
              79  the signer's certificate cannot sign now: expired, not yet
                  valid, or not for signing documents (sign)
            """,
        version: "0.1.0",
        subcommands: [Sign.self, Verify.self, Key.self, CA.self, Cert.self, CRL.self, Timestamp.self, Serve.self, Client.self, Store.self, Archive.self]
    )

    static func main() async {
        do {
            let split = FileListArguments.split(Array(CommandLine.arguments.dropFirst()))
            var command = try parseAsRoot(split.arguments)
            if !split.moreFiles.isEmpty, var takesFiles = command as? any TakesFileList {
                takesFiles.fileList += split.moreFiles
                try takesFiles.validate()
                command = takesFiles
            }
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// A command whose positional arguments are a (possibly very long) list of files.
protocol TakesFileList: ParsableCommand {
    var fileList: [String] { get set }
}

/// ArgumentParser's cost grows with the square of the number of positional arguments
/// (10,000 files take two seconds to parse). A long file list is therefore split off
/// before parsing: ArgumentParser sees the options and the first file, the rest are
/// appended to the parsed command and validated again.
enum FileListArguments {
    /// Options that take a value, per subcommand; everything else starting with "-" is a flag.
    static let valueOptions: [String: Set<String>] = [
        "sign": ["--key", "--cert", "--p12", "--chain", "--passphrase-file", "--digest", "--add-to", "--out", "--out-dir",
                 "--tsa", "--tsa-token-file", "--timeout", "--level", "--asic"],
        "verify": ["--trust", "--untrusted", "--crl", "--content", "--lang", "--timeout", "--max-entry-size", "--max-ratio"],
    ]
    static let threshold = 64

    static func split(_ arguments: [String]) -> (arguments: [String], moreFiles: [String]) {
        guard arguments.count > threshold, let command = arguments.first,
              let takesValue = valueOptions[command] else { return (arguments, []) }
        var kept = [command]
        var files: [String] = []
        var index = 1
        var afterTerminator = false
        while index < arguments.count {
            let argument = arguments[index]
            if afterTerminator {
                files.append(argument)
            } else if argument == "--" {
                afterTerminator = true
            } else if argument.hasPrefix("-") && argument != "-" {
                kept.append(argument)
                if takesValue.contains(argument), index + 1 < arguments.count {
                    kept.append(arguments[index + 1])
                    index += 1
                }
            } else {
                files.append(argument)
            }
            index += 1
        }
        guard let first = files.first else { return (arguments, []) }
        // "--" keeps a first file that starts with "-" from being read as an option.
        return (kept + ["--", first], Array(files.dropFirst()))
    }
}
