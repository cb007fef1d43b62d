import Foundation
import Synchronization

/// Downloads CRLs from the addresses certificates name, once per address while the CRL is
/// current.
///
/// Used by `sign --level LT` to embed revocation values and by `verify` (unless
/// `--offline`) to find revocation data a signature does not carry. A CRL is used until its
/// nextUpdate, and at most ``memoryLifetime`` (so a revocation published early is seen
/// within minutes by a verifier that runs for months); then it is fetched again. A failed
/// download is remembered for ``failureLifetime``, so a dead server costs one timeout per
/// minute, not one per signature. At most ``capacity`` addresses are remembered.
public final class RevocationFetcher: Sendable {
    let options: HTTPFetcher.Options
    private let cache = ExpiringCache<String, Result<CertificateRevocationList, SignServiceError>>(capacity: RevocationFetcher.capacity)
    /// Addresses remembered at once.
    public static let capacity = 1024
    /// How long a downloaded CRL is used before it is fetched again (never past its nextUpdate).
    public static let memoryLifetime: TimeInterval = 300
    /// How long a failed download is remembered.
    public static let failureLifetime: TimeInterval = 60
    /// CRLs kept between runs until their nextUpdate; nil keeps nothing on disk.
    private let cacheDirectory: String?

    public init(options: HTTPFetcher.Options = HTTPFetcher.Options(), cacheDirectory: String? = nil) {
        self.options = options.withoutCredentials
        self.cacheDirectory = cacheDirectory
    }

    /// `$XDG_CACHE_HOME/signtool/crl`, else `~/.cache/signtool/crl`.
    public static func defaultCacheDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/signtool/crl" }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.cache/signtool/crl" }
        return nil
    }

    /// How long a CRL kept on disk is used before it is fetched again (and never past its nextUpdate).
    public static let diskCacheLifetime: TimeInterval = 300

    /// The CRL published at the certificate's first distribution point that answers.
    public func crl(for certificate: Certificate) async throws -> CertificateRevocationList? {
        var lastError: SignServiceError?
        for url in certificate.crlDistributionPoints where url.hasPrefix("http://") || url.hasPrefix("https://") {
            switch await fetch(url, issuerKey: certificate.issuerIdentity) {
            case .success(let crl): return crl
            case .failure(let error): lastError = error
            }
        }
        if let lastError { throw lastError }
        return nil
    }

    /// `issuerKey` (issuer name and key identifier) keeps CRLs of different CAs apart on disk
    /// even when they were published at the same address.
    private func fetch(_ url: String, issuerKey: [UInt8]) async -> Result<CertificateRevocationList, SignServiceError> {
        // Keyed by address and issuer: a CRL fetched for one CA is never handed to another's
        // certificate that names the same address.
        await cache.value(for: url + "\u{0}" + Hex.lower(issuerKey)) {
            let now = Date()
            let result = await self.download(url, issuerKey: issuerKey)
            switch result {
            case .success(let crl):
                // A CRL already past its nextUpdate is asked for again soon, not kept.
                let until = min(crl.nextUpdate ?? now.addingTimeInterval(Self.memoryLifetime), now.addingTimeInterval(Self.memoryLifetime))
                return (result, until > now ? until : now.addingTimeInterval(Self.failureLifetime / 4))
            case .failure:
                return (result, now.addingTimeInterval(Self.failureLifetime))
            }
        }
    }

    private func download(_ url: String, issuerKey: [UInt8]) async -> Result<CertificateRevocationList, SignServiceError> {
        let result: Result<CertificateRevocationList, SignServiceError>
        let file = try? cacheFile(for: Array(url.utf8) + [0] + issuerKey)
        do {
            if let file, let attributes = try? FileManager.default.attributesOfItem(atPath: file),
               let modified = attributes[.modificationDate] as? Date,
               Date().timeIntervalSince(modified) < Self.diskCacheLifetime,
               let bytes = try? FileIO.read(file, limit: 64 << 20),
               let crl = try? CertificateRevocationList.loadAll(bytes, source: file).first,
               let next = crl.nextUpdate, next > Date() {
                return .success(crl)
            }
            let bytes = try await HTTPFetcher.get(url, kind: .crl, options: options.withoutCredentials)
            guard let crl = try CertificateRevocationList.loadAll(bytes, source: url).first else {
                throw SignServiceError(code: .serviceRefused, reason: "\(url): no CRL in the answer")
            }
            if let file { try? FileIO.writeAtomically(crl.derBytes, to: file, mode: 0o644, replace: true) }
            result = .success(crl)
        } catch let error as SignServiceError {
            result = .failure(error)
        } catch {
            result = .failure(SignServiceError(code: .networkFailure, reason: "\(url): \(error)"))
        }
        return result
    }

    private func cacheFile(for key: [UInt8]) throws -> String? {
        guard let cacheDirectory else { return nil }
        try FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let name = Hex.lower(try ContentDigest.digest(key, algorithm: .sha256).prefix(16))
        return cacheDirectory + "/" + name + ".crl"
    }
}
