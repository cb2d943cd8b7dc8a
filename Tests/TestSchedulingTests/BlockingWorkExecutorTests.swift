import Foundation
import Testing
import TestScheduling

/// What `.blockingWork` promises: a job that blocks its thread never holds up another job.
@Suite struct BlockingWorkExecutorTests {
    /// Eight tasks each block their thread until all eight have arrived: on a pool of fewer
    /// threads than tasks (the cooperative pool has one per core) the first ones would wait for
    /// the rest forever; here each gets a thread and all eight pass the barrier.
    @Test func tasksThatBlockTheirThreadsStillAllRun() async throws {
        let executor = BlockingWorkExecutor(maximumThreads: 64)
        let tasks = 8
        let barrier = Barrier(parties: tasks)
        let passed = await withTaskExecutorPreference(executor) {
            await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<tasks { group.addTask { barrier.arriveAndWait(seconds: 20) } }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
        }
        #expect(passed == tasks, "only \(passed) of \(tasks) blocking tasks got past the barrier within 20 s")
        #expect(executor.threadCount >= tasks)
        #expect(executor.threadCount <= 64)
    }

    /// Past the bound, jobs queue for the threads there are instead of making more: never more
    /// than two run at once, every one on a worker, and the two workers are all there are.
    @Test func theThreadBoundHolds() async {
        let executor = BlockingWorkExecutor(maximumThreads: 2)
        let running = Concurrency()
        let results = await withTaskExecutorPreference(executor) {
            await withTaskGroup(of: (Int, Bool).self) { group in
                for i in 0..<50 { group.addTask { running.during { usleep(1_000) }; return (i, onWorkerThread()) } }
                return await group.reduce(into: [(Int, Bool)]()) { $0.append($1) }
            }
        }
        #expect(results.map(\.0).sorted() == Array(0..<50))
        #expect(results.allSatisfy { $0.1 }, "a job ran off the executor's threads")
        #expect(running.peak <= 2, "\(running.peak) jobs ran at once on a two-thread executor")
        #expect(executor.threadCount == 2)
    }

    /// A suite with the trait runs its tests on the executor's threads.
    @Suite(.blockingWork) struct UnderTheTrait {
        @Test func runsOnTheExecutorsThreads() async {
            await Task.yield()
            #expect(onWorkerThread(), "ran on a thread that is not the executor's")
        }
    }
}

/// Synchronous: `Thread.current` is not read from async code.
func onWorkerThread() -> Bool { BlockingWorkExecutor.isWorkerThread }

/// How many callers are inside `during` at once, and the most there were.
final class Concurrency: @unchecked Sendable {
    private let lock = NSLock()
    private var now = 0
    private(set) var peak = 0

    func during(_ body: () -> Void) {
        lock.lock(); now += 1; peak = max(peak, now); lock.unlock()
        body()
        lock.lock(); now -= 1; lock.unlock()
    }
}

/// A thread barrier: each caller blocks its thread until `parties` callers have arrived.
final class Barrier: @unchecked Sendable {
    private let condition = NSCondition()
    private let parties: Int
    private var arrived = 0

    init(parties: Int) { self.parties = parties }

    /// False when the others did not all arrive within `seconds`.
    func arriveAndWait(seconds: Double) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        arrived += 1
        condition.broadcast()
        let deadline = Date().addingTimeInterval(seconds)
        while arrived < parties { if !condition.wait(until: deadline) { return false } }
        return true
    }
}
