public import BGPWire
public import IPAddressing

/// What the FSM needs to know about one peering (the `--peer ADDR,as=N,...` of the CLI).
public struct PeerConfiguration: Hashable, Sendable {
    public var localAS: UInt32
    public var peerAS: UInt32
    public var localIdentifier: IPv4Address
    /// Proposed hold time in seconds (RFC 4271 section 4.2): 0 (no keepalives) or at least 3. Default 90.
    public var holdTime: UInt16
    /// Keepalive interval; nil means a third of the negotiated hold time (RFC 4271 section 10).
    public var keepaliveTime: UInt16?
    /// ConnectRetryTime in seconds (RFC 4271 section 10 suggests 120).
    public var connectRetryTime: UInt16
    /// Restart automatically after an error, with an IdleHoldTimer that doubles per consecutive failure
    /// from `idleHoldTime` up to `maxIdleHoldTime` (RFC 4271 section 8.1.1, DampPeerOscillations).
    public var automaticRestart: Bool
    public var idleHoldTime: UInt16
    public var maxIdleHoldTime: UInt16
    /// SendHoldTimer (RFC 9687); nil for the default max(8 minutes, 2 × hold time); 0 disables it.
    public var sendHoldTime: UInt32?
    /// Address families to negotiate (RFC 4760).
    public var families: [AddressFamily]
    /// Graceful restart to advertise (RFC 4724); nil to not advertise it.
    public var gracefulRestart: GracefulRestartCapability?
    public var extendedMessage: Bool
    /// After a maximum-prefix Cease, wait this long before connecting again (seconds).
    public var prefixLimitRestart: UInt16 = 60
    /// Capability codes the peer must advertise, or the session is refused with Unsupported Capability.
    public var requiredCapabilities: Set<UInt8>

    public init(localAS: UInt32, peerAS: UInt32, localIdentifier: IPv4Address, holdTime: UInt16 = 90,
                keepaliveTime: UInt16? = nil, connectRetryTime: UInt16 = 120, automaticRestart: Bool = true,
                idleHoldTime: UInt16 = 5, maxIdleHoldTime: UInt16 = 300, sendHoldTime: UInt32? = nil,
                families: [AddressFamily] = [.ipv4Unicast, .ipv6Unicast], gracefulRestart: GracefulRestartCapability? = nil,
                extendedMessage: Bool = true, requiredCapabilities: Set<UInt8> = []) {
        self.localAS = localAS
        self.peerAS = peerAS
        self.localIdentifier = localIdentifier
        self.holdTime = holdTime
        self.keepaliveTime = keepaliveTime
        self.connectRetryTime = connectRetryTime
        self.automaticRestart = automaticRestart
        self.idleHoldTime = idleHoldTime
        self.maxIdleHoldTime = maxIdleHoldTime
        self.sendHoldTime = sendHoldTime
        self.families = families
        self.gracefulRestart = gracefulRestart
        self.extendedMessage = extendedMessage
        self.requiredCapabilities = requiredCapabilities
    }

    public var isExternal: Bool { localAS != peerAS }

    /// Our OPEN (RFC 4271 section 4.2; capabilities per RFC 5492).
    public var openMessage: OpenMessage {
        var caps: [Capability] = families.map { .multiprotocol($0) }
        caps += [.routeRefresh, .enhancedRouteRefresh]
        if extendedMessage { caps.append(.extendedMessage) }
        if let gracefulRestart { caps.append(.gracefulRestart(gracefulRestart)) }
        return OpenMessage(autonomousSystem: localAS, holdTime: holdTime, bgpIdentifier: localIdentifier, capabilities: caps)
    }
}
