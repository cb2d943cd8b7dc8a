import CMNL
import IPAddressing

/// Builds one netlink message in place with libmnl's bounds-checked `*_check` calls.
/// Every put throws `NetlinkError.invalidArgument` instead of writing past `capacity`.
struct MessageWriter {
    let header: UnsafeMutablePointer<nlmsghdr>
    let capacity: Int

    /// Starts a message at `start` (`mnl_nlmsg_put_header`), with room for `capacity` bytes.
    init(at start: UnsafeMutableRawPointer, capacity: Int, type: UInt16, flags: UInt16, sequence: UInt32) throws {
        guard capacity >= 64 else { throw NetlinkError.invalidArgument("no room for a netlink message") }
        self.header = mnl_nlmsg_put_header(start)!
        self.capacity = capacity
        header.pointee.nlmsg_type = type
        header.pointee.nlmsg_flags = flags
        header.pointee.nlmsg_seq = sequence
    }

    var length: Int { Int(header.pointee.nlmsg_len) }

    /// Appends a zeroed fixed header (`struct rtmsg`, `ifinfomsg`, ...) and returns it to fill in.
    /// Also used for the `ifinfomsg` inside VETH_INFO_PEER: it appends at the tail.
    func appendStruct<T>(_ type: T.Type) throws -> UnsafeMutablePointer<T> {
        guard length + netlinkAlign(MemoryLayout<T>.size) <= capacity else {
            throw NetlinkError.invalidArgument("message exceeds \(capacity) bytes")
        }
        return mnl_nlmsg_put_extra_header(header, MemoryLayout<T>.size)!.bindMemory(to: T.self, capacity: 1)
    }

    func put(_ type: UInt16, u32 value: UInt32) throws {
        guard mnl_attr_put_u32_check(header, capacity, type, value) else { throw full(type) }
    }

    func put(_ type: UInt16, u8 value: UInt8) throws {
        guard mnl_attr_put_u8_check(header, capacity, type, value) else { throw full(type) }
    }

    func put(_ type: UInt16, bytes: [UInt8]) throws {
        let ok = bytes.withUnsafeBytes { mnl_attr_put_check(header, capacity, type, $0.count, $0.baseAddress) }
        guard ok else { throw full(type) }
    }

    /// A NUL-terminated string attribute (`IFLA_IFNAME`, `IFLA_INFO_KIND`).
    func put(_ type: UInt16, string: String) throws {
        guard mnl_attr_put_strz_check(header, capacity, type, string) else { throw full(type) }
    }

    func put(_ type: UInt16, address: IPAddress) throws {
        try put(type, bytes: address.networkBytes)
    }

    /// A nested attribute (`NLA_F_NESTED` left clear, as iproute2 sends them).
    func nest(_ type: UInt16, _ body: () throws -> Void) throws {
        guard let start = mnl_attr_nest_start_check(header, capacity, type) else { throw full(type) }
        try body()
        mnl_attr_nest_end(header, start)
    }

    private func full(_ type: UInt16) -> NetlinkError {
        .invalidArgument("attribute \(type) does not fit in a \(capacity)-byte message")
    }
}
