import CMNL
import IPAddressing

/// RTA_* attribute numbers (linux/rtnetlink.h), as UInt16.
enum RouteAttribute {
    static let dst = UInt16(RTA_DST.rawValue)
    static let oif = UInt16(RTA_OIF.rawValue)
    static let gateway = UInt16(RTA_GATEWAY.rawValue)
    static let priority = UInt16(RTA_PRIORITY.rawValue)
    static let prefsrc = UInt16(RTA_PREFSRC.rawValue)
    static let multipath = UInt16(RTA_MULTIPATH.rawValue)
    static let table = UInt16(RTA_TABLE.rawValue)
}

/// RTNH_F_ONLINK: in `rtm_flags` for a single-path route, in `rtnh_flags` per next hop.
let onlinkFlag: UInt32 = 4

extension Route {
    /// Checks what the kernel would otherwise reject with a vaguer message.
    func validate() throws {
        let family = destination.family
        if let gateway, gateway.family != family {
            throw NetlinkError.invalidArgument("route \(destination): gateway \(gateway) is not the same address family")
        }
        if type == .blackhole || type == .unreachable || type == .prohibit {
            if gateway != nil || interfaceIndex != nil || !nextHops.isEmpty {
                throw NetlinkError.invalidArgument("route \(destination): a \(type.rawValue == 6 ? "blackhole" : "reject") route takes no gateway, device or next hops")
            }
        }
        for hop in nextHops {
            if let g = hop.gateway, g.family != family {
                throw NetlinkError.invalidArgument("route \(destination): next hop \(g) is not the same address family")
            }
            guard (1...256).contains(hop.weight) else {
                throw NetlinkError.invalidArgument("route \(destination): next hop weight \(hop.weight) is outside 1...256")
            }
        }
        if !nextHops.isEmpty, gateway != nil || interfaceIndex != nil {
            throw NetlinkError.invalidArgument("route \(destination): give either next hops or via/dev, not both")
        }
    }

    /// The body of RTM_NEWROUTE / RTM_DELROUTE. A delete matches with `scope nowhere` (any scope),
    /// and only the routes carrying proto when it is not `.unspecified` — exactly like
    /// `ip route del P proto N`.
    func encode(_ w: MessageWriter, deleting: Bool) throws {
        try validate()
        let rtm = try w.appendStruct(rtmsg.self)
        rtm.pointee.rtm_family = destination.family
        rtm.pointee.rtm_dst_len = destination.length
        rtm.pointee.rtm_table = table.rawValue < 256 ? UInt8(table.rawValue) : UInt8(RT_TABLE_UNSPEC.rawValue)
        rtm.pointee.rtm_protocol = proto.rawValue
        rtm.pointee.rtm_scope = deleting ? RouteScope.nowhere.rawValue : scope.rawValue
        rtm.pointee.rtm_type = type.rawValue
        rtm.pointee.rtm_flags = onlink ? onlinkFlag : 0
        try w.put(RouteAttribute.table, u32: table.rawValue)
        if destination.length > 0 { try w.put(RouteAttribute.dst, address: destination.networkAddress) }
        if let gateway { try w.put(RouteAttribute.gateway, address: gateway) }
        if let interfaceIndex { try w.put(RouteAttribute.oif, u32: interfaceIndex) }
        if let metric { try w.put(RouteAttribute.priority, u32: metric) }
        if let preferredSource { try w.put(RouteAttribute.prefsrc, address: preferredSource) }
        if !nextHops.isEmpty { try w.put(RouteAttribute.multipath, bytes: Self.encodeMultipath(nextHops)) }
    }

