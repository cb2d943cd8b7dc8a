import IPAddressing
@testable import Netlink
import Testing
import TestScheduling

/// The exact bytes a request encodes to (sequence 1, port 0).
func encoded(_ request: NetlinkRequest) throws -> [UInt8] {
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 8)
    defer { buffer.deallocate() }
    let writer = try MessageWriter(at: buffer, capacity: 4096, type: request.messageType, flags: request.flags, sequence: 1)
    try request.encode(writer)
    return Array(UnsafeRawBufferPointer(start: buffer, count: writer.length))
}

/// Runs `body` on the messages found in `bytes`.
func messages(in bytes: [UInt8]) throws -> [(type: UInt16, flags: UInt16, sequence: UInt32, payload: [UInt8])] {
    var found: [(UInt16, UInt16, UInt32, [UInt8])] = []
    try bytes.withUnsafeBytes { raw in
        try forEachMessage(in: raw) { found.append(($0.type, $0.flags, $0.sequence, Array($0.payload))) }
    }
    return found
}

@Suite("rtnetlink encoding and parsing (no kernel)", .blockingWork)
struct WireTests {
    @Test("ip route add 10.0.0.1/32 dev #2 proto 201 scope link: the exact bytes")
    func hostRouteBytes() throws {
        let route = Route(destination: prefix("10.0.0.1/32"), scope: .link, interfaceIndex: 2)
        #expect(try encoded(.addRoute(route)) == [
            52, 0, 0, 0,        // nlmsg_len 52
            24, 0,              // nlmsg_type RTM_NEWROUTE
            0x01, 0x06,         // nlmsg_flags NLM_F_REQUEST | NLM_F_EXCL | NLM_F_CREATE
            1, 0, 0, 0,         // nlmsg_seq 1
            0, 0, 0, 0,         // nlmsg_pid 0 (the kernel)
            2,                  // rtm_family AF_INET
            32,                 // rtm_dst_len
            0, 0,               // rtm_src_len, rtm_tos
            254,                // rtm_table RT_TABLE_MAIN
            201,                // rtm_protocol routed
            253,                // rtm_scope RT_SCOPE_LINK
            1,                  // rtm_type RTN_UNICAST
            0, 0, 0, 0,         // rtm_flags
            8, 0, 15, 0, 254, 0, 0, 0,   // RTA_TABLE 254
            8, 0, 1, 0, 10, 0, 0, 1,     // RTA_DST 10.0.0.1
            8, 0, 4, 0, 2, 0, 0, 0,      // RTA_OIF 2
        ])
    }

    @Test("a delete matches any scope and only our protocol: ip route del 10.0.0.1/32 proto 201")
    func deleteBytes() throws {
        let bytes = try encoded(.deleteRoute(Route(destination: prefix("10.0.0.1/32"))))
        #expect(bytes[4..<8] == [25, 0, 0x01, 0x00])   // RTM_DELROUTE, NLM_F_REQUEST only
        #expect(bytes[16..<24] == [2, 32, 0, 0, 254, 201, 255, 1])  // scope RT_SCOPE_NOWHERE, proto 201
    }

    @Test("routes survive encode → parse unchanged", arguments: [
        Route(destination: prefix("10.0.0.1/32"), scope: .link, interfaceIndex: 2),
        Route(destination: prefix("0.0.0.0/0"), gateway: v4("169.254.1.1"), interfaceIndex: 7, onlink: true),
        Route.blackhole(prefix("10.66.0.0/24"), table: RouteTable(rawValue: 1000)),
        Route(destination: prefix("10.88.0.0/16"), metric: 20, nextHops: [
            NextHop(gateway: v4("10.1.0.2"), interfaceIndex: 2, weight: 1, onlink: true),
            NextHop(gateway: v4("10.2.0.2"), interfaceIndex: 3, weight: 256),
        ]),
        Route(destination: prefix("fd00::1/128"), proto: .static, gateway: .v6(IPv6Address("fe80::1")!), interfaceIndex: 4),
    ])
    func roundTrip(route: Route) throws {
        let parsed = try messages(in: encoded(.replaceRoute(route)))
        #expect(parsed.count == 1)
        let back = try parsed[0].payload.withUnsafeBytes { try Route(parsing: $0) }
        #expect(back == route)
    }

    @Test("requests the kernel would reject for a vaguer reason are refused before sending", arguments: [
        (Route(destination: prefix("10.0.0.1/32"), gateway: .v6(IPv6Address("fe80::1")!)), "not the same address family"),
        (Route(destination: prefix("10.0.0.0/24"), type: .blackhole, interfaceIndex: 2), "takes no gateway"),
        (Route(destination: prefix("10.0.0.0/24"), nextHops: [NextHop(interfaceIndex: 2, weight: 0)]), "weight 0"),
        (Route(destination: prefix("10.0.0.0/24"), interfaceIndex: 2, nextHops: [NextHop(interfaceIndex: 2)]), "not both"),
    ])
    func invalidRoutes(route: Route, why: String) throws {
        let error = #expect(throws: NetlinkError.self) { try encoded(.addRoute(route)) }
        #expect(error?.description.contains(why) == true)
    }

    @Test("a reply whose length points past the datagram is malformed, not read", arguments: [
        [40, 0, 0, 0, 24, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0] as [UInt8],   // nlmsg_len 40 > 16 received
        [8, 0, 0, 0, 24, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],               // nlmsg_len 8 < header
        [0, 0, 0, 0x80, 24, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],            // nlmsg_len 2^31 (mnl_nlmsg_ok would pass it)
    ])
    func malformedMessages(bytes: [UInt8]) {
        #expect(throws: NetlinkError.self) { try messages(in: bytes) }
    }

    @Test("an attribute longer than its message is malformed")
    func malformedAttribute() {
        let payload: [UInt8] = [2, 32, 0, 0, 254, 201, 253, 1, 0, 0, 0, 0,
                                40, 0, 1, 0, 10, 0, 0, 1]   // RTA_DST claiming 40 bytes
        #expect(throws: NetlinkError.self) { try payload.withUnsafeBytes { try Route(parsing: $0) } }
    }

    @Test("NLMSG_ERROR with NETLINK_CAP_ACK and NETLINK_EXT_ACK: errno and the kernel's text")
    func extendedAckParsing() throws {
        let bytes: [UInt8] = [
            44, 0, 0, 0,            // nlmsg_len 44
            2, 0,                   // NLMSG_ERROR
            0x00, 0x03,             // NLM_F_CAPPED | NLM_F_ACK_TLVS
            7, 0, 0, 0,             // nlmsg_seq 7 (the failed request's)
            0, 0, 0, 0,             // nlmsg_pid
            0xEA, 0xFF, 0xFF, 0xFF, // error -22 (EINVAL)
            60, 0, 0, 0, 24, 0, 0x01, 0x06, 7, 0, 0, 0, 0, 0, 0, 0,   // the request's header, capped
            8, 0, 1, 0, 0x62, 0x61, 0x64, 0,                           // NLMSGERR_ATTR_MSG "bad"
        ]
        let parsed = try bytes.withUnsafeBytes { raw -> (Int32, String?) in
            var result: (Int32, String?) = (0, nil)
            try forEachMessage(in: raw) { result = try NetlinkSocket.parseError($0) }
            return result
        }
        #expect(parsed.0 == 22)
        #expect(parsed.1 == "bad")
    }
}
