import ArgumentParser
import Foundation
import SignService

struct Key: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage private keys.",
        subcommands: [Generate.self]
    )

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a private key, written as encrypted PKCS#8 PEM with mode 0600.",
            discussion: """
                The passphrase comes from --passphrase-file, SIGNTOOL_PASSPHRASE,
                or is asked twice on the terminal. An existing file is never
                overwritten. An unencrypted key is written only with
                --no-passphrase.

                Example:
                  signtool key generate --algorithm p256 --out official.key
                """
        )

        @Option(help: "p256, p384, rsa2048, rsa3072 or rsa4096.")
        var algorithm: String = "p256"

        @Option(help: "Where to write the key (must not exist).")
        var out: String

        @Option(help: "File whose first line is the passphrase.")
        var passphraseFile: String?

        @Flag(help: "Write the key unencrypted (not recommended).")
        var noPassphrase = false

        @Option(help: "Also write the public key (PEM) here.")
        var publicOut: String?

        func validate() throws {
            if PrivateKey.Algorithm(rawValue: algorithm) == nil {
                throw ValidationError("unknown algorithm '\(algorithm)'; use p256, p384, rsa2048, rsa3072 or rsa4096")
            }
            if noPassphrase && passphraseFile != nil {
                throw ValidationError("--no-passphrase and --passphrase-file contradict each other")
            }
        }

        func run() throws {
            try reportingErrors {
                if FileIO.exists(out) {
                    throw SignServiceError(code: .outputExists, reason: "\(out) already exists; it was left unchanged")
                }
                let passphrase = try choosePassphrase()
                let key = try PrivateKey.generate(PrivateKey.Algorithm(rawValue: algorithm)!)
                try FileIO.writeAtomically(try key.pkcs8PEM(passphrase: passphrase), to: out, mode: 0o600, exactMode: true)
                if let publicOut {
                    try FileIO.writeAtomically(try key.publicKeyPEM(), to: publicOut, mode: 0o644)
                }
                FileHandle.standardError.write(Data("signtool: wrote \(key.algorithmDescription) key to \(out)\(passphrase == nil ? " (unencrypted)" : "")\n".utf8))
            }
        }

        private func choosePassphrase() throws -> Passphrase? {
            if noPassphrase { return nil }
            if let configured = try PassphraseSource(file: passphraseFile).configured() {
                guard !configured.isEmpty else {
                    throw SignServiceError(code: .passphraseRequired, reason: "the passphrase is empty; use --no-passphrase for an unencrypted key")
                }
                return configured
            }
            guard let first = Terminal.readSecret(prompt: "New passphrase for \(out): ") else {
                throw SignServiceError(code: .passphraseRequired,
                                       reason: "a passphrase is needed: give --passphrase-file, set SIGNTOOL_PASSPHRASE, or --no-passphrase")
            }
            guard !first.isEmpty else {
                throw SignServiceError(code: .passphraseRequired, reason: "the passphrase is empty; use --no-passphrase for an unencrypted key")
            }
            guard Terminal.readSecret(prompt: "Repeat the passphrase: ") == first else {
                throw SignServiceError(code: .passphraseRequired, reason: "the passphrases do not match; no key was written")
            }
            return Passphrase(first)
        }
    }
}
