import Foundation

/// Group commit for many writers adding documents in one process (`store ingest`).
///
/// Each writer streams its file into the blob store without waiting for the disk, then
/// queues its rows. One batch at a time is made durable: a single `syncfs` puts every
/// queued blob on disk, then one transaction (one WAL fsync) records all their rows and
/// audit entries. A writer returns only once its batch is committed, so acknowledged
/// still means on disk, at the cost of two flushes per batch instead of three per
/// document. A batch that fails is retried document by document, so one bad row refuses
/// only its own writer.
public actor GroupCommitIngest {
    public nonisolated let store: DocumentStore
    private var pending: [(DocumentStore.PreparedDocument, CheckedContinuation<Void, any Error>)] = []
    private var writing = false
    /// Largest batch committed at once.
    public static let maximumBatch = 1024
    /// Batches committed so far, and the documents in them (for benchmarks and tests).
    public private(set) var batches = 0
    public private(set) var committed = 0

    public init(store: DocumentStore) { self.store = store }

    /// Stores the file at `path` as version 1 of a new document; returns once it is on disk.
    public nonisolated func add(_ new: DocumentStore.NewDocument, fileAt path: String, name: String? = nil,
                                actor: String) async throws -> DocumentVersion {
        // File-system work blocks (on the journal while a batch is flushed): it runs on
        // threads of its own, never on the few that run Swift tasks.
        let store = store
        let prepared = try await withCheckedThrowingContinuation { continuation in
            Self.preparing.async {
                continuation.resume(with: Result { try store.prepare(new, fileAt: path, name: name, actor: actor, flush: false) })
            }
        }
        try await commit(prepared)
        return prepared.version
    }

    private static let preparing = DispatchQueue(label: "store.ingest.prepare", attributes: .concurrent)

    private func commit(_ prepared: DocumentStore.PreparedDocument) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            pending.append((prepared, continuation))
            if !writing {
                writing = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !pending.isEmpty {
            let count = min(pending.count, Self.maximumBatch)
            let batch = Array(pending.prefix(count))
            pending.removeFirst(count)
            let results = await Self.write(batch.map(\.0), store: store)
            batches += 1
            for ((_, continuation), result) in zip(batch, results) {
                switch result {
                case .success: committed += 1; continuation.resume()
                case .failure(let error): continuation.resume(throwing: error)
                }
            }
        }
        writing = false
    }

    /// Off the actor: the flush and the commit block a thread, not the queue.
    private static func write(_ batch: [DocumentStore.PreparedDocument], store: DocumentStore) async -> [Result<Void, any Error>] {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: writeNow(batch, store: store))
            }
        }
    }

    private static func writeNow(_ batch: [DocumentStore.PreparedDocument], store: DocumentStore) -> [Result<Void, any Error>] {
        do { try store.blobs.flushAll() } catch { return batch.map { _ in .failure(error) } }
        do {
            try store.database.createDocuments(batch)
            return batch.map { _ in .success(()) }
        } catch {
            if batch.count == 1 { return [.failure(error)] }
        }
        return batch.map { item in Result { try store.database.createDocuments([item]) } }
    }
}
