/// Polls `condition` every `interval` until it returns true, for at most `timeout`.
///
/// An error thrown by `condition` counts as "not yet" (a daemon whose control socket is not up yet)
/// and is reported if the wait runs out. Sleeps with `Task.sleep`, so waiting tests do not hold one
/// of the machine's few threads.
public func waitUntil(
    _ what: String, timeout: Duration, interval: Duration = .milliseconds(250),
    _ condition: () throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    var last = "nothing yet"
    while true {
        do {
            if try condition() { return }
            last = "condition false"
        } catch {
            last = "\(error)"
        }
        if clock.now >= deadline {
            throw LabError.timedOut(waitingFor: what, after: timeout, lastObserved: last)
        }
        try await Task.sleep(for: min(interval, deadline - clock.now) + .milliseconds(1))
    }
}

/// Polls `observe` until `accept` takes its value; returns the accepted value. The last observed
/// value goes into the timeout error, so a failing test says what it saw.
public func waitForValue<T>(
    _ what: String, timeout: Duration, interval: Duration = .milliseconds(250),
    _ observe: () throws -> T, until accept: (T) -> Bool
) async throws -> T {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    var last = "nothing yet"
    while true {
        do {
            let value = try observe()
            if accept(value) { return value }
            last = "\(value)"
        } catch {
            last = "\(error)"
        }
        if clock.now >= deadline {
            throw LabError.timedOut(waitingFor: what, after: timeout, lastObserved: last)
        }
        try await Task.sleep(for: min(interval, deadline - clock.now) + .milliseconds(1))
    }
}
