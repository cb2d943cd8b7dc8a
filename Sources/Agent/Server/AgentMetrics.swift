public import Prometheus

/// The agent's Prometheus metrics (`GET /metrics`), one registry per agent (tests run several).
///
/// | metric | type | what |
/// |---|---|---|
/// | `routed_bgp_peers_up` | gauge | peers in Established |
/// | `routed_bgp_peer_up{peer}` | gauge | 1 when that peer is Established |
/// | `routed_bgp_prefixes_received{peer}` / `_accepted{peer}` / `_advertised{peer}` | gauge | per peer |
/// | `routed_bgp_updates_in_total` / `routed_bgp_route_changes_total` | counter | best-route change batches / changes handled |
/// | `routed_fib_operations_total` / `routed_fib_failures_total` | counter | route replace/delete sent to the kernel |
/// | `routed_fib_apply_seconds` | histogram | one batched FIB apply |
/// | `routed_nftables_apply_seconds` / `routed_nftables_failures_total` | histogram / counter | one atomic ruleset transaction |
/// | `routed_endpoint_add_seconds` | histogram | one `endpoint add`, request to answer |
/// | `routed_ipam_addresses_allocated{pool}` / `routed_ipam_blocks_claimed{pool}` | gauge | IPAM usage |
/// | `routed_endpoints` | gauge | endpoints on this host |
public final class AgentMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let peersUp: Gauge
    let updatesIn: Counter
    let routeChanges: Counter
    let fibOperations: Counter
    let fibFailures: Counter
    let fibApply: DurationHistogram
    let nftApply: DurationHistogram
    let nftFailures: Counter
    let endpointAdd: DurationHistogram
    let endpoints: Gauge

    static let fast: [Duration] = [.microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(10),
                                   .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5)]

    public init() {
        peersUp = registry.makeGauge(descriptor: Self.d("routed_bgp_peers_up", "BGP peers in Established"))
        updatesIn = registry.makeCounter(descriptor: Self.d("routed_bgp_updates_in_total", "Best-route change batches received from the speaker"))
        routeChanges = registry.makeCounter(descriptor: Self.d("routed_bgp_route_changes_total", "Best-route changes handled"))
        fibOperations = registry.makeCounter(descriptor: Self.d("routed_fib_operations_total", "Route replace/delete operations sent to the kernel"))
        fibFailures = registry.makeCounter(descriptor: Self.d("routed_fib_failures_total", "Route operations the kernel refused"))
        fibApply = registry.makeDurationHistogram(descriptor: Self.d("routed_fib_apply_seconds", "One batched FIB apply"), buckets: Self.fast)
        nftApply = registry.makeDurationHistogram(descriptor: Self.d("routed_nftables_apply_seconds", "One atomic nftables transaction"), buckets: Self.fast)
        nftFailures = registry.makeCounter(descriptor: Self.d("routed_nftables_failures_total", "nftables transactions the kernel refused"))
        endpointAdd = registry.makeDurationHistogram(descriptor: Self.d("routed_endpoint_add_seconds", "endpoint add, request to answer"), buckets: Self.fast)
        endpoints = registry.makeGauge(descriptor: Self.d("routed_endpoints", "Endpoints on this host"))
    }

    func peer(_ address: String, up: Bool, received: Int, accepted: Int, advertised: Int) {
        let l = [("peer", address)]
        registry.makeGauge(descriptor: Self.d("routed_bgp_peer_up", "1 when the peer is Established"), labels: l).set(Int64(up ? 1 : 0))
        registry.makeGauge(descriptor: Self.d("routed_bgp_prefixes_received", "Prefixes received from the peer"), labels: l).set(Int64(received))
        registry.makeGauge(descriptor: Self.d("routed_bgp_prefixes_accepted", "Prefixes accepted by import policy"), labels: l).set(Int64(accepted))
        registry.makeGauge(descriptor: Self.d("routed_bgp_prefixes_advertised", "Prefixes advertised to the peer"), labels: l).set(Int64(advertised))
    }

    func pool(_ name: String, allocated: Int, blocks: Int) {
        let l = [("pool", name)]
        registry.makeGauge(descriptor: Self.d("routed_ipam_addresses_allocated", "Addresses allocated in the pool"), labels: l).set(Int64(allocated))
        registry.makeGauge(descriptor: Self.d("routed_ipam_blocks_claimed", "Blocks claimed in the pool"), labels: l).set(Int64(blocks))
    }

    static func d(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    public func text() -> String { registry.emitToString() }
}
