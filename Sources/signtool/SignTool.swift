import ArgumentParser

@main
struct SignTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signtool",
        abstract: "Sign official documents and verify signatures (CMS / CAdES, OpenSSL 3).",
        discussion: """
            Officials sign with `signtool sign`; anyone checks a signature with `signtool verify`.
            Signatures are CAdES baseline B-B (CMS SignedData, DER): `openssl cms -verify` accepts them.

            Exit status: 0 success / TOTAL_PASSED, 1 TOTAL_FAILED, 2 INDETERMINATE,
            64 usage error, 65 malformed input, 66 input file not found, 67 key does not match
            certificate, 68 unsupported algorithm, 69 signature does not cover the document,
            70 internal error, 73 output exists or cannot be created, 74 I/O error,
            77 passphrase missing or wrong.
            """,
        version: "0.1.0",
        subcommands: [Sign.self, Verify.self, Key.self]
    )
}
