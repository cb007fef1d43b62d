internal import COpenSSL
import Foundation

/// Prepared `EVP_PKEY_CTX`s for one key and one operation, reused across documents.
///
/// Preparing a context makes OpenSSL 3.0 look algorithms up in its provider store, under
/// a lock that makes threads queue; a batch of thousands of signatures prepares one
/// context per thread instead of one per signature.
final class KeyContextPool: @unchecked Sendable {
    // `idle` is only touched under `lock`; a context is used by one thread at a time.
    private let lock = NSLock()
    private var idle: [OpaquePointer] = []
    private let prepare: () throws -> OpaquePointer

    /// `prepare` returns a new, initialised context (owned by the pool from then on).
    init(prepare: @escaping () throws -> OpaquePointer) {
        self.prepare = prepare
    }

    deinit { for ctx in idle { EVP_PKEY_CTX_free(ctx) } }

    func withContext<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        let ctx = try lock.withLock { idle.popLast() } ?? prepare()
        defer { lock.withLock { idle.append(ctx) } }
        return try body(ctx)
    }
}
