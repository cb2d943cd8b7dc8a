import Glibc
import IPAddressing
import Netlink

extension LinuxDataplane {
    /// `ensureEndpoint`, in iproute2 terms (H = spec.hostInterfaceName, C = the container's namespace):
    /// ```
    /// ip link add H mtu M type veth peer name eth0 mtu M netns C    # only if missing
    /// ip link set H up
    /// ip -n C link set lo up; ip -n C link set eth0 up
    /// ip -n C addr replace A/32 dev eth0
    /// ip -n C neigh replace 169.254.1.1 lladdr <H's MAC> dev eth0 nud permanent
    /// ip -n C route replace default via 169.254.1.1 dev eth0 onlink proto 201
    /// ip route replace A/32 dev H scope link proto 201
    /// ```
    /// (and the same with /128, `fe80::1` and `nodad` for IPv6). Loopback must be up in the
    /// container: until a namespace has a local table the kernel refuses onlink gateways.
    public func ensureEndpoint(_ spec: EndpointSpec) throws -> EndpointStatus {
        try endpointLock.withLock { _ in try ensureEndpointLocked(spec) }
    }

    private func ensureEndpointLocked(_ spec: EndpointSpec) throws -> EndpointStatus {
        guard spec.ipv4 != nil || spec.ipv6 != nil else {
            throw DataplaneError.invalid("endpoint \(spec.id) has neither an IPv4 nor an IPv6 address")
        }
        let hostName = spec.hostInterfaceName
        try Self.step("endpoint \(spec.id)") { try validateInterfaceName(spec.interfaceName) }
        let mtu = spec.mtu ?? defaultMTU
        if let mtu, !(68...65535).contains(mtu) { throw DataplaneError.invalid("endpoint \(spec.id): MTU \(mtu) outside 68...65535") }
        let namespace: NetworkNamespace
        do {
            namespace = try NetworkNamespace(path: spec.namespacePath)
        } catch {
            throw DataplaneError.invalid("endpoint \(spec.id): cannot open namespace \(spec.namespacePath): \(error)")
        }
        let container = try Self.step("enter \(spec.namespacePath)") { try NamespaceThread(namespace: namespace) }
        defer { container.stop() }

        // 1. The veth pair: reuse when both ends are in place, recreate when the container end is gone.
        var hostLink = try Self.step("look up \(hostName)") { try host.netlink { try $0.link(named: hostName) } }
        let containerLink = try Self.step("look up \(spec.interfaceName) in \(spec.namespacePath)") {
            try container.netlink { try $0.link(named: spec.interfaceName) }
        }
        var created = false
        if let existing = hostLink, containerLink == nil || containerLink?.kind != "veth" {
            try Self.step("remove stale \(hostName)") { try host.netlink { try $0.perform(.deleteLink(index: existing.index)) } }
            hostLink = nil
        }
        if hostLink == nil {
            if containerLink != nil {
                throw DataplaneError.conflict("endpoint \(spec.id): \(spec.interfaceName) already exists in \(spec.namespacePath) and is not routed's veth")
            }
            hostLink = try Self.step("create veth \(hostName) / \(spec.interfaceName)") {
                try host.netlink { nl in
                    try nl.perform(.createVeth(VethPair(name: hostName, peerName: spec.interfaceName, peerNamespace: namespace, mtu: mtu)))
                    return try nl.link(named: hostName)
                }
            }
            created = true
        }
        guard let hostLink else { throw DataplaneError.kernel(step: "create veth \(hostName)", reason: "it vanished right after creation", errno: nil) }

        // 2. Host side up.
        if !hostLink.isUp || (mtu != nil && hostLink.mtu != mtu) {
            try Self.step("set \(hostName) up") {
                try host.netlink { try $0.perform(.setLink(LinkChange(index: hostLink.index, up: true, mtu: mtu))) }
            }
        }

        // 3. Container side: one batch. Returns the container end's MAC for step 4.
        let containerHardwareAddress = try Self.step("configure \(spec.interfaceName) in \(spec.namespacePath)") {
            try container.netlink { nl -> [UInt8] in
                guard let lo = try nl.link(named: "lo"), let eth = try nl.link(named: spec.interfaceName) else {
                    throw NetlinkError.malformed("\(spec.interfaceName) or lo missing right after creation")
                }
                var requests: [NetlinkRequest] = [
                    .setLink(LinkChange(index: lo.index, up: true)),
                    .setLink(LinkChange(index: eth.index, up: true, mtu: mtu)),
                ]
                if let v4 = spec.ipv4 {
                    requests += [
                        .replaceAddress(InterfaceAddress(interfaceIndex: eth.index, address: .v4(v4), prefixLength: 32)),
                        .replaceNeighbour(Neighbour(interfaceIndex: eth.index, address: .v4(EndpointGateway.ipv4),
                                                    hardwareAddress: hostLink.hardwareAddress)),
                        .replaceRoute(Route(destination: .v4(IPv4Prefix(.any, length: 0)), gateway: .v4(EndpointGateway.ipv4),
                                            interfaceIndex: eth.index, onlink: true)),
                    ]
                }
                if let v6 = spec.ipv6 {
                    requests += [
                        .replaceAddress(InterfaceAddress(interfaceIndex: eth.index, address: .v6(v6), prefixLength: 128,
                                                         skipDuplicateAddressDetection: true)),
                        .replaceNeighbour(Neighbour(interfaceIndex: eth.index, address: .v6(EndpointGateway.ipv6),
                                                    hardwareAddress: hostLink.hardwareAddress)),
                        .replaceRoute(Route(destination: .v6(IPv6Prefix(.any, length: 0)), gateway: .v6(EndpointGateway.ipv6),
                                            interfaceIndex: eth.index)),
                    ]
                }
                if let failure = try nl.execute(requests).first { throw failure.error }
                return eth.hardwareAddress
            }
        }

        // 4. The host route(s) to the endpoint, with routed's protocol number, and a permanent
        //    neighbour entry for its address (`ip neigh replace ADDR lladdr MAC dev H nud permanent`):
        //    the first packet needs no ARP, and the entry does not count against the kernel's
        //    neighbour table limit (gc_thresh3, 1,024 by default and shared by every namespace of
        //    the machine), which learned entries for a thousand endpoints overflow ("neighbor table
        //    overflow", sends fail with ENOBUFS until the garbage collector frees some).
        try Self.step("host route to \(spec.id)") {
            try host.netlink { nl in
                var requests: [NetlinkRequest] = []
                if let v4 = spec.ipv4 {
                    requests.append(.replaceRoute(Route(destination: .v4(IPv4Prefix(v4, length: 32)), scope: .link, interfaceIndex: hostLink.index)))
                    requests.append(.replaceNeighbour(Neighbour(interfaceIndex: hostLink.index, address: .v4(v4),
                                                                hardwareAddress: containerHardwareAddress)))
                }
                if let v6 = spec.ipv6 {
                    requests.append(.replaceRoute(Route(destination: .v6(IPv6Prefix(v6, length: 128)), interfaceIndex: hostLink.index)))
                    requests.append(.replaceNeighbour(Neighbour(interfaceIndex: hostLink.index, address: .v6(v6),
                                                                hardwareAddress: containerHardwareAddress)))
                }
                if let failure = try nl.execute(requests).first { throw failure.error }
            }
        }
        let hostRoutes = [spec.ipv4.map { IPPrefix.v4(IPv4Prefix($0, length: 32)) },
                          spec.ipv6.map { IPPrefix.v6(IPv6Prefix($0, length: 128)) }]
            .compactMap { $0 }.map { FIBRoute(prefix: $0, target: .interface(hostName)) }
        return EndpointStatus(id: spec.id, hostInterface: hostName, hostInterfaceIndex: hostLink.index,
                              hostHardwareAddress: hostLink.hardwareAddress, created: created, hostRoutes: hostRoutes)
    }

    /// `ip link del H` (its peer in the container and the host routes through it go with it).
    /// Nothing to do when it is already gone.
    public func removeEndpoint(id: String) throws {
        try endpointLock.withLock { _ in try removeEndpointLocked(id: id) }
    }

    private func removeEndpointLocked(id: String) throws {
        let hostName = EndpointSpec.hostInterfaceName(for: id)
        try Self.step("remove endpoint \(id) (\(hostName))") {
            try host.netlink { nl in
                guard let link = try nl.link(named: hostName) else { return }
                do {
                    try nl.perform(.deleteLink(index: link.index))
                } catch let error as NetlinkError where error.errno == ENODEV {
                    return  // removed concurrently
                }
            }
        }
    }
}
