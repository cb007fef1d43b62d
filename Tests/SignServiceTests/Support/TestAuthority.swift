import Foundation
import Testing

/// A CA made by `signtool ca init` in a scratch directory, for tests of the PKI lifecycle.
final class TestAuthority {
    let work: ScratchDirectory
    let data: String
    static let passphrase = "ca-test-passphrase"
    /// Each test CA has its own CRL cache, so no test sees another's downloads.
    var environment: [String: String] {
        // The CA's root is trusted for its own TSA's answers (sign --tsa checks them).
        ["SIGNTOOL_CA_PASSPHRASE": Self.passphrase, "SIGNTOOL_DATA": data, "XDG_CACHE_HOME": work.path("cache"),
         "SIGNTOOL_TSA_TRUST": work.path("root.pem")]
    }

    init(publicURL: String? = nil, algorithm: String = "p256", subject: String = "C=SY, O=وزارة الاتصالات, CN=Test Government CA") throws {
        work = try ScratchDirectory()
        data = work.path("data")
        var arguments = ["ca", "init", "--subject", subject, "--algorithm", algorithm]
        if let publicURL { arguments += ["--public-url", publicURL] }
        let result = try run(arguments)
        guard result.status == 0 else { throw TestFailure("ca init failed: \(result.stderr)") }
        for (flag, name) in [("--root", "root.pem"), ("--issuing", "issuing.pem"), ("--chain", "chain.pem")] {
            let exported = try run(["ca", "export", flag, "--out", work.path(name)])
            guard exported.status == 0 else { throw TestFailure("ca export failed: \(exported.stderr)") }
        }
    }

    var root: String { work.path("root.pem") }
    var issuing: String { work.path("issuing.pem") }
    var chain: String { work.path("chain.pem") }

    func run(_ arguments: [String], environment extra: [String: String] = [:]) throws -> CommandResult {
        try Shell.signtool(arguments, in: work.url, environment: environment.merging(extra) { $1 })
    }

    /// Issues a certificate with a fresh unencrypted key; returns (key, cert) paths.
    @discardableResult
    func issue(_ name: String, profile: String = "official", subject: String? = nil, extra: [String] = []) throws -> (key: String, cert: String) {
        let key = work.path("\(name).key"), cert = work.path("\(name).pem")
        let result = try run(["cert", "issue", "--profile", profile, "--subject", subject ?? "C=SY, O=Test, CN=\(name)",
                              "--key-out", key, "--no-key-passphrase", "--out", cert] + extra)
        guard result.status == 0 else { throw TestFailure("cert issue failed: \(result.stderr)") }
        return (key, cert)
    }

    func serial(of cert: String) throws -> String {
        let result = try Shell.openssl(["x509", "-in", cert, "-noout", "-serial"], in: work.url)
        return String(result.stdout.split(separator: "=").last ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
