public import Testing

/// `@Suite(.blockingWork)`: the suite's tests (and their child tasks) run on
/// `BlockingWorkExecutor` instead of Swift's cooperative pool, so a test that blocks its thread
/// (a child process, a namespace thread, a polling sleep) cannot starve the tests running beside
/// it. Actors the test calls keep their own isolation; nonisolated async code and default actors
/// follow the task's executor preference (SE-0417).
public struct BlockingWorkTrait: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    /// Each test case (the suite itself needs no scope). Spelled out: without it the associated
    /// `TestScopeProvider` is inferred as `Never` and the trait would do nothing.
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? { testCase == nil ? nil : self }

    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        try await withTaskExecutorPreference(BlockingWorkExecutor.shared) { try await function() }
    }
}

extension Trait where Self == BlockingWorkTrait {
    /// Runs on threads of its own, not on Swift's cooperative pool (see `BlockingWorkTrait`).
    public static var blockingWork: Self { Self() }
}
