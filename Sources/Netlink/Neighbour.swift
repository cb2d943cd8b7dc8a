public import IPAddressing
import CMNL

/// A permanent neighbour entry (`ip neigh replace 169.254.1.1 lladdr ee:ee:ee:ee:ee:ee dev eth0 nud permanent`).
public struct Neighbour: Hashable, Sendable, CustomStringConvertible {
    public var interfaceIndex: UInt32
    public var address: IPAddress
    public var hardwareAddress: [UInt8]
    /// NUD_* state; `NUD_PERMANENT` (0x80) for the entries routed writes.
    public var state: UInt16

    public static let permanentState: UInt16 = UInt16(NUD_PERMANENT)

    public init(interfaceIndex: UInt32, address: IPAddress, hardwareAddress: [UInt8], state: UInt16 = Neighbour.permanentState) {
        self.interfaceIndex = interfaceIndex
        self.address = address
        self.hardwareAddress = hardwareAddress
        self.state = state
    }

    public var description: String {
        "\(address) lladdr \(hardwareAddress.map { String($0, radix: 16) }.joined(separator: ":")) dev #\(interfaceIndex)"
    }

    func encode(_ w: MessageWriter, deleting: Bool) throws {
        guard interfaceIndex > 0 else { throw NetlinkError.invalidArgument("neighbour \(address) needs an interface") }
        guard deleting || hardwareAddress.count == 6 else {
            throw NetlinkError.invalidArgument("neighbour \(address): link-layer address must be 6 bytes, got \(hardwareAddress.count)")
        }
        let nd = try w.appendStruct(ndmsg.self)
        nd.pointee.ndm_family = address.family
        nd.pointee.ndm_ifindex = Int32(bitPattern: interfaceIndex)
        nd.pointee.ndm_state = state
        try w.put(UInt16(NDA_DST), address: address)
        if !deleting { try w.put(UInt16(NDA_LLADDR), bytes: hardwareAddress) }
    }

    /// Parses RTM_NEWNEIGH; nil for other families or entries without an address.
    init?(parsing payload: UnsafeRawBufferPointer) throws {
        let attributes = try Netlink.attributes(after: 12, in: payload, of: "ndmsg")
        let family = payload[0]
        guard family == AddressFamily.inet || family == AddressFamily.inet6 else { return nil }
        var address: IPAddress?
        var lladdr: [UInt8] = []
        try forEachAttribute(in: attributes) { type, value in
            if type == UInt16(NDA_DST) { address = try value.address(family: family, "NDA_DST") }
            if type == UInt16(NDA_LLADDR) { lladdr = Array(value.prefix(32)) }
        }
        guard let address else { return nil }
        self.init(interfaceIndex: UInt32(bitPattern: payload.loadUnaligned(fromByteOffset: 4, as: Int32.self)),
                  address: address, hardwareAddress: lladdr,
                  state: payload.loadUnaligned(fromByteOffset: 8, as: UInt16.self))
    }
}
