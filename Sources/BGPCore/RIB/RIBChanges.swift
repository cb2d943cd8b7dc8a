public import IPAddressing

/// The best route of a prefix without the prefix: what a run of prefixes in one batch of changes
/// shares (every prefix of one received UPDATE, for instance).
public struct BestRoute: Hashable, Sendable {
    public var peer: RIBPeer
    public var attributes: RouteAttributes
    public var reason: BestPathReason
    /// With multipath on: the next hops of every path equal to the best up to the IGP cost step.
    public var multipathNextHops: [IPAddress]

    public init(peer: RIBPeer, attributes: RouteAttributes, reason: BestPathReason, multipathNextHops: [IPAddress]) {
        self.peer = peer
        self.attributes = attributes
        self.reason = reason
        self.multipathNextHops = multipathNextHops
    }

    /// The route of one prefix of the run.
    public func selected(for prefix: IPPrefix) -> SelectedRoute {
        SelectedRoute(prefix: prefix, peer: peer, attributes: attributes, reason: reason, multipathNextHops: multipathNextHops)
    }
}

/// One batch of Loc-RIB changes, as every operation of the RIB returns it and `BGPSpeaker.ribChanges`
/// delivers it: a collection of `RIBChange` (prefix, new best or nil) in the RIB's order, stored as
/// runs of prefixes that share one new best route.
///
/// Why runs: a received UPDATE changes hundreds of prefixes to one and the same best route. A list of
/// `RIBChange`s copies that route (peer, attributes, next hops: reference-counted storage) once per
/// prefix; a run holds it once and the prefixes as plain values, so building, appending and
/// forwarding a batch costs no reference counting per prefix. A consumer that wants one value per
/// prefix iterates (`for change in batch`, `batch.map`) and pays for it there; one that can work per
/// run (the Adj-RIB-Out, the FIB) reads `runs`.
public struct RIBChanges: Sendable, Hashable {
    /// Consecutive changes to the same new best route (nil: the prefixes have no route any more).
    public struct Run: Sendable, Hashable {
        public var best: BestRoute?
        public var prefixes: [IPPrefix]

        public init(best: BestRoute?, prefixes: [IPPrefix]) {
            self.best = best
            self.prefixes = prefixes
        }
    }

    public private(set) var runs: [Run] = []
    /// The number of changes (prefixes) in all runs.
    public private(set) var count = 0

    public init() {}

    public init<S: Sequence>(_ changes: S) where S.Element == RIBChange {
        for c in changes { append(c) }
    }

    /// Appends one change; it joins the last run when its best route (prefix aside) is the same.
    public mutating func append(_ change: RIBChange) {
        let best = change.best.map { BestRoute(peer: $0.peer, attributes: $0.attributes, reason: $0.reason, multipathNextHops: $0.multipathNextHops) }
        if let last = runs.indices.last, runs[last].best == best {
            runs[last].prefixes.append(change.prefix)
            count += 1
        } else {
            startRun(best, change.prefix)
        }
    }

    /// Appends a whole batch after this one (runs are not merged across the seam).
    public mutating func append(contentsOf other: RIBChanges) {
        guard !other.runs.isEmpty else { return }
        if runs.isEmpty { self = other; return }
        runs += other.runs
        count += other.count
    }

    public static func += (lhs: inout RIBChanges, rhs: RIBChanges) { lhs.append(contentsOf: rhs) }

    /// The changes whose prefix `isIncluded` selects, in order.
    public func filter(prefixes isIncluded: (IPPrefix) -> Bool) -> RIBChanges {
        var out = RIBChanges()
        for run in runs {
            let kept = run.prefixes.filter(isIncluded)
            if !kept.isEmpty { out.runs.append(Run(best: run.best, prefixes: kept)); out.count += kept.count }
        }
        return out
    }

    // MARK: - Building (the RIB's side: no comparison of routes per prefix)

    /// Starts a new run with `best` and its first prefix.
    mutating func startRun(_ best: BestRoute?, _ prefix: IPPrefix) {
        runs.append(Run(best: best, prefixes: [prefix]))
        count += 1
    }

    /// Adds `prefix` to the last run (the caller knows it has the same best route).
    mutating func extendRun(_ prefix: IPPrefix) {
        runs[runs.count - 1].prefixes.append(prefix)
        count += 1
    }

    /// Reserves room for `n` more prefixes in the last run.
    mutating func reserveInLastRun(_ n: Int) {
        guard let last = runs.indices.last else { return }
        runs[last].prefixes.reserveCapacity(runs[last].prefixes.count + n)
    }

    public static func == (a: RIBChanges, b: RIBChanges) -> Bool {
        a.count == b.count && a.elementsEqual(b)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for c in self { hasher.combine(c) }
    }
}

extension RIBChanges: Collection {
    public struct Index: Comparable, Sendable {
        var run: Int
        var offset: Int
        public static func < (a: Index, b: Index) -> Bool { (a.run, a.offset) < (b.run, b.offset) }
    }

    public var startIndex: Index { Index(run: 0, offset: 0) }
    public var endIndex: Index { Index(run: runs.count, offset: 0) }
    public var isEmpty: Bool { count == 0 }

    public func index(after i: Index) -> Index {
        i.offset + 1 < runs[i.run].prefixes.count ? Index(run: i.run, offset: i.offset + 1) : Index(run: i.run + 1, offset: 0)
    }

    public subscript(i: Index) -> RIBChange {
        let run = runs[i.run]
        let prefix = run.prefixes[i.offset]
        return RIBChange(prefix: prefix, best: run.best?.selected(for: prefix))
    }
}

extension RIBChanges: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: RIBChange...) { self.init(elements) }
}

extension RIBChanges: CustomStringConvertible {
    public var description: String { "\(Array(self))" }
}

/// Builds a `RIBChanges` inside one RIB operation from best choices given as handles: a prefix
/// whose choice equals the last one's joins its run, so the route value is built once per run and
/// nothing is reference counted per prefix. (Within one operation a handle names one attribute set:
/// sets are only interned at its start.)
struct ChangeLog {
    private(set) var changes = RIBChanges()
    /// The choice of the last run: .none before the first change, .some(nil) for a run of withdrawals.
    private var last: BestChoice?? = .none

    mutating func record(_ prefix: IPPrefix, _ choice: BestChoice?, _ route: @autoclosure () -> BestRoute?) {
        if let last, last == choice {
            changes.extendRun(prefix)
        } else {
            changes.startRun(route(), prefix)
            last = .some(choice)
        }
    }
}
