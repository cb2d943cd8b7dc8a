import BGPWire
public import IPAddressing

/// One configured peering, as the CLI spells it:
/// `ADDR[,as=N][,port=P][,local=ADDR][,password=S][,passive][,hold=S][,keepalive=S][,connect-retry=S][,ttl-security][,multihop=N][,max-prefix=N][,max-prefix-restart=S][,next-hop=ADDR][,next-hop6=ADDR][,import=POLICY][,export=POLICY][,rr-client]`.
public struct PeerSpec: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var port: Int = 179
    /// The source address of our connections (`local` in BIRD, `update-source` in FRR).
    public var localAddress: IPAddress?
    /// The peer's AS; nil means the same as ours (iBGP).
    public var remoteAS: UInt32?
    /// TCP MD5 signature key (RFC 2385), at most 80 octets.
    public var password: String?
    /// Wait for the peer to connect; never connect out.
    public var passive = false
    public var holdTime: UInt16 = 90
    public var keepaliveTime: UInt16?
    public var connectRetryTime: UInt16 = 120
    /// GTSM (RFC 5082): send with TTL 255 and accept only TTL 254 or more; for directly connected eBGP peers.
    public var ttlSecurity = false
    /// eBGP multihop: the TTL of our packets (1 for directly connected eBGP by default, 64 for iBGP).
    public var multihopTTL: UInt8?
    /// Maximum-prefix limit (RFC 4486): more prefixes than this from the peer ends the session.
    public var maxPrefixes: UInt32?
    /// Seconds before reconnecting after the limit ended the session.
    public var maxPrefixRestart: UInt16 = 60
    /// The IPv4 next hop to announce instead of the session's local address (BIRD's `next hop address`).
    public var ipv4NextHop: IPv4Address?
    /// The IPv6 next hop to announce IPv6 routes with when the session runs over IPv4.
    public var ipv6NextHop: IPv6Address?
    /// The route policy applied to routes from the peer (`import=NAME`); nil for RFC 8212's default.
    public var importPolicy: String?
    /// The route policy applied to routes to the peer (`export=NAME`); nil for RFC 8212's default.
    public var exportPolicy: String?
    /// A route-reflector client of ours (RFC 4456; BIRD's `rr client`, FRR's `route-reflector-client`).
    public var reflectorClient = false

    public init(address: IPAddress) { self.address = address }

    /// An error in a `--peer` value, saying which part and what is expected.
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        public var spec: String
        public var problem: String
        public var description: String { "--peer \(spec): \(problem)" }
    }

    public init(parsing text: String) throws(ParseError) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, let address = IPAddress(first) else {
            throw ParseError(spec: text, problem: "'\(parts.first ?? "")' is not an IPv4 or IPv6 address (expected ADDR[,as=N]...)")
        }
        self.init(address: address)
        for part in parts.dropFirst() {
            let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
            func number<T: FixedWidthInteger>(_: T.Type, _ range: ClosedRange<T>) throws(ParseError) -> T {
                guard kv.count == 2, let v = T(kv[1]), range.contains(v) else {
                    throw ParseError(spec: text, problem: "'\(part)' needs a number in \(range.lowerBound)...\(range.upperBound)")
                }
                return v
            }
            switch kv[0] {
            case "as": remoteAS = try number(UInt32.self, 1...UInt32.max)
            case "port": port = Int(try number(UInt16.self, 1...UInt16.max))
            case "local":
                guard kv.count == 2, let a = IPAddress(kv[1]) else { throw ParseError(spec: text, problem: "local needs an IP address") }
                localAddress = a
            case "password":
                guard kv.count == 2, !kv[1].isEmpty, kv[1].utf8.count <= 80 else {
                    throw ParseError(spec: text, problem: "password must be 1 to 80 octets (TCP MD5, RFC 2385)")
                }
                password = kv[1]
            case "passive" where kv.count == 1: passive = true
            case "ttl-security" where kv.count == 1: ttlSecurity = true
            case "hold":
                holdTime = try number(UInt16.self, 0...65535)
                if holdTime == 1 || holdTime == 2 { throw ParseError(spec: text, problem: "hold must be 0 or at least 3 seconds (RFC 4271)") }
            case "keepalive": keepaliveTime = try number(UInt16.self, 1...21845)
            case "connect-retry": connectRetryTime = try number(UInt16.self, 1...65535)
            case "multihop": multihopTTL = try number(UInt8.self, 1...255)
            case "max-prefix": maxPrefixes = try number(UInt32.self, 1...UInt32.max)
            case "max-prefix-restart": maxPrefixRestart = try number(UInt16.self, 1...65535)
            case "next-hop":
                guard kv.count == 2, let a = IPv4Address(kv[1]) else { throw ParseError(spec: text, problem: "next-hop needs an IPv4 address") }
                ipv4NextHop = a
            case "next-hop6":
                guard kv.count == 2, let a = IPv6Address(kv[1]) else { throw ParseError(spec: text, problem: "next-hop6 needs an IPv6 address") }
                ipv6NextHop = a
            case "import", "export":
                guard kv.count == 2, let name = kv.last, !name.isEmpty,
                      name.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }) else {
                    throw ParseError(spec: text, problem: "\(kv[0]) needs a policy name (letters, digits, - and _), e.g. \(kv[0])=all")
                }
                if kv[0] == "import" { importPolicy = name } else { exportPolicy = name }
            case "rr-client" where kv.count == 1: reflectorClient = true
            default:
                throw ParseError(spec: text, problem: "unknown option '\(part)'; known: as=, port=, local=, password=, passive, hold=, keepalive=, connect-retry=, ttl-security, multihop=, max-prefix=, max-prefix-restart=, next-hop=, next-hop6=, import=, export=, rr-client")
            }
        }
        if ttlSecurity, multihopTTL != nil { throw ParseError(spec: text, problem: "ttl-security and multihop exclude each other") }
    }

    public var description: String {
        var s = "\(address)"
        if let remoteAS { s += ",as=\(remoteAS)" }
        if port != 179 { s += ",port=\(port)" }
        if password != nil { s += ",password=***" }
        if passive { s += ",passive" }
        if reflectorClient { s += ",rr-client" }
        if let importPolicy { s += ",import=\(importPolicy)" }
        if let exportPolicy { s += ",export=\(exportPolicy)" }
        return s
    }
}
