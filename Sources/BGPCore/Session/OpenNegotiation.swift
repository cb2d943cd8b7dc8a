public import BGPWire
public import IPAddressing

/// What both OPENs agreed on (RFC 4271 section 4.2, RFC 5492): the intersection, kept per session.
public struct NegotiatedSession: Hashable, Sendable {
    public var peerAS: UInt32
    public var peerIdentifier: IPv4Address
    /// The smaller of the two proposed hold times, in seconds; 0 means no HoldTimer and no keepalives.
    public var holdTime: UInt16
    public var keepaliveTime: UInt16
    public var families: Set<AddressFamily>
    public var routeRefresh: Bool
    public var enhancedRouteRefresh: Bool
    /// The peer's graceful restart capability, if it sent one (RFC 4724).
    public var peerGracefulRestart: GracefulRestartCapability?
    /// How to decode and encode messages on this session.
    public var codec: CodecContext
    /// The peer's capabilities as received, for `routed status`.
    public var peerCapabilities: [Capability]
}

/// Checks a received OPEN against the configuration and negotiates the session (RFC 4271 section 6.2).
public enum OpenNegotiation {
    public static func negotiate(local: PeerConfiguration, received open: OpenMessage) -> Result<NegotiatedSession, BGPError> {
        func refuse(_ subcode: OpenErrorSubcode, data: [UInt8] = [], _ reason: String) -> Result<NegotiatedSession, BGPError> {
            .failure(BGPError(code: .openMessageError, subcode: subcode.rawValue, data: data, reason: reason))
        }
        let caps = open.capabilities
        // RFC 6793 section 4.1: the 4-octet AS capability carries the real AS.
        if open.autonomousSystem != local.peerAS {
            return refuse(.badPeerAS, "peer says AS \(open.autonomousSystem), configured AS is \(local.peerAS)")
        }
        // RFC 6286 section 2.2: non-zero; within one AS, different from ours.
        if open.bgpIdentifier.value == 0 {
            return refuse(.badBGPIdentifier, "BGP identifier 0.0.0.0 is not allowed")
        }
        if !local.isExternal, open.bgpIdentifier == local.localIdentifier {
            return refuse(.badBGPIdentifier, "internal peer uses our own BGP identifier \(open.bgpIdentifier)")
        }
        // RFC 4271 section 6.2: a hold time of 1 or 2 seconds is unacceptable.
        if open.holdTime == 1 || open.holdTime == 2 {
            return refuse(.unacceptableHoldTime, "hold time \(open.holdTime) s; it must be 0 or at least 3")
        }
        let codes = Set(caps.map(\.code))
        if let missing = local.requiredCapabilities.subtracting(codes).min() {
            // RFC 5492 section 5: data lists the capability we need.
            return refuse(.unsupportedCapability, data: [missing, 0], "peer does not advertise required capability \(missing)")
        }
        let hold = min(local.holdTime, open.holdTime)
        let keepalive = hold == 0 ? 0 : min(local.keepaliveTime ?? hold / 3, hold / 3)
        // RFC 4760 section 8: a peer that advertises no multiprotocol capability speaks IPv4 unicast.
        var theirs = Set(caps.compactMap { if case .multiprotocol(let f) = $0 { f } else { nil } })
        if theirs.isEmpty { theirs = [.ipv4Unicast] }
        let families = Set(local.families).intersection(theirs)
        let fourOctet = caps.contains { if case .fourOctetAS = $0 { true } else { false } }
        let extended = local.extendedMessage && codes.contains(6)
        var gr: GracefulRestartCapability?
        for case .gracefulRestart(let g) in caps { gr = g }
        let codec = CodecContext(fourOctetAS: fourOctet, extendedMessage: extended, externalPeer: local.isExternal)
        return .success(NegotiatedSession(
            peerAS: open.autonomousSystem, peerIdentifier: open.bgpIdentifier, holdTime: hold, keepaliveTime: max(keepalive, hold == 0 ? 0 : 1),
            families: families, routeRefresh: codes.contains(2) || codes.contains(128), enhancedRouteRefresh: codes.contains(70),
            peerGracefulRestart: gr, codec: codec, peerCapabilities: caps))
    }
}
