import ArgumentParser
import Foundation
import SignService

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
            DATA/service/tsa-token (made by `ca init`) stays valid as client
            "service".

            Examples:
              signtool client add --name "Ministry of Finance" --out mof.token
              signtool client list
              signtool client revoke --name "Ministry of Finance"
            """,
        subcommands: [Add.self, List.self, Revoke.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a client and print (or write) its new token.")
        @OptionGroup var data: DataOptions
        @Option(help: "The client's name, unique in this register.") var name: String
        @Option(help: ArgumentHelp("Write the token to this file (mode 0600) instead of printing it.", valueName: "file"))
        var out: String?

        func validate() throws {
            let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty, trimmed == name, name.count <= 200, !name.contains(where: \.isNewline) else {
                throw ValidationError("--name must be 1 to 200 characters on one line, without leading or trailing spaces")
            }
        }

        func run() throws {
            try reportingErrors {
                let authority = try data.openAuthority()
                let token = TokenFile.newToken()
                // The file comes first: a name registered with a token nobody has is worse than none.
                if let out {
                    try FileIO.writeAtomically(Array((token + "\n").utf8), to: out, mode: 0o600, exactMode: true)
                }
                do {
                    try authority.database.addClient(name: name, tokenHash: try ContentDigest.digest(Array(token.utf8), algorithm: .sha256))
                } catch {
                    if let out { unlink(out) }
                    throw error
                }
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
                for client in try data.openAuthority().database.clients() {
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
                try data.openAuthority().database.revokeClient(name: name)
                note("client \"\(name)\" revoked")
            }
        }
    }
}