    /// RTA_MULTIPATH: a packed array of `struct rtnexthop` (len, flags, hops, ifindex), each
    /// followed by its own RTA_GATEWAY.
    static func encodeMultipath(_ hops: [NextHop]) -> [UInt8] {
        var bytes: [UInt8] = []
        for hop in hops {
            let gateway = hop.gateway?.networkBytes ?? []
            let gatewayAttributeLength = gateway.isEmpty ? 0 : 4 + gateway.count
            let length = 8 + netlinkAlign(gatewayAttributeLength)
            withUnsafeBytes(of: UInt16(length).littleEndian) { bytes += $0 }     // rtnh_len
            bytes.append(hop.onlink ? UInt8(onlinkFlag) : 0)                    // rtnh_flags
            bytes.append(UInt8(hop.weight - 1))                                 // rtnh_hops
            withUnsafeBytes(of: Int32(bitPattern: hop.interfaceIndex).littleEndian) { bytes += $0 } // rtnh_ifindex
            if !gateway.isEmpty {
                withUnsafeBytes(of: UInt16(gatewayAttributeLength).littleEndian) { bytes += $0 } // nla_len
                withUnsafeBytes(of: RouteAttribute.gateway.littleEndian) { bytes += $0 }         // nla_type
                bytes += gateway
                bytes += [UInt8](repeating: 0, count: netlinkAlign(gatewayAttributeLength) - gatewayAttributeLength)
            }
        }
        return bytes
    }

    /// Parses RTM_NEWROUTE / RTM_DELROUTE; nil for families other than IPv4/IPv6.
    init?(parsing payload: UnsafeRawBufferPointer) throws {
        let attributes = try Netlink.attributes(after: 12, in: payload, of: "rtmsg")
        let family = payload[0]
        guard family == AddressFamily.inet || family == AddressFamily.inet6 else { return nil }
        let dstLength = payload[1]
        var table = UInt32(payload[4])
        var destination: IPAddress = family == AddressFamily.inet ? .v4(.any) : .v6(.any)
        var gateway: IPAddress?
        var oif: UInt32?
        var metric: UInt32?
        var source: IPAddress?
        var hops: [NextHop] = []
        try forEachAttribute(in: attributes) { type, value in
            switch type {
            case RouteAttribute.dst: destination = try value.address(family: family, "RTA_DST")
            case RouteAttribute.gateway: gateway = try value.address(family: family, "RTA_GATEWAY")
            case RouteAttribute.oif: oif = try value.u32("RTA_OIF")
            case RouteAttribute.priority: metric = try value.u32("RTA_PRIORITY")
            case RouteAttribute.prefsrc: source = try value.address(family: family, "RTA_PREFSRC")
            case RouteAttribute.table: table = try value.u32("RTA_TABLE")
            case RouteAttribute.multipath: hops = try Self.parseMultipath(value, family: family)
            default: break
            }
        }
        self.init(destination: try IPPrefix(address: destination, length: dstLength),
                  table: RouteTable(rawValue: table), proto: RouteProtocol(rawValue: payload[5]),
                  scope: RouteScope(rawValue: payload[6]), type: RouteType(rawValue: payload[7]),
                  gateway: gateway, interfaceIndex: oif,
                  onlink: payload.loadUnaligned(fromByteOffset: 8, as: UInt32.self) & onlinkFlag != 0,
                  metric: metric, preferredSource: source, nextHops: hops)
    }

    static func parseMultipath(_ bytes: UnsafeRawBufferPointer, family: UInt8) throws -> [NextHop] {
        var hops: [NextHop] = []
        var offset = 0
        while bytes.count - offset >= 8 {
            let length = Int(bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
            guard length >= 8, length <= bytes.count - offset else {
                throw NetlinkError.malformed("rtnexthop at \(offset) claims \(length) bytes, \(bytes.count - offset) left")
            }
            var hop = NextHop(
                interfaceIndex: UInt32(bitPattern: bytes.loadUnaligned(fromByteOffset: offset + 4, as: Int32.self)),
                weight: UInt16(bytes[offset + 3]) + 1,
                onlink: UInt32(bytes[offset + 2]) & onlinkFlag != 0)
            try forEachAttribute(in: UnsafeRawBufferPointer(rebasing: bytes[(offset + 8)..<(offset + length)])) { type, value in
                if type == RouteAttribute.gateway { hop.gateway = try value.address(family: family, "nexthop RTA_GATEWAY") }
            }
            hops.append(hop)
            offset += netlinkAlign(length)
        }
        return hops
    }
}
