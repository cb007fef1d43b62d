internal import COpenSSL
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The message digests signtool signs with (SHA-2 family, as CAdES baseline requires).
public enum DigestAlgorithm: String, Sendable, CaseIterable, Codable {
    case sha256 = "SHA-256"
    case sha384 = "SHA-384"
    case sha512 = "SHA-512"

    var evp: OpaquePointer {
        switch self {
        case .sha256: return EVP_sha256()
        case .sha384: return EVP_sha384()
        case .sha512: return EVP_sha512()
        }
    }

    /// The provider implementation, fetched once. Using it instead of `evp` spares every
    /// digest OpenSSL 3's implicit fetch, whose locks make threads queue behind each other.
    var fetched: OpaquePointer {
        switch self {
        case .sha256: return FetchedDigests.shared.sha256
        case .sha384: return FetchedDigests.shared.sha384
        case .sha512: return FetchedDigests.shared.sha512
        }
    }

    var nid: Int32 {
        switch self {
        case .sha256: return NID_sha256
        case .sha384: return NID_sha384
        case .sha512: return NID_sha512
        }
    }

    init?(nid: Int32) {
        switch nid {
        case NID_sha256: self = .sha256
        case NID_sha384: self = .sha384
        case NID_sha512: self = .sha512
        default: return nil
        }
    }

    /// Accepts "sha256", "SHA-256", "sha-256".
    public init?(name: String) {
        let key = name.lowercased().replacingOccurrences(of: "-", with: "")
        switch key {
        case "sha256": self = .sha256
        case "sha384": self = .sha384
        case "sha512": self = .sha512
        default: return nil
        }
    }
}

/// Explicitly fetched EVP_MDs, kept for the life of the process.
private final class FetchedDigests: @unchecked Sendable {
    // Fetched EVP_MD objects are immutable and may be shared between threads.
    static let shared = FetchedDigests()
    let sha256: OpaquePointer
    let sha384: OpaquePointer
    let sha512: OpaquePointer

    private init() {
        func fetch(_ name: String, fallback: OpaquePointer) -> OpaquePointer {
            EVP_MD_fetch(nil, name, nil) ?? fallback
        }
        sha256 = fetch("SHA2-256", fallback: EVP_sha256())
        sha384 = fetch("SHA2-384", fallback: EVP_sha384())
        sha512 = fetch("SHA2-512", fallback: EVP_sha512())
    }
}

/// Streaming digests of content: a file of any size is hashed in fixed-size chunks, never
/// read into memory whole.
public enum ContentDigest {
    static let chunkSize = 1 << 20

    /// Digests the file at `path` with every algorithm in `algorithms` in one pass.
    public static func digests(ofFileAt path: String,
                               algorithms: Set<DigestAlgorithm>) throws -> [DigestAlgorithm: [UInt8]] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileIO.openError(path) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SignServiceError.io("\(path): \(FileIO.errnoText())") }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw SignServiceError.malformed("\(path): is a directory") }
        if info.st_size > chunkSize { _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL) }
        let bufferSize = max(4096, min(Int(info.st_size) + 1, chunkSize))

        return try withContexts(algorithms) { contexts in
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 64)
            defer { buffer.deallocate() }
            while true {
                let n = read(fd, buffer, bufferSize)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SignServiceError.io("\(path): read failed: \(FileIO.errnoText())")
                }
                if n == 0 { break }
                for (_, ctx) in contexts {
                    guard EVP_DigestUpdate(ctx, buffer, n) == 1 else {
                        throw SignServiceError.openSSL("digest update failed")
                    }
                }
            }
        }
    }

    /// Digests bytes already in memory (attached content).
    public static func digests(of bytes: UnsafeRawBufferPointer,
                               algorithms: Set<DigestAlgorithm>) throws -> [DigestAlgorithm: [UInt8]] {
        try withContexts(algorithms) { contexts in
            for (_, ctx) in contexts {
                guard EVP_DigestUpdate(ctx, bytes.baseAddress, bytes.count) == 1 else {
                    throw SignServiceError.openSSL("digest update failed")
                }
            }
        }
    }

    /// Digests data that arrives in pieces: `produce` calls `update` with each piece.
    package static func digests(algorithms: Set<DigestAlgorithm>,
                        produce: (_ update: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws -> [DigestAlgorithm: [UInt8]] {
        try withContexts(algorithms) { contexts in
            try produce { piece in
                for (_, ctx) in contexts where piece.count > 0 {
                    guard EVP_DigestUpdate(ctx, piece.baseAddress, piece.count) == 1 else {
                        throw SignServiceError.openSSL("digest update failed")
                    }
                }
            }
        }
    }

    /// Digest of a small in-memory value (certificates for ESS references).
    public static func digest(_ bytes: [UInt8], algorithm: DigestAlgorithm) throws -> [UInt8] {
        try bytes.withUnsafeBytes { try digests(of: $0, algorithms: [algorithm])[algorithm]! }
    }

    private static func withContexts(
        _ algorithms: Set<DigestAlgorithm>,
        _ body: ([(DigestAlgorithm, OpaquePointer)]) throws -> Void
    ) throws -> [DigestAlgorithm: [UInt8]] {
        var contexts: [(DigestAlgorithm, OpaquePointer)] = []
        defer { for (_, ctx) in contexts { EVP_MD_CTX_free(ctx) } }
        for algorithm in algorithms {
            guard let ctx = EVP_MD_CTX_new() else { throw SignServiceError.openSSL("cannot allocate a digest") }
            contexts.append((algorithm, ctx))
            guard EVP_DigestInit_ex(ctx, algorithm.fetched, nil) == 1 else {
                throw SignServiceError.openSSL("cannot start \(algorithm.rawValue)")
            }
        }
        try body(contexts)
        var result: [DigestAlgorithm: [UInt8]] = [:]
        for (algorithm, ctx) in contexts {
            var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
            var length: UInt32 = 0
            guard EVP_DigestFinal_ex(ctx, &out, &length) == 1 else {
                throw SignServiceError.openSSL("cannot finish \(algorithm.rawValue)")
            }
            result[algorithm] = Array(out[0..<Int(length)])
        }
        return result
    }
}
