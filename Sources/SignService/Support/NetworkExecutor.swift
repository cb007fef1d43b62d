import Foundation

/// A task executor on a few threads of its own, for work that only waits (network
/// exchanges, their deadlines, the fetches between verification passes).
///
/// Swift's cooperative pool has as many threads as cores; a caller that blocks some of
/// them (a synchronous test, a command waiting for a subprocess) would otherwise delay
/// every download and every deadline. Jobs here never block, so two threads serve any
/// number of waiting exchanges.
final class NetworkExecutor: TaskExecutor, @unchecked Sendable {
    // `jobs` is guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    /// The executor the network layer runs on.
    static let shared = NetworkExecutor(name: "signtool-network", threads: 2)

    init(name: String, threads: Int) {
        for index in 0..<max(1, threads) {
            // The executor is meant to live as long as the process: its threads keep it.
            let thread = Thread { self.work() }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func work() {
        var batch: [UnownedJob] = []
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            // Take one job at a time so that the other thread shares the queue.
            batch = [jobs.removeFirst()]
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }
}
