public import IPAddressing

/// The OPEN message (RFC 4271 section 4.2), with optional parameters (RFC 5492) in the regular or
/// the extended (RFC 9072) encoding.
public struct OpenMessage: Hashable, Sendable {
    public var version: UInt8
    /// The 2-octet "My Autonomous System" field: AS_TRANS (23456) when the real AS needs 4 octets.
    public var myAutonomousSystem: UInt16
    /// Proposed hold time in seconds: 0 or at least 3 (checked by the session, not the codec).
    public var holdTime: UInt16
    public var bgpIdentifier: IPv4Address
    /// The optional parameters in the order received; capabilities may be spread over several.
    public var optionalParameters: [OptionalParameter]
    /// Encode with RFC 9072 extended optional parameters length even when the parameters would fit
    /// the one-octet form (always used when they do not).
    public var extendedParameters: Bool

    /// AS_TRANS, the 2-octet placeholder for a 4-octet AS (RFC 6793 section 9).
    public static let asTrans: UInt16 = 23456

    public init(version: UInt8 = 4, myAutonomousSystem: UInt16, holdTime: UInt16, bgpIdentifier: IPv4Address,
                optionalParameters: [OptionalParameter], extendedParameters: Bool = false) {
        self.version = version
        self.myAutonomousSystem = myAutonomousSystem
        self.holdTime = holdTime
        self.bgpIdentifier = bgpIdentifier
        self.optionalParameters = optionalParameters
        self.extendedParameters = extendedParameters
    }

    /// An OPEN for `autonomousSystem`, putting AS_TRANS in the 2-octet field and always advertising
    /// the 4-octet AS capability (RFC 6793 section 3), with all capabilities in one parameter.
    public init(autonomousSystem: UInt32, holdTime: UInt16, bgpIdentifier: IPv4Address, capabilities: [Capability]) {
        var caps = capabilities.filter { if case .fourOctetAS = $0 { false } else { true } }
        caps.append(.fourOctetAS(autonomousSystem))
        self.init(myAutonomousSystem: autonomousSystem <= UInt16.max ? UInt16(autonomousSystem) : Self.asTrans,
                  holdTime: holdTime, bgpIdentifier: bgpIdentifier, optionalParameters: [.capabilities(caps)])
    }

    /// Every capability, across all Capabilities parameters, in order.
    public var capabilities: [Capability] {
        optionalParameters.flatMap { parameter -> [Capability] in
            switch parameter { case .capabilities(let c): c }
        }
    }

    /// The sender's AS: the 4-octet AS capability when present, else the 2-octet field (RFC 6793 section 4.1).
    public var autonomousSystem: UInt32 {
        for case .fourOctetAS(let asn) in capabilities { return asn }
        return UInt32(myAutonomousSystem)
    }
}

/// An OPEN optional parameter (RFC 4271 section 4.2). Only Capabilities (type 2, RFC 5492) is defined
/// today; another type is refused by the decoder with Unsupported Optional Parameter.
public enum OptionalParameter: Hashable, Sendable {
    case capabilities([Capability])
}
