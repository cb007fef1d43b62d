import Foundation
import Synchronization

/// Results computed at most once per key, however many threads ask at the same moment:
/// the first caller computes while the others wait for its answer. Used so that a batch
/// verified on every core asks each CRL address and OCSP responder once per run.
final class OncePerKey<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private final class Slot: @unchecked Sendable {
        // `value` is written once under `lock`, before `ready` is set.
        let lock = NSLock()
        var value: Value?
    }

    private let slots = Mutex<[Key: Slot]>([:])

    func value(for key: Key, compute: () -> Value) -> Value {
        let slot = slots.withLock { slots in
            if let existing = slots[key] { return existing }
            let created = Slot()
            slots[key] = created
            return created
        }
        slot.lock.lock()
        defer { slot.lock.unlock() }
        if let value = slot.value { return value }
        let value = compute()
        slot.value = value
        return value
    }
}
