import Dataplane
import IPAddressing
import RoutedTestKit
import Testing
import TestScheduling

private func p(_ text: String) -> IPPrefix { IPPrefix(text)! }
private func dev(_ prefix: String, _ name: String) -> FIBRoute { FIBRoute(prefix: p(prefix), target: .interface(name)) }

@Suite("FIB reconciler against the fake dataplane", .blockingWork)
struct FIBReconcilerTests {
    @Test("the operations for each (desired, installed) pair", arguments: [
        (dev("10.0.0.1/32", "a"), nil, [FIBOperation.replace(dev("10.0.0.1/32", "a"))]),        // missing: add
        (dev("10.0.0.1/32", "a"), dev("10.0.0.1/32", "b"), [.replace(dev("10.0.0.1/32", "a"))]), // different: replace
        (dev("10.0.0.1/32", "a"), dev("10.0.0.1/32", "a"), []),                                  // in place: nothing
        (nil, dev("10.0.0.1/32", "a"), [.delete(p("10.0.0.1/32"))]),                              // unwanted: delete
        (FIBRoute(prefix: p("10.1.0.0/16"), target: .gateway(IPAddress("10.9.0.2")!, interface: nil, onlink: false)),
         FIBRoute(prefix: p("10.1.0.0/16"), target: .gateway(IPAddress("10.9.0.2")!, interface: "up0", onlink: false)),
         []),                                                                                     // kernel filled in the device
    ] as [(FIBRoute?, FIBRoute?, [FIBOperation])])
    func operationsPerPrefix(desired: FIBRoute?, installed: FIBRoute?, expected: [FIBOperation]) {
        var reconciler = FIBReconciler()
        reconciler.resynchronise(kernel: installed.map { [$0] } ?? [])
        if let desired { reconciler.set(desired) }
        #expect(reconciler.pendingOperations() == expected)
    }

    @Test("start: one dump, then one batch with every missing route; a second apply sends nothing")
    func startThenIdle() throws {
        let fake = FakeDataplane()
        var reconciler = FIBReconciler()
        let wanted = [dev("10.0.0.1/32", "a"), dev("10.0.0.2/32", "b"), FIBRoute(prefix: p("10.0.0.0/24"), target: .blackhole)]
        wanted.forEach { reconciler.set($0) }
        #expect(try reconciler.apply(to: fake).isEmpty)
        #expect(try reconciler.apply(to: fake).isEmpty)
        #expect(fake.calls.count == 2)
        #expect(fake.calls.first == .installedRoutes)
        guard case .apply(let operations) = fake.calls.last else { Issue.record("no apply: \(fake.calls)"); return }
        #expect(Set(operations) == Set(wanted.map { .replace($0) }))
        #expect(Set(fake.routes.values) == Set(wanted))
    }

    @Test("mark and sweep at start deletes routed's stale routes and keeps the ones still wanted")
    func sweepAtStart() throws {
        let fake = FakeDataplane()
        _ = try fake.apply([.replace(dev("10.0.0.1/32", "a")), .replace(dev("10.0.0.9/32", "old"))])
        var reconciler = FIBReconciler()
        reconciler.set(dev("10.0.0.1/32", "a"))
        #expect(try reconciler.apply(to: fake).isEmpty)
        #expect(fake.calls.last == .apply([.delete(p("10.0.0.9/32"))]))
        #expect(Array(fake.routes.keys) == [p("10.0.0.1/32")])
    }

    @Test("a failed route add stays pending and is retried by the next apply, alone")
    func failedAddIsRetried() throws {
        let fake = FakeDataplane()
        var reconciler = FIBReconciler()
        reconciler.set(dev("10.0.0.1/32", "a"))
        reconciler.set(dev("10.0.0.2/32", "b"))
        fake.failOperations(on: p("10.0.0.2/32"))
        let failures = try reconciler.apply(to: fake)
        #expect(failures.map(\.operation) == [.replace(dev("10.0.0.2/32", "b"))])
        #expect(reconciler.pendingCount == 1)
        #expect(fake.routes[p("10.0.0.2/32")] == nil)
        #expect(try reconciler.apply(to: fake).isEmpty)
        #expect(fake.calls.last == .apply([.replace(dev("10.0.0.2/32", "b"))]))
        #expect(fake.routes.count == 2)
        #expect(reconciler.pendingCount == 0)
    }

