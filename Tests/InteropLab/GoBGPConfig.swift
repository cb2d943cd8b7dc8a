/// A GoBGP 3 configuration file (TOML, `gobgpd -f FILE`): the global AS, router id and listen port,
/// and neighbors with their peer AS, TCP MD5 password, families and timers.
public struct GoBGPConfig: Sendable {
    public var asn: UInt32
    public var routerID: String
    /// `port` in `[global.config]`: the BGP listen port (-1 disables listening).
    public var listenPort: Int
    public var neighbors: [Neighbor]
    /// TOML appended verbatim.
    public var extra: String

    public init(asn: UInt32, routerID: String, listenPort: Int = 179, neighbors: [Neighbor] = [], extra: String = "") {
        self.asn = asn
        self.routerID = routerID
        self.listenPort = listenPort
        self.neighbors = neighbors
        self.extra = extra
    }

    /// `afi-safi-name` values.
    public enum Family: String, Sendable {
        case ipv4Unicast = "ipv4-unicast"
        case ipv6Unicast = "ipv6-unicast"
    }

    /// One `[[neighbors]]` table.
    public struct Neighbor: Sendable {
        public var address: String
        public var peerAS: UInt32
        /// `auth-password`: TCP MD5 signature (RFC 2385).
        public var password: String?
        public var families: [Family]
        public var holdTime: Int?
        public var keepaliveInterval: Int?
        /// `connect-retry` (seconds).
        public var connectRetry: Int
        /// `idle-hold-time-after-reset`: the pause after a session reset (GoBGP's default is 30 s).
        public var idleHoldTimeAfterReset: Int
        /// `passive-mode`: wait for the peer to connect.
        public var passive: Bool
        public var localAddress: String?
        /// `remote-port`: the peer's port (a speaker under test on a high port).
        public var remotePort: Int?

        public init(address: String, peerAS: UInt32, password: String? = nil, families: [Family] = [.ipv4Unicast],
                    holdTime: Int? = nil, keepaliveInterval: Int? = nil, connectRetry: Int = 1,
                    idleHoldTimeAfterReset: Int = 1, passive: Bool = false, localAddress: String? = nil,
                    remotePort: Int? = nil) {
            self.address = address
            self.peerAS = peerAS
            self.password = password
            self.families = families
            self.holdTime = holdTime
            self.keepaliveInterval = keepaliveInterval
            self.connectRetry = connectRetry
            self.idleHoldTimeAfterReset = idleHoldTimeAfterReset
            self.passive = passive
            self.localAddress = localAddress
            self.remotePort = remotePort
        }

        func render() -> String {
            var lines = [
                "[[neighbors]]",
                "  [neighbors.config]",
                "    neighbor-address = \(quoted(address))",
                "    peer-as = \(peerAS)",
            ]
            if let password { lines.append("    auth-password = \(quoted(password))") }
            lines += ["  [neighbors.timers.config]", "    connect-retry = \(connectRetry)",
                      "    idle-hold-time-after-reset = \(idleHoldTimeAfterReset)"]
            if let holdTime { lines.append("    hold-time = \(holdTime)") }
            if let keepaliveInterval { lines.append("    keepalive-interval = \(keepaliveInterval)") }
            if passive || localAddress != nil || remotePort != nil {
                lines.append("  [neighbors.transport.config]")
                if let remotePort { lines.append("    remote-port = \(remotePort)") }
                if passive { lines.append("    passive-mode = true") }
                if let localAddress { lines.append("    local-address = \(quoted(localAddress))") }
            }
            for family in families {
                lines += ["  [[neighbors.afi-safis]]", "    [neighbors.afi-safis.config]",
                          "      afi-safi-name = \(quoted(family.rawValue))"]
            }
            return lines.joined(separator: "\n")
        }
    }

    public func render() -> String {
        var text = """
            [global.config]
              as = \(asn)
              router-id = \(quoted(routerID))
              port = \(listenPort)

            """
        text += neighbors.map { $0.render() }.joined(separator: "\n\n") + "\n"
        if !extra.isEmpty { text += extra + "\n" }
        return text
    }
}

/// A TOML basic string.
private func quoted(_ text: String) -> String {
    "\"" + text.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"") + "\""
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self { if character == target { result += replacement } else { result.append(character) } }
        return result
    }
}
