internal import COpenSSL
import Foundation

/// Prepared OpenSSL contexts (`EVP_PKEY_CTX`, `TS_RESP_CTX`) for one key and one
/// operation, reused across documents and requests.
///
/// Preparing a context makes OpenSSL 3.0 look algorithms up in its provider store, under
/// a lock that makes threads queue; a batch of thousands of signatures prepares one
/// context per thread instead of one per signature.
package final class PreparedContextPool: @unchecked Sendable {
    // `idle` is only touched under `lock`; a context is used by one thread at a time.
    private let lock = NSLock()
    private var idle: [OpaquePointer] = []
    private let prepare: () throws -> OpaquePointer
    private let free: (OpaquePointer) -> Void

    /// `prepare` returns a new, initialised context (owned by the pool from then on);
    /// `free` releases one.
    package init(prepare: @escaping () throws -> OpaquePointer, free: @escaping (OpaquePointer) -> Void = { EVP_PKEY_CTX_free($0) }) {
        self.prepare = prepare
        self.free = free
    }

    deinit { for ctx in idle { free(ctx) } }

    package func withContext<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        let ctx = try lock.withLock { idle.popLast() } ?? prepare()
        defer { lock.withLock { idle.append(ctx) } }
        return try body(ctx)
    }
}