    @Test("a route deleted by hand is put back after the notification triggers a resync")
    func handDeletionRepaired() throws {
        let fake = FakeDataplane()
        var reconciler = FIBReconciler()
        reconciler.set(dev("10.0.0.1/32", "a"))
        reconciler.set(dev("10.0.0.2/32", "b"))
        _ = try reconciler.apply(to: fake)
        fake.removeRouteBehindTheAgentsBack(p("10.0.0.1/32"))
        reconciler.kernelChanged()
        #expect(try reconciler.apply(to: fake).isEmpty)
        #expect(Array(fake.calls.suffix(2)) == [.installedRoutes, .apply([.replace(dev("10.0.0.1/32", "a"))])])
        #expect(fake.routes.count == 2)
    }

    @Test("removing a wanted route sends exactly one delete")
    func removal() throws {
        let fake = FakeDataplane()
        var reconciler = FIBReconciler()
        reconciler.set(dev("10.0.0.1/32", "a"))
        reconciler.set(dev("10.0.0.2/32", "b"))
        _ = try reconciler.apply(to: fake)
        reconciler.remove(p("10.0.0.1/32"))
        _ = try reconciler.apply(to: fake)
        #expect(fake.calls.last == .apply([.delete(p("10.0.0.1/32"))]))
        #expect(Array(fake.routes.keys) == [p("10.0.0.2/32")])
    }

    @Test("host interface names are stable, unique per id and fit IFNAMSIZ", arguments: ["a", "b", "container-0123456789abcdef", ""])
    func hostInterfaceNames(id: String) {
        let name = EndpointSpec.hostInterfaceName(for: id)
        #expect(name == EndpointSpec.hostInterfaceName(for: id))
        #expect(name.hasPrefix("rd"))
        #expect(name.utf8.count == 14)
        #expect(name != EndpointSpec.hostInterfaceName(for: id + "x"))
    }
}

@Suite("Which kernel changes call for a resync", .blockingWork)
struct KernelChangeTests {
    static let ours = dev("10.0.0.1/32", "a")

    @Test("after the first apply of `ours`", arguments: [
        (KernelChange.routeAdded(ours), false),                      // our own add echoed back
        (.routeAdded(dev("10.0.0.1/32", "b")), true),                // someone re-pointed ours
        (.routeAdded(dev("10.0.0.7/32", "a")), true),                // a stray route with our protocol
        (.routeRemoved(ours), true),                                 // `ip route del` of one we want
        (.routeRemoved(dev("10.0.0.7/32", "a")), false),             // not ours to care about
        (.interfaceRemoved("a"), true),                              // its routes went with it
        (.interfaceRemoved("zz"), false),
        (.overrun, true),
    ])
    func resyncNeeded(change: KernelChange, expected: Bool) throws {
        let fake = FakeDataplane()
        var fib = FIBReconciler()
        fib.set(Self.ours)
        _ = try fib.apply(to: fake)
        #expect(!fib.needsResync)
        fib.observe(change)
        #expect(fib.needsResync == expected)
    }

    @Test("a route deleted behind the agent's back is noticed through kernelChanges and put back")
    func repairLoop() throws {
        let fake = FakeDataplane()
        var fib = FIBReconciler()
        fib.set(Self.ours)
        _ = try fib.apply(to: fake)
        fake.removeRouteBehindTheAgentsBack(Self.ours.prefix)
        try fake.kernelChanges(timeoutMilliseconds: 0).forEach { fib.observe($0) }
        #expect(try fib.apply(to: fake).isEmpty)
        #expect(fake.routes[Self.ours.prefix] == Self.ours)
    }
}
