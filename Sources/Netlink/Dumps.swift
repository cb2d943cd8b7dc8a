import CMNL
import Glibc

extension NetlinkSocket {
    /// `ip -d link show`
    public func links() throws -> [Link] {
        try dump(type: UInt16(RTM_GETLINK), operation: "link dump", build: { w in
            _ = try w.appendStruct(ifinfomsg.self)
        }, parse: { message in
            message.type == UInt16(RTM_NEWLINK) ? try Link(parsing: message.payload) : nil
        })
    }

    /// `ip link show dev NAME` (one RTM_GETLINK by IFLA_IFNAME, not a dump), or nil when there
    /// is no such interface in this namespace.
    public func link(named name: String) throws -> Link? {
        try validateInterfaceName(name)
        return try get(type: UInt16(RTM_GETLINK), operation: "link get \(name)", notFound: [ENODEV], build: { w in
            _ = try w.appendStruct(ifinfomsg.self)
            try w.put(LinkAttribute.name, string: name)
        }, parse: { message in
            message.type == UInt16(RTM_NEWLINK) ? try Link(parsing: message.payload) : nil
        })
    }

    /// `ip route show table T proto P` for IPv4 and/or IPv6 (see `RouteFilter`).
    public func routes(_ filter: RouteFilter = RouteFilter()) throws -> [Route] {
        let families = filter.family.map { [$0] } ?? [AddressFamily.inet, AddressFamily.inet6]
        var all: [Route] = []
        for family in families {
            all += try dump(type: UInt16(RTM_GETROUTE), operation: "route dump", build: { w in
                let rtm = try w.appendStruct(rtmsg.self)
                rtm.pointee.rtm_family = family
                if let p = filter.proto { rtm.pointee.rtm_protocol = p.rawValue }
                if let t = filter.table { try w.put(RouteAttribute.table, u32: t.rawValue) }
                if let i = filter.interfaceIndex { try w.put(RouteAttribute.oif, u32: i) }
            }, parse: { message in
                guard message.type == UInt16(RTM_NEWROUTE), let route = try Route(parsing: message.payload),
                      filter.matches(route) else { return nil }
                return route
            })
        }
        return all
    }

    /// `ip addr show`
    public func addresses(family: UInt8? = nil) throws -> [InterfaceAddress] {
        try dump(type: UInt16(RTM_GETADDR), operation: "address dump", build: { w in
            let ifa = try w.appendStruct(ifaddrmsg.self)
            ifa.pointee.ifa_family = family ?? AddressFamily.unspec
        }, parse: { message in
            message.type == UInt16(RTM_NEWADDR) ? try InterfaceAddress(parsing: message.payload) : nil
        })
    }

    /// `ip neigh show`
    public func neighbours() throws -> [Neighbour] {
        try dump(type: UInt16(RTM_GETNEIGH), operation: "neighbour dump", build: { w in
            _ = try w.appendStruct(ndmsg.self)
        }, parse: { message in
            message.type == UInt16(RTM_NEWNEIGH) ? try Neighbour(parsing: message.payload) : nil
        })
    }
}
