import Glibc
import NIOCore
import IPAddressing

/// Per-socket protections of a BGP session.
enum SocketSecurity {
    /// Installs the TCP MD5 signature key for `peer` on a socket (RFC 2385;
    /// `setsockopt(TCP_MD5SIG)`, what BIRD's `password` and FRR's `neighbor X password` do).
    /// On a listening socket it covers the connections accepted from that address.
    static func setMD5(_ password: String?, peer: IPAddress, on channel: any Channel) -> EventLoopFuture<Void> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(SpeakerError.socketOption("TCP_MD5SIG", "channel has no socket"))
        }
        var sig = tcp_md5sig()
        let key = Array((password ?? "").utf8.prefix(Int(TCP_MD5SIG_MAXKEYLEN)))
        sig.tcpm_keylen = UInt16(key.count)
        withUnsafeMutableBytes(of: &sig.tcpm_key) { raw in
            for (i, b) in key.enumerated() { raw[i] = b }
        }
        withUnsafeMutableBytes(of: &sig.tcpm_addr) { raw in
            switch peer {
            case .v4(let a):
                var sin = sockaddr_in()
                sin.sin_family = sa_family_t(AF_INET)
                sin.sin_addr.s_addr = a.value.bigEndian
                withUnsafeBytes(of: &sin) { raw.copyMemory(from: $0) }
            case .v6(let a):
                var sin6 = sockaddr_in6()
                sin6.sin6_family = sa_family_t(AF_INET6)
                withUnsafeMutableBytes(of: &sin6.sin6_addr) { dst in
                    for (i, b) in a.octets.enumerated() { dst[i] = b }
                }
                withUnsafeBytes(of: &sin6) { raw.copyMemory(from: $0) }
            }
        }
        return provider.unsafeSetSocketOption(level: SocketOptionLevel(IPPROTO_TCP), name: SocketOptionName(TCP_MD5SIG), value: sig)
    }

    /// The TTL settings of a session's socket: GTSM (TTL 255 out, at least 254 in; RFC 5082),
    /// else `multihop`, else TTL 1 for an external peer (directly connected, as BIRD and FRR default)
    /// and the system default for an internal one.
    static func applyTTL(_ spec: PeerSpec, external: Bool, on channel: any Channel) -> EventLoopFuture<Void> {
        if spec.ttlSecurity {
            return setTTL(255, family: spec.address, on: channel).flatMap { setMinimumTTL(family: spec.address, on: channel) }
        }
        if let ttl = spec.multihopTTL { return setTTL(Int32(ttl), family: spec.address, on: channel) }
        if external { return setTTL(1, family: spec.address, on: channel) }
        return channel.eventLoop.makeSucceededVoidFuture()
    }

    /// The TTL of outgoing packets (`IP_TTL`/`IPV6_UNICAST_HOPS`): 255 for GTSM, the multihop value otherwise.
    static func setTTL(_ ttl: Int32, family: IPAddress, on channel: any Channel) -> EventLoopFuture<Void> {
        switch family {
        case .v4: setRaw(level: Int32(IPPROTO_IP), name: IP_TTL, value: ttl, on: channel)
        case .v6: setRaw(level: Int32(IPPROTO_IPV6), name: IPV6_UNICAST_HOPS, value: ttl, on: channel)
        }
    }

    /// GTSM receive check (RFC 5082 section 3): drop packets that arrive with a TTL below 254
    /// (`IP_MINTTL`/`IPV6_MINHOPCOUNT`).
    static func setMinimumTTL(family: IPAddress, on channel: any Channel) -> EventLoopFuture<Void> {
        switch family {
        case .v4: setRaw(level: Int32(IPPROTO_IP), name: IP_MINTTL, value: 254, on: channel)
        case .v6: setRaw(level: Int32(IPPROTO_IPV6), name: 73 /* IPV6_MINHOPCOUNT */, value: 254, on: channel)
        }
    }

    private static func setRaw(level: Int32, name: Int32, value: Int32, on channel: any Channel) -> EventLoopFuture<Void> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(SpeakerError.socketOption("\(name)", "channel has no socket"))
        }
        return provider.unsafeSetSocketOption(level: SocketOptionLevel(level), name: SocketOptionName(name), value: value)
    }
}

/// Errors of the speaker's own making, with what an operator needs to fix them.
public enum SpeakerError: Error, CustomStringConvertible, Sendable {
    case socketOption(String, String)
    case listen(String, String)
    case unknownPeer(String)

    public var description: String {
        switch self {
        case .socketOption(let name, let why): "cannot set socket option \(name): \(why)"
        case .listen(let address, let why): "cannot listen on \(address): \(why) (is another BGP daemon using the port? is the address configured?)"
        case .unknownPeer(let peer): "no peer \(peer) is configured"
        }
    }
}
