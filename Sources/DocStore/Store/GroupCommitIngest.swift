import AuditLog
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
public struct GroupCommitIngest: Sendable {
    public let store: DocumentStore
    private let queue: GroupCommit<DocumentStore.PreparedDocument>
    /// Largest batch committed at once.
    public static let maximumBatch = 1024

    public init(store: DocumentStore) {
        self.store = store
        queue = GroupCommit(maximumBatch: Self.maximumBatch) { batch in
            // Off the Swift task threads: the flush and the commit block a thread.
            await withCheckedContinuation { continuation in
                DispatchQueue.global().async { continuation.resume(returning: Self.write(batch, store: store)) }
            }
        }
    }

    /// Stores the file at `path` as version 1 of a new document; returns once it is on disk.
    public func add(_ new: DocumentStore.NewDocument, fileAt path: String, name: String? = nil,
                    actor: String) async throws -> DocumentVersion {
        // File-system work blocks (on the journal while a batch is flushed): it runs on
        // threads of its own, never on the few that run Swift tasks.
        let store = store
        let prepared = try await withCheckedThrowingContinuation { continuation in
            Self.preparing.async {
                continuation.resume(with: Result { try store.prepare(new, fileAt: path, name: name, actor: actor, flush: false) })
            }
        }
        try await queue.submit(prepared)
        return prepared.version
    }

    private static let preparing = DispatchQueue(label: "store.ingest.prepare", attributes: .concurrent)

    private static func write(_ batch: [DocumentStore.PreparedDocument], store: DocumentStore) -> [Result<Void, any Error>] {
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
