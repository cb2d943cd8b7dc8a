import Foundation

/// A task executor for tests that block their thread: `Process.waitUntilExit`, a semaphore around
/// a namespace thread, a polling `usleep`. Swift's cooperative pool has one thread per core (two
/// here), so a few such tests running in parallel stall every other test, and a test that times
/// something (a 1 s client timeout, a 6 s hold timer) measures the stall instead. Here a job that
/// finds no idle thread gets a new one, up to `maximumThreads`; past that it waits for one to come
/// free. The bound matters as much as the threads: without it every namespace test of the suite
/// starts its daemons at once, and on two cores a BIRD takes over ten seconds to open its socket.
///
/// Threads stay once made (idle ones wait for the next job).
public final class BlockingWorkExecutor: TaskExecutor, @unchecked Sendable {
    /// The executor of `.blockingWork` suites: four threads, twice what the cooperative pool of this
    /// two-core machine gave all the tests together, and the pool stays free for the rest. Eight
    /// made the suite faster (118 s) but put so many namespaces in the kernel at once that an
    /// `ip link set lo up` once waited over a minute for the RTNL lock.
    public static let shared = BlockingWorkExecutor(maximumThreads: 4)

    /// Whether the calling thread is one of an executor's workers.
    public static var isWorkerThread: Bool { Thread.current.threadDictionary[workerKey] != nil }
    private static let workerKey = "routed.BlockingWorkExecutor.worker"

    public let maximumThreads: Int
    private let condition = NSCondition()
    private var queue: [UnownedJob] = []
    private var head = 0
    private var idle = 0
    private var threads = 0

    public init(maximumThreads: Int) {
        self.maximumThreads = maximumThreads
    }

    /// How many threads the executor has made so far.
    public var threadCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return threads
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        queue.append(job)
        // Every queued job needs a waiting thread of its own; a signalled thread still counts as
        // idle until it wakes, so two jobs queued at once never share one wake-up.
        if idle >= queue.count - head {
            condition.signal()
        } else if threads < maximumThreads {
            threads += 1
            let name = "bw-\(threads)"
            // Named from inside (a name set before `start()` does not reach the thread on Linux,
            // which keeps its creator's) and short: Linux thread names hold 15 characters, and a
            // longer one is refused whole.
            Thread { [self] in
                Thread.current.name = name
                Thread.current.threadDictionary[Self.workerKey] = true
                work()
            }.start()
        }
        condition.unlock()
    }

    private func work() {
        condition.lock()
        while true {
            while head == queue.count {
                idle += 1
                condition.wait()
                idle -= 1
            }
            let job = queue[head]
            head += 1
            if head == queue.count { queue.removeAll(keepingCapacity: true); head = 0 }
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
            condition.lock()
        }
    }
}
