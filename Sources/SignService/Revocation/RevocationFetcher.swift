import Foundation
import Synchronization

/// Downloads CRLs from the addresses certificates name, once per address and run.
///
/// Used by `sign --level LT` to embed revocation values and by `verify` (unless
/// `--offline`) to find revocation data a signature does not carry. A failed download is
/// remembered too, so a dead server costs one timeout, not one per signature.
public final class RevocationFetcher: Sendable {
    private let options: HTTPFetcher.Options
    private let cache = Mutex<[String: Result<CertificateRevocationList, SignServiceError>]>([:])

    public init(options: HTTPFetcher.Options = HTTPFetcher.Options()) {
        self.options = options
    }

    /// The CRL published at the certificate's first distribution point that answers.
    public func crl(for certificate: Certificate) throws -> CertificateRevocationList? {
        var lastError: SignServiceError?
        for url in certificate.crlDistributionPoints where url.hasPrefix("http://") || url.hasPrefix("https://") {
            switch fetch(url) {
            case .success(let crl): return crl
            case .failure(let error): lastError = error
            }
        }
        if let lastError { throw lastError }
        return nil
    }

    private func fetch(_ url: String) -> Result<CertificateRevocationList, SignServiceError> {
        if let cached = cache.withLock({ $0[url] }) { return cached }
        let result: Result<CertificateRevocationList, SignServiceError>
        do {
            let bytes = try HTTPFetcher.get(url, options: options)
            guard let crl = try CertificateRevocationList.loadAll(bytes, source: url).first else {
                throw SignServiceError(code: .serviceRefused, reason: "\(url): no CRL in the answer")
            }
            result = .success(crl)
        } catch let error as SignServiceError {
            result = .failure(error)
        } catch {
            result = .failure(SignServiceError(code: .networkFailure, reason: "\(url): \(error)"))
        }
        cache.withLock { $0[url] = result }
        return result
    }
}
