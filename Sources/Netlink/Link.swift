import CMNL

/// IFLA_* attribute numbers (linux/if_link.h) as UInt16.
enum LinkAttribute {
    static let address = UInt16(IFLA_ADDRESS)
    static let name = UInt16(IFLA_IFNAME)
    static let mtu = UInt16(IFLA_MTU)
    static let master = UInt16(IFLA_MASTER)
    static let operState = UInt16(IFLA_OPERSTATE)
    static let linkInfo = UInt16(IFLA_LINKINFO)
    static let netnsFD = UInt16(IFLA_NET_NS_FD)
    static let linkNetnsID = UInt16(IFLA_LINK_NETNSID)
    static let infoKind = UInt16(IFLA_INFO_KIND)
    static let infoData = UInt16(IFLA_INFO_DATA)
    static let vethPeer = UInt16(VETH_INFO_PEER)
}

/// `IFF_UP` (`ip link set X up`).
let interfaceUpFlag: UInt32 = 1

/// A network interface as `ip -d link show` reports it.
public struct Link: Hashable, Sendable, CustomStringConvertible {
    public var index: UInt32
    public var name: String
    public var mtu: UInt32
    /// Administratively up (`IFF_UP`).
    public var isUp: Bool
    /// RFC 2863 operational state (IFLA_OPERSTATE): 6 = up, 2 = down, 7 = lower-layer down.
    public var operationalState: UInt8
    /// `IFLA_INFO_KIND`: "veth", "bridge", ... (nil for loopback and physical devices)
    public var kind: String?
    /// The link-layer address (6 bytes for Ethernet).
    public var hardwareAddress: [UInt8]
    /// For a veth whose peer is in another namespace: that namespace's id as seen from here.
    public var linkNamespaceID: Int32?

    public var description: String {
        "\(index): \(name) mtu \(mtu) \(isUp ? "UP" : "DOWN")\(kind.map { " \($0)" } ?? "")"
    }

    /// Parses RTM_NEWLINK / RTM_DELLINK (`struct ifinfomsg` + IFLA_*).
    init(parsing payload: UnsafeRawBufferPointer) throws {
        let attributes = try Netlink.attributes(after: 16, in: payload, of: "ifinfomsg")
        index = UInt32(bitPattern: payload.loadUnaligned(fromByteOffset: 4, as: Int32.self))
        isUp = payload.loadUnaligned(fromByteOffset: 8, as: UInt32.self) & interfaceUpFlag != 0
        name = ""
        mtu = 0
        operationalState = 0
        hardwareAddress = []
        var kind: String?
        var namespaceID: Int32?
        try forEachAttribute(in: attributes) { type, value in
            switch type {
            case LinkAttribute.name: name = String(value.string.prefix(15))
            case LinkAttribute.mtu: mtu = try value.u32("IFLA_MTU")
            case LinkAttribute.operState: operationalState = try value.u8("IFLA_OPERSTATE")
            case LinkAttribute.address: hardwareAddress = Array(value.prefix(32))
            case LinkAttribute.linkNetnsID: namespaceID = Int32(bitPattern: try value.u32("IFLA_LINK_NETNSID"))
            case LinkAttribute.linkInfo:
                try forEachAttribute(in: value) { infoType, info in
                    if infoType == LinkAttribute.infoKind { kind = String(info.string.prefix(32)) }
                }
            default: break
            }
        }
        self.kind = kind
        self.linkNamespaceID = namespaceID
    }
}

/// Checks an interface name the way the kernel's `dev_valid_name` does, with a message that says why.
public func validateInterfaceName(_ name: String) throws {
    let bytes = Array(name.utf8)
    guard !bytes.isEmpty, bytes.count <= 15 else {
        throw NetlinkError.invalidArgument("interface name \"\(name)\" must be 1 to 15 bytes (IFNAMSIZ - 1), it is \(bytes.count)")
    }
    guard name != ".", name != "..", !bytes.contains(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ":") || $0 <= 32 || $0 == 127 }) else {
        throw NetlinkError.invalidArgument("interface name \"\(name)\" may not be . or .., nor contain '/', ':', spaces or control characters")
    }
}

/// A veth pair to create: `ip link add NAME [mtu M] type veth peer name PEER [mtu M] [netns NS]`.
/// With `peerNamespace`, the peer is created directly in that namespace (IFLA_NET_NS_FD inside
/// VETH_INFO_PEER), so it never appears in this one.
public struct VethPair: Sendable {
    public var name: String
    public var peerName: String
    public var peerNamespace: NetworkNamespace?
    public var mtu: UInt32?

    public init(name: String, peerName: String, peerNamespace: NetworkNamespace? = nil, mtu: UInt32? = nil) {
        self.name = name
        self.peerName = peerName
        self.peerNamespace = peerNamespace
        self.mtu = mtu
    }

    func encode(_ w: MessageWriter) throws {
        try validateInterfaceName(name)
        try validateInterfaceName(peerName)
        if let mtu, !(68...65535).contains(mtu) {
            throw NetlinkError.invalidArgument("MTU \(mtu) outside 68...65535")
        }
        _ = try w.appendStruct(ifinfomsg.self)
        try w.put(LinkAttribute.name, string: name)
        if let mtu { try w.put(LinkAttribute.mtu, u32: mtu) }
        try w.nest(LinkAttribute.linkInfo) {
            try w.put(LinkAttribute.infoKind, string: "veth")
            try w.nest(LinkAttribute.infoData) {
                try w.nest(LinkAttribute.vethPeer) {
                    _ = try w.appendStruct(ifinfomsg.self)  // the peer's own ifinfomsg, zeroed
                    try w.put(LinkAttribute.name, string: peerName)
                    if let mtu { try w.put(LinkAttribute.mtu, u32: mtu) }
                    if let peerNamespace { try w.put(LinkAttribute.netnsFD, u32: UInt32(bitPattern: peerNamespace.fileDescriptor)) }
                }
            }
        }
    }
}

/// Changes to an existing link (`ip link set dev X [up|down] [mtu M] [name N] [netns NS]`).
/// `nil` fields are left alone. Kernel 6.18 renames a veth even while it is up.
public struct LinkChange: Sendable {
    public var index: UInt32
    public var up: Bool?
    public var mtu: UInt32?
    public var name: String?
    public var namespace: NetworkNamespace?

    public init(index: UInt32, up: Bool? = nil, mtu: UInt32? = nil, name: String? = nil, namespace: NetworkNamespace? = nil) {
        self.index = index
        self.up = up
        self.mtu = mtu
        self.name = name
        self.namespace = namespace
    }

    func encode(_ w: MessageWriter) throws {
        guard index > 0, index <= UInt32(Int32.max) else { throw NetlinkError.invalidArgument("interface index \(index)") }
        if let name { try validateInterfaceName(name) }
        if let mtu, !(68...65535).contains(mtu) { throw NetlinkError.invalidArgument("MTU \(mtu) outside 68...65535") }
        let ifi = try w.appendStruct(ifinfomsg.self)
        ifi.pointee.ifi_index = Int32(index)
        if let up {
            ifi.pointee.ifi_change = interfaceUpFlag
            ifi.pointee.ifi_flags = up ? interfaceUpFlag : 0
        }
        if let mtu { try w.put(LinkAttribute.mtu, u32: mtu) }
        if let name { try w.put(LinkAttribute.name, string: name) }
        if let namespace { try w.put(LinkAttribute.netnsFD, u32: UInt32(bitPattern: namespace.fileDescriptor)) }
    }
}
