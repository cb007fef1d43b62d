import ArgumentParser
import Foundation
import SignService
import TrustServices

/// The callers of the service's TSA, each with its own bearer token.
struct Client: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "Register, list and revoke the clients allowed to use the service's TSA.",
        discussion: """
            Each agency or system gets its own bearer token, so that one can be cut
            off without re-issuing everyone's. The register keeps only the token's
            SHA-256; the token itself is shown once. A running `signtool serve`
            accepts a new client, and refuses a revoked one, within a second.

            Adding, rotating and revoking need the CA passphrase: each row of the
            register carries a MAC under a key derived from the issuing CA's key,
            and the service ignores (and logs) a row written without it.

            The service's own token, DATA/service/tsa-token (made when `serve` first
            starts), is the client "service": revoke it, or rotate it with
            `client rotate --name service` (the new token goes into that file).

            Examples:
              signtool client add --name "Ministry of Finance" --out mof.token
              signtool client list
              signtool client rotate --name "Ministry of Finance" --out mof.token
              signtool client revoke --name "Ministry of Finance"
            """,
        subcommands: [Add.self, List.self, Rotate.self, Revoke.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a client and print (or write) its new token.")
        @OptionGroup var data: DataOptions
        @Option(help: "The client's name, unique in this register.") var name: String
        @Option(help: ArgumentHelp("Write the token to this file (mode 0600) instead of printing it.", valueName: "file"))
        var out: String?

        func validate() throws {
            let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty, trimmed == name, name.count <= 200, !name.contains(where: { $0.isNewline || $0.unicodeScalars.contains { CharacterSet.controlCharacters.contains($0) } }) else {
                throw ValidationError("--name must be 1 to 200 characters on one line, without control characters or leading or trailing spaces")
            }
            if name.caseInsensitiveCompare(CertificateAuthority.serviceClientName) == .orderedSame {
                throw ValidationError("the name \"service\" belongs to the service's own token; choose another")
            }
        }

        func run() throws {
            try reportingErrors {
                let authority = try data.openAuthority()
                let key = try authority.registerKey(passphrase: try data.caPassphrase())
                let token = TokenFile.newToken()
                // The file comes first: a name registered with a token nobody has is worse than none.
                if let out {
                    try FileIO.writeAtomically(Array((token + "\n").utf8), to: out, mode: 0o600, exactMode: true)
                }
                do {
                    try authority.register.addClient(name: name, tokenHash: try ContentDigest.digest(Array(token.utf8), algorithm: .sha256),
                                                     key: key)
                } catch {
                    if let out { unlink(out) }
                    throw error
                }
                try data.audit("client.added", object: "client:" + name,
                               details: ["tokenSHA256": Hex.lower(try ContentDigest.digest(Array(token.utf8), algorithm: .sha256))])
                if let out {
                    note("client \"\(name)\" registered; its token is in \(out)")
                } else {
                    FileHandle.standardOutput.write(Data((token + "\n").utf8))
                    note("client \"\(name)\" registered; the token above is shown only now")
                }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the registered clients.")
        @OptionGroup var data: DataOptions
        @Flag(help: "One JSON object per line.") var json = false

        func run() throws {
            try reportingErrors {
                var output = ""
                for client in try data.openAuthority().register.clients() {
                    let status = client.revokedAt.map { "revoked \(TimeArgument.format($0))" } ?? "active"
                    if json {
                        var object: [String: Any] = ["name": client.name, "createdAt": TimeArgument.format(client.createdAt),
                                                     "status": client.revokedAt == nil ? "active" : "revoked"]
                        if let revokedAt = client.revokedAt { object["revokedAt"] = TimeArgument.format(revokedAt) }
                        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                        output += String(decoding: data, as: UTF8.self) + "\n"
                    } else {
                        output += "\(TimeArgument.format(client.createdAt))  \(status.padding(toLength: 28, withPad: " ", startingAt: 0))  \(client.name)\n"
                    }
                }
                FileHandle.standardOutput.write(Data(output.utf8))
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a client's token: the service refuses it within a second.")
        @OptionGroup var data: DataOptions
        @Option(help: "The client's name.") var name: String

        func run() throws {
            try reportingErrors {
                let authority = try data.openAuthority()
                try authority.register.revokeClient(name: name, key: try authority.registerKey(passphrase: try data.caPassphrase()))
                try data.audit("client.revoked", object: "client:" + name)
                note("client \"\(name)\" revoked")
            }
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a client a new token; the old one is refused within a second.",
            discussion: "For the client \"service\" the new token replaces DATA/service/tsa-token unless --out says otherwise.")
        @OptionGroup var data: DataOptions
        @Option(help: "The client's name.") var name: String
        @Option(help: ArgumentHelp("Write the new token to this file (mode 0600, replaced) instead of printing it.", valueName: "file"))
        var out: String?

        func run() throws {
            try reportingErrors {
                let authority = try data.openAuthority()
                let key = try authority.registerKey(passphrase: try data.caPassphrase())
                let token = TokenFile.newToken()
                let target = out ?? (name == CertificateAuthority.serviceClientName ? authority.directory + "/service/tsa-token" : nil)
                let hash = try ContentDigest.digest(Array(token.utf8), algorithm: .sha256)
                // Checked before anything is written: a revoked or unknown client gets no file.
                guard let client = try authority.register.clients().first(where: { $0.name == name }) else {
                    throw SignServiceError(code: .fileNotFound, reason: "no client named \"\(name)\"")
                }
                guard client.revokedAt == nil else {
                    throw SignServiceError(code: .outputExists, reason: "client \"\(name)\" is revoked; a revocation is final (add a client under a new name)")
                }
                if let target {
                    try FileIO.writeAtomically(Array((token + "\n").utf8), to: target, mode: 0o600, exactMode: true, replace: true)
                }
                try authority.register.rotateClient(name: name, tokenHash: hash, key: key)
                try data.audit("client.rotated", object: "client:" + name, details: ["tokenSHA256": Hex.lower(hash)])
                if let target {
                    note("client \"\(name)\" has a new token in \(target); the old one is refused within a second")
                } else {
                    FileHandle.standardOutput.write(Data((token + "\n").utf8))
                    note("client \"\(name)\" has the new token above, shown only now; the old one is refused within a second")
                }
            }
        }
    }
}
