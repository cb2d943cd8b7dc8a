import AgentAPI
public import BGPCore
import BGPSpeaker
import BGPWire
public import Dataplane
public import Datastore
public import Foundation
public import IPAddressing
public import IPAM
public import Logging
public import Policy

/// The daemon's state and every operation of the control API, wired as DESIGN.md "How the data
/// flows" says: datastore → IPAM → dataplane → BGP origination of our blocks (tagged
/// `ASN:1:network-id`) → best-route changes → FIB reconciler and policy memberships → one atomic
/// nftables ruleset. The parts come in as protocols, so unit tests run it against fakes.
public actor Agent {
    public nonisolated let configuration: AgentConfiguration
    public nonisolated let routerID: IPv4Address
    public var hostname: String { configuration.hostname }
    let store: any Datastore
    let allocator: IPAllocator
    let dataplane: any Dataplane
    let speaker: any RoutingSpeaker
    let policy: any PolicyProgrammer
    public nonisolated let metrics: AgentMetrics
    let logger: Logger
    let clock: @Sendable () -> Int64
    public let startedAt = Date()

    var fib = FIBReconciler()
    /// This host's blocks and their network names.
    var ownBlocks: [IPPrefix: String] = [:]
    /// Best routes learned through BGP: next hops and the network their community names.
    var learned: [IPPrefix: (nextHops: [IPAddress], network: NetworkID?)] = [:]
    /// Gateway routes found in the kernel at start (a restart): kept until BGP has converged.
    var adopted: Set<IPPrefix> = []
    var book = PolicyBook()
    /// Our blocks with no endpoint, and since when (the agent's clock): released after the grace.
    var emptySince: [IPPrefix: Int64] = [:]
    /// Endpoints of this host, by name.
    var endpoints: [String: EndpointRecord] = [:]
    var checks: [String: String] = ["datastore": "ok", "dataplane": "ok", "bgp": "ok", "policy": "ok"]
    /// Policy programming waits for BGP after a restart (the old table stays in force meanwhile).
    var policyHeld = false
    /// `--mesh` peers in place, by address (the hosts they were found for).
    var meshPeers: [IPAddress: MeshPeering.Neighbour] = [:]
    /// Seconds without a renewal after which `--mesh` drops a host.
    let meshHostTimeout: Int64

    /// The default action lives in the datastore as a policy record from and to `default`
    /// (a reserved network name, so no real policy can look like it).
    static let defaultMarker = "default"

    public init(configuration: AgentConfiguration, routerID: IPv4Address, store: any Datastore, dataplane: any Dataplane,
                speaker: any RoutingSpeaker, policy: any PolicyProgrammer, metrics: AgentMetrics = AgentMetrics(),
                logger: Logger = Logger(label: "routed.agent"), clock: @escaping @Sendable () -> Int64 = IPAllocator.wallClock,
                meshHostTimeout: Int64 = 30) {
        self.meshHostTimeout = meshHostTimeout
        self.configuration = configuration
        self.routerID = routerID
        self.store = store
        self.allocator = IPAllocator(store: store, clock: clock)
        self.dataplane = dataplane
        self.speaker = speaker
        self.policy = policy
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
    }

    // MARK: - Start

    /// Everything before serving: register the host, make sure the pools exist, repair IPAM,
    /// adopt what the kernel holds from an earlier run (routes of protocol 201, endpoints' veths),
    /// install our blocks as blackholes, originate them, start BGP. Nothing is torn down.
    public func bootstrap() async throws {
        try await register(peering: true)
        let existing = try await store.pools()
        for pool in configuration.pools where !existing.contains(where: { $0.cidr == pool.cidr }) {
            try await store.createPool(pool)
            logger.notice("pool created", metadata: ["pool": "\(pool.cidr)", "block-size": "/\(pool.blockLength)"])
        }
        let repaired = try await allocator.repairAtStart(host: hostname)
        if !repaired.isEmpty { logger.notice("IPAM repaired at start", metadata: ["actions": "\(repaired.count)"]) }
        try await reloadPolicies()

        // The kernel's routes of protocol 201: the believed state. Learned routes stay wanted
        // until BGP has converged, so a restart does not withdraw a single forwarding entry.
        let kernel = try dataplane.installedRoutes()
        fib.resynchronise(kernel: kernel)
        for r in kernel {
            switch r.target {
            case .gateway, .multipath: fib.set(r); adopted.insert(r.prefix)
            case .interface, .blackhole: break
            }
        }
        policyHeld = !kernel.isEmpty
        for b in try await store.blocks(host: hostname, network: nil) { ownBlocks[b.cidr] = b.network }
        for prefix in ownBlocks.keys { fib.set(FIBRoute(prefix: prefix, target: .blackhole)) }
        for e in try await store.endpoints() where e.host == hostname {
            if !FileManager.default.fileExists(atPath: e.netns) {
                // The container went away while we were down (CNI DEL never came): undo it all.
                try? dataplane.removeEndpoint(id: e.name)
                for a in e.addresses { fib.remove(Self.hostPrefix(a)) }
                try await store.deleteEndpoint(named: e.name)
                try await allocator.release(endpoint: e.name, host: hostname)
                logger.notice("endpoint removed: its namespace is gone", metadata: ["endpoint": "\(e.name)", "netns": "\(e.netns)"])
                continue
            }
            do {
                let status = try dataplane.ensureEndpoint(spec(e))
                for r in status.hostRoutes { fib.set(r) }
                endpoints[e.name] = e
            } catch {
                logger.error("endpoint could not be restored", metadata: ["endpoint": "\(e.name)", "error": "\(error)"])
            }
        }
        applyFIB()
        logger.notice("state adopted", metadata: ["blocks": "\(ownBlocks.count)", "endpoints": "\(endpoints.count)",
                                                  "kernel-routes": "\(kernel.count)", "kept-learned": "\(adopted.count)"])
        await originate()
        try await speaker.start()
        await reconcileMesh()
        if !policyHeld { programPolicy() }
        metrics.endpoints.set(Int64(endpoints.count))
    }

    /// BGP has converged (every Established peer sent End-of-RIB) or the wait ran out: drop the
    /// adopted routes BGP did not confirm and program the policy with the memberships learned.
    public func finishRestart() {
        let stale = adopted.filter { learned[$0] == nil }
        for p in stale { fib.remove(p) }
        if !adopted.isEmpty {
            logger.notice("restart finished", metadata: ["confirmed": "\(adopted.count - stale.count)", "removed": "\(stale.count)"])
        }
        adopted = []
        applyFIB()
        if policyHeld { policyHeld = false; programPolicy() }
    }

    public var restartPending: Bool { !adopted.isEmpty || policyHeld }

    /// The /32 or /128 host route of an endpoint address.
    static func hostPrefix(_ a: IPAddress) -> IPPrefix {
        switch a {
        case .v4(let x): .v4(IPv4Prefix(x, length: 32))
        case .v6(let x): .v6(IPv6Prefix(x, length: 128))
        }
    }

    func spec(_ e: EndpointRecord) -> EndpointSpec {
        var v4: IPv4Address?, v6: IPv6Address?
        for a in e.addresses {
            switch a { case .v4(let x): v4 = v4 ?? x; case .v6(let x): v6 = v6 ?? x }
        }
        return EndpointSpec(id: e.name, namespacePath: e.netns, interfaceName: e.ifname, ipv4: v4, ipv6: v6, mtu: configuration.mtu)
    }

    // MARK: - BGP

    /// The routes we originate: each of our blocks, tagged `localAS:1:network-id`.
    func originate() async {
        let routes = ownBlocks.sorted { $0.key < $1.key }.map { prefix, network in
            OriginatedRoute(prefix: prefix, largeCommunities: [Self.community(localAS: configuration.localAS, network: network)])
        }
        await speaker.originate(routes)
    }

    static func community(localAS: UInt32, network: String) -> LargeCommunity {
        let id = NetworkName(rawValue: network).map { NetworkID(deriving: $0).rawValue } ?? 0
        return LargeCommunity(localAS, 1, id)
    }

    /// Best-route changes: `block via host` into the FIB, the block into its network's membership.
    public func handle(_ changes: [RIBChange]) {
        metrics.updatesIn.increment()
        metrics.routeChanges.increment(by: Int64(changes.count))
        for c in changes {
            if ownBlocks[c.prefix] != nil { continue }   // ours: the blackhole stays
            if let best = c.best {
                var hops = best.multipathNextHops
                if hops.isEmpty, let nh = best.attributes.nextHop { hops = [nh] }
                let network = best.attributes.attributes.largeCommunities.first { $0.localData1 == 1 }
                    .map { NetworkID(rawValue: $0.localData2) }
                guard !hops.isEmpty else { continue }
                learned[c.prefix] = (hops, network)
                let target: FIBRoute.Target = if hops.count > 1, let uplink = configuration.uplink {
                    .multipath(hops.map { FIBRoute.Hop(gateway: $0, interface: uplink) })
                } else {
                    .gateway(hops[0], interface: nil, onlink: false)
                }
                fib.set(FIBRoute(prefix: c.prefix, target: target))
                adopted.remove(c.prefix)
            } else {
                learned[c.prefix] = nil
                if !adopted.contains(c.prefix) { fib.remove(c.prefix) }
            }
        }
        applyFIB()
        programPolicy()
    }

    func applyFIB() {
        let start = ContinuousClock.now
        let pending = fib.pendingOperations().count
        do {
            let failures = try fib.apply(to: dataplane)
            metrics.fibOperations.increment(by: Int64(pending))
            if !failures.isEmpty {
                metrics.fibFailures.increment(by: Int64(failures.count))
                for f in failures.prefix(5) { logger.error("route refused by the kernel", metadata: ["route": "\(f)"]) }
                checks["dataplane"] = "\(failures.count) routes refused: \(failures[0])"
            } else {
                checks["dataplane"] = "ok"
            }
        } catch {
            checks["dataplane"] = "\(error)"
            logger.error("FIB apply failed", metadata: ["error": "\(error)"])
        }
        metrics.fibApply.record(ContinuousClock.now - start)
    }

    /// Kernel notifications: someone touched our routes → mark and sweep on the next apply.
    public func kernelChanged(_ changes: [KernelChange]) {
        guard !changes.isEmpty else { return }
        for c in changes { fib.observe(c) }
        if fib.needsResync { applyFIB() }
    }

    // MARK: - Policy

    /// Networks and policies from the datastore into a `PolicyBook`.
    func reloadPolicies() async throws {
        var b = PolicyBook()
        for n in try await store.networks() { _ = try? b.createNetwork(n.name) }
        for p in try await store.policies() {
            if p.from == Self.defaultMarker && p.to == Self.defaultMarker {
                b.defaultAction = p.action == .deny ? .deny : .allow
                continue
            }
            guard let rule = Self.rule(p), p.id > 0, p.id <= Int64(UInt32.max) else { continue }
            try? b.restore(Policy(id: PolicyID(rawValue: UInt32(p.id)), rule: rule))
        }
        book = b
    }

    static func rule(_ p: PolicyRecord) -> PolicyRule? {
        guard let from = NetworkName(rawValue: p.from), let to = NetworkName(rawValue: p.to) else { return nil }
        let ports = p.portLow.flatMap { lo in try? PortRange(lo, p.portHigh) }
        return PolicyRule(p.action == .deny ? .deny : .allow, from: from, to: to,
                          proto: p.proto.flatMap(L4Protocol.init(rawValue:)), ports: ports, oneWay: p.oneWay, log: p.log)
    }

    /// What the policy is made of now: the book, the memberships (our blocks, learned blocks by
    /// their community) and this host's endpoints (anti-spoofing).
    func policyInputs() -> (Memberships, [LocalEndpoint]) {
        var m = Memberships()
        for (prefix, network) in ownBlocks {
            if let name = NetworkName(rawValue: network), !name.isPseudo { try? m.insert(prefix, into: NetworkID(deriving: name)) }
        }
        for (prefix, l) in learned { if let id = l.network, id != .world, id != .none { try? m.insert(prefix, into: id) } }
        let locals = endpoints.values.compactMap { e -> LocalEndpoint? in
            guard let name = NetworkName(rawValue: e.network) else { return nil }
            return LocalEndpoint(ifname: EndpointSpec.hostInterfaceName(for: e.name), addresses: e.addresses, network: NetworkID(deriving: name))
        }
        return (m, locals)
    }

    /// The ruleset all of it compiles to.
    public func ruleset() -> Ruleset {
        let (m, locals) = policyInputs()
        return PolicyCompiler.compile(book, memberships: m, endpoints: locals)
    }

    func programPolicy() {
        guard !policyHeld else { return }
        let start = ContinuousClock.now
        do {
            let (m, locals) = policyInputs()
            try policy.program(book: book, memberships: m, endpoints: locals)
            checks["policy"] = "ok"
        } catch {
            metrics.nftFailures.increment()
            checks["policy"] = "\(error)"
            logger.error("nftables transaction refused; the previous ruleset stays", metadata: ["error": "\(error)"])
        }
        metrics.nftApply.record(ContinuousClock.now - start)
    }

    /// A change in the datastore, by this agent or another sharing it.
    public func datastoreChanged(_ change: DatastoreChange) async {
        switch change {
        case .policy, .network:
            do {
                let before = book
                try await reloadPolicies()
                checks["datastore"] = "ok"
                guard book != before else { return }
                logger.info("policies changed in the datastore: ruleset re-applied",
                            metadata: ["policies": "\(book.policies.count)", "networks": "\(book.networks.count)",
                                       "default": "\(book.defaultAction.rawValue)"])
                programPolicy()
            } catch {
                checks["datastore"] = "\(error)"
            }
        case .host:
            await reconcileMesh()
        default:
            break
        }
    }

    public func heartbeat() async {
        do {
            try await register(peering: true)
            checks["datastore"] = "ok"
        } catch is CancellationError {
            return
        } catch {
            checks["datastore"] = "\(error)"
            logger.error("datastore heartbeat failed", metadata: ["error": "\(error)"])
        }
        await reconcileMesh()
        await releaseEmptyBlocks()
    }

    public func shutdown() async {
        if !configuration.preserveForwardingOnExit {
            // Leave the other hosts' meshes now rather than when our record expires.
            do { try await register(peering: false) } catch {
                logger.error("could not withdraw this host from the mesh", metadata: ["error": "\(error)"])
            }
        }
        await speaker.shutdown(message: "routed agent stopping", preserveForwarding: configuration.preserveForwardingOnExit)
        logger.notice("stopped", metadata: ["forwarding-state": "\(configuration.preserveForwardingOnExit ? "kept" : "left in the kernel; peers told Cease")"])
    }
}
