import Foundation
import Synchronization

/// Values computed at most once per key at a time, kept until they expire, and never
/// more than `capacity` of them: what a verifier that runs for months inside `signtool
/// serve` needs for CRLs, OCSP answers, parsed certificates and path results.
///
/// The first caller for a key computes while the others asking for it wait for its answer
/// (a batch verified on every core asks each CRL address once). A value is used until the
/// expiry its computation gave (a CRL's nextUpdate, an OCSP answer's freshness), then
/// computed again. Size is bounded by two generations: new keys go into the current one;
/// when it holds half the capacity it becomes the previous one, and the old previous one is
/// dropped. A key found in the previous generation moves back, so what is in use stays.
/// Values may also carry a cost (their size in bytes): a generation is also retired once
/// its values cost half of `maximumCost`, so attacker-sized inputs cannot fill memory.
final class ExpiringCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private final class Slot: @unchecked Sendable {
        // `value` and `expires` are written under `lock` only.
        let lock = NSLock()
        var value: Value?
        var expires = Date.distantPast
        /// The computation under way for an async caller; later callers await the same one.
        var inFlight: Task<(value: Value, expires: Date), Never>?
    }

    private struct Generations {
        var current: [Key: Slot] = [:]
        var previous: [Key: Slot] = [:]
        var currentCost = 0
        var previousCost = 0

        mutating func retireCurrent() {
            previous = current
            previousCost = currentCost
            current = [:]
            currentCost = 0
        }
    }

    private let generations = Mutex(Generations())
    let capacity: Int
    let maximumCost: Int

    init(capacity: Int, maximumCost: Int = .max) {
        self.capacity = max(2, capacity)
        self.maximumCost = maximumCost
    }

    /// The value for `key` if it has not expired at `now`, else the one `compute` gives with
    /// the time until which it may be used.
    func value(for key: Key, now: Date = Date(), compute: () -> (value: Value, expires: Date)) -> Value {
        let slot = self.slot(for: key)
        slot.lock.lock()
        defer { slot.lock.unlock() }
        if let value = slot.value, now < slot.expires { return value }
        let computed = compute()
        slot.value = computed.value
        slot.expires = computed.expires
        return computed.value
    }

    /// Like ``value(for:now:compute:)`` for asynchronous work (a download): no thread waits.
    /// The first caller starts the computation as a task kept in the slot; callers that come
    /// while it runs await that task, so a key is computed once at a time.
    func value(for key: Key, now: Date = Date(),
               compute: @escaping @Sendable () async -> (value: Value, expires: Date)) async -> Value {
        let slot = self.slot(for: key)
        var fresh: Value?
        let task: Task<(value: Value, expires: Date), Never>? = slot.lock.withLock {
            if let value = slot.value, now < slot.expires { fresh = value; return nil }
            if let running = slot.inFlight { return running }
            // Not tied to the first caller: callers that come later await it too.
            let started = Task(executorPreference: NetworkExecutor.shared) { await compute() }
            slot.inFlight = started
            return started
        }
        guard let task else { return fresh! }
        let computed = await task.value
        slot.lock.withLock {
            if slot.inFlight == task {
                slot.value = computed.value
                slot.expires = computed.expires
                slot.inFlight = nil
            }
        }
        return computed.value
    }

    /// A value that never expires (parsed immutable input), computed once per key; `cost`
    /// is its size in bytes, counted against `maximumCost`.
    func value(for key: Key, cost: Int = 0, compute: () throws -> Value) rethrows -> Value {
        let slot = self.slot(for: key)
        slot.lock.lock()
        defer { slot.lock.unlock() }
        if let value = slot.value { return value }
        let value = try compute()
        slot.value = value
        slot.expires = .distantFuture
        if cost > 0 {
            generations.withLock { generations in
                generations.currentCost += cost
                if generations.currentCost >= maximumCost / 2 { generations.retireCurrent() }
            }
        }
        return value
    }

    /// Keys held now (at most `capacity`).
    var count: Int { generations.withLock { $0.current.count + $0.previous.count } }

    /// The cost of the values held now (below `maximumCost`, give or take one value).
    var cost: Int { generations.withLock { $0.currentCost + $0.previousCost } }

    private func slot(for key: Key) -> Slot {
        generations.withLock { generations in
            if let slot = generations.current[key] { return slot }
            let slot = generations.previous.removeValue(forKey: key) ?? Slot()
            if generations.current.count >= capacity / 2 { generations.retireCurrent() }
            generations.current[key] = slot
            return slot
        }
    }
}
