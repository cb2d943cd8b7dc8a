import CMNL

/// One rtnetlink request. Batches of these go to the kernel in one `sendto` (`NetlinkSocket.execute`).
/// Each case names its iproute2 equivalent.
public enum NetlinkRequest: Sendable, CustomStringConvertible {
    /// `ip route add P ...` (NLM_F_CREATE | NLM_F_EXCL: EEXIST if present)
    case addRoute(Route)
    /// `ip route replace P ...` (NLM_F_CREATE | NLM_F_REPLACE)
    case replaceRoute(Route)
    /// `ip route del P [proto N] [table T]`: matches only routes of `route.proto` unless `.unspecified`.
    case deleteRoute(Route)
    /// `ip addr add A/L dev X`
    case addAddress(InterfaceAddress)
    /// `ip addr replace A/L dev X` (idempotent)
    case replaceAddress(InterfaceAddress)
    /// `ip addr del A/L dev X`
    case deleteAddress(InterfaceAddress)
    /// `ip neigh replace A lladdr M dev X nud permanent`
    case replaceNeighbour(Neighbour)
    /// `ip neigh del A dev X`
    case deleteNeighbour(Neighbour)
    /// `ip link add N type veth peer name P [netns NS]`
    case createVeth(VethPair)
    /// `ip link set dev X [up|down] [mtu M] [name N] [netns NS]`
    case setLink(LinkChange)
    /// `ip link del dev X` (by index)
    case deleteLink(index: UInt32)

    private static let request = UInt16(NLM_F_REQUEST)
    private static let create = UInt16(NLM_F_CREATE)
    private static let exclusive = UInt16(NLM_F_EXCL)
    private static let replace = UInt16(NLM_F_REPLACE)

    var messageType: UInt16 {
        switch self {
        case .addRoute, .replaceRoute: UInt16(RTM_NEWROUTE)
        case .deleteRoute: UInt16(RTM_DELROUTE)
        case .addAddress, .replaceAddress: UInt16(RTM_NEWADDR)
        case .deleteAddress: UInt16(RTM_DELADDR)
        case .replaceNeighbour: UInt16(RTM_NEWNEIGH)
        case .deleteNeighbour: UInt16(RTM_DELNEIGH)
        case .createVeth, .setLink: UInt16(RTM_NEWLINK)
        case .deleteLink: UInt16(RTM_DELLINK)
        }
    }

    var flags: UInt16 {
        switch self {
        case .addRoute, .addAddress, .createVeth: Self.request | Self.create | Self.exclusive
        case .replaceRoute, .replaceAddress, .replaceNeighbour: Self.request | Self.create | Self.replace
        case .deleteRoute, .deleteAddress, .deleteNeighbour, .setLink, .deleteLink: Self.request
        }
    }

    func encode(_ w: MessageWriter) throws {
        switch self {
        case .addRoute(let r), .replaceRoute(let r): try r.encode(w, deleting: false)
        case .deleteRoute(let r): try r.encode(w, deleting: true)
        case .addAddress(let a), .replaceAddress(let a), .deleteAddress(let a): try a.encode(w)
        case .replaceNeighbour(let n): try n.encode(w, deleting: false)
        case .deleteNeighbour(let n): try n.encode(w, deleting: true)
        case .createVeth(let v): try v.encode(w)
        case .setLink(let c): try c.encode(w)
        case .deleteLink(let index):
            guard index > 0, index <= UInt32(Int32.max) else { throw NetlinkError.invalidArgument("interface index \(index)") }
            let ifi = try w.appendStruct(ifinfomsg.self)
            ifi.pointee.ifi_index = Int32(index)
        }
    }

    public var description: String {
        switch self {
        case .addRoute(let r): "route add \(r)"
        case .replaceRoute(let r): "route replace \(r)"
        case .deleteRoute(let r): "route del \(r)"
        case .addAddress(let a): "addr add \(a)"
        case .replaceAddress(let a): "addr replace \(a)"
        case .deleteAddress(let a): "addr del \(a)"
        case .replaceNeighbour(let n): "neigh replace \(n)"
        case .deleteNeighbour(let n): "neigh del \(n)"
        case .createVeth(let v): "link add \(v.name) type veth peer name \(v.peerName)"
        case .setLink(let c): "link set #\(c.index)"
        case .deleteLink(let i): "link del #\(i)"
        }
    }
}
