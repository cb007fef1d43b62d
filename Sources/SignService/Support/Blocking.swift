import Foundation
import Synchronization

/// The bridge from synchronous code to the asynchronous network layer: the calling thread
/// waits while the work runs as a task that never blocks.
///
/// For synchronous callers (the command line's main thread, a Dispatch worker). The work
/// runs on ``NetworkExecutor``, not on the cooperative pool, so a caller on a cooperative
/// thread does not starve it; it still holds that thread while it waits, so code that runs
/// in a task calls the `async` APIs instead.
enum Blocking {
    static func run<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
        let outcome = Outcome<T>()
        let done = DispatchSemaphore(value: 0)
        Task(executorPreference: NetworkExecutor.shared) {
            let result: Result<T, any Error>
            do { result = .success(try await work()) } catch { result = .failure(error) }
            outcome.value.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return try outcome.value.withLock { $0! }.get()
    }

    private final class Outcome<T: Sendable>: Sendable {
        let value = Mutex<Result<T, any Error>?>(nil)
    }
}
