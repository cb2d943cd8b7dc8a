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
        let barrier = Barrier(parties: 8)
        let tasks = 8
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

    /// Past the bound, jobs queue for the threads there are instead of making more.
    @Test func theThreadBoundHolds() async {
        let executor = BlockingWorkExecutor(maximumThreads: 2)
        let sum = await withTaskExecutorPreference(executor) {
            await withTaskGroup(of: Int.self) { group in
                for i in 0..<50 { group.addTask { usleep(1_000); return i } }
                return await group.reduce(0, +)
            }
        }
        #expect(sum == (0..<50).reduce(0, +))
        #expect(executor.threadCount <= 2)
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
