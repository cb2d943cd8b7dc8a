public import IPAddressing
import CMNL

enum AddressAttribute {
    static let address = UInt16(IFA_ADDRESS)
    static let local = UInt16(IFA_LOCAL)
    static let label = UInt16(IFA_LABEL)
}

/// An address on an interface (`ip addr add 10.0.0.1/32 dev X [scope link]`).
/// Unlike `IPPrefix`, the host bits are kept: 10.0.0.1/24 is the address 10.0.0.1 on a /24.
public struct InterfaceAddress: Hashable, Sendable, CustomStringConvertible {
    public var interfaceIndex: UInt32
    public var address: IPAddress
    public var prefixLength: UInt8
    public var scope: RouteScope
    /// `nodad`: usable at once, no IPv6 duplicate address detection (IFA_F_NODAD). Not reported back by dumps.
    public var skipDuplicateAddressDetection: Bool

    public init(interfaceIndex: UInt32, address: IPAddress, prefixLength: UInt8, scope: RouteScope = .universe,
                skipDuplicateAddressDetection: Bool = false) {
        self.interfaceIndex = interfaceIndex
        self.address = address
        self.prefixLength = prefixLength
        self.scope = scope
        self.skipDuplicateAddressDetection = skipDuplicateAddressDetection
    }

    public var description: String { "\(address)/\(prefixLength) dev #\(interfaceIndex)" }

    func encode(_ w: MessageWriter) throws {
        let maximum: UInt8 = address.family == AddressFamily.inet ? 32 : 128
        guard prefixLength <= maximum else {
            throw NetlinkError.invalidArgument("prefix length /\(prefixLength) for \(address) exceeds /\(maximum)")
        }
        guard interfaceIndex > 0 else { throw NetlinkError.invalidArgument("address \(address) needs an interface") }
        let ifa = try w.appendStruct(ifaddrmsg.self)
        ifa.pointee.ifa_family = address.family
        ifa.pointee.ifa_prefixlen = prefixLength
        ifa.pointee.ifa_scope = scope.rawValue
        ifa.pointee.ifa_flags = skipDuplicateAddressDetection ? UInt8(IFA_F_NODAD) : 0
        ifa.pointee.ifa_index = interfaceIndex
        try w.put(AddressAttribute.local, address: address)
        try w.put(AddressAttribute.address, address: address)
    }

    /// Parses RTM_NEWADDR / RTM_DELADDR; nil for other families.
    init?(parsing payload: UnsafeRawBufferPointer) throws {
        let attributes = try Netlink.attributes(after: 8, in: payload, of: "ifaddrmsg")
        let family = payload[0]
        guard family == AddressFamily.inet || family == AddressFamily.inet6 else { return nil }
        var local: IPAddress?
        var address: IPAddress?
        try forEachAttribute(in: attributes) { type, value in
            switch type {
            case AddressAttribute.local: local = try value.address(family: family, "IFA_LOCAL")
            case AddressAttribute.address: address = try value.address(family: family, "IFA_ADDRESS")
            default: break
            }
        }
        guard let chosen = local ?? address else { throw NetlinkError.malformed("address message without IFA_LOCAL/IFA_ADDRESS") }
        self.init(interfaceIndex: payload.loadUnaligned(fromByteOffset: 4, as: UInt32.self), address: chosen,
                  prefixLength: payload[1], scope: RouteScope(rawValue: payload[3]))
    }
}
