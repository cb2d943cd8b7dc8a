/// NOTIFICATION error codes (RFC 4271 section 4.5; RFC 7313; RFC 9687).
public struct NotificationCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let messageHeaderError = NotificationCode(rawValue: 1)
    public static let openMessageError = NotificationCode(rawValue: 2)
    public static let updateMessageError = NotificationCode(rawValue: 3)
    public static let holdTimerExpired = NotificationCode(rawValue: 4)
    public static let finiteStateMachineError = NotificationCode(rawValue: 5)
    public static let cease = NotificationCode(rawValue: 6)
    /// RFC 7313 section 5.
    public static let routeRefreshMessageError = NotificationCode(rawValue: 7)
    /// RFC 9687 section 4.
    public static let sendHoldTimerExpired = NotificationCode(rawValue: 8)

    public var description: String {
        switch rawValue {
        case 1: "Message Header Error"
        case 2: "OPEN Message Error"
        case 3: "UPDATE Message Error"
        case 4: "Hold Timer Expired"
        case 5: "Finite State Machine Error"
        case 6: "Cease"
        case 7: "ROUTE-REFRESH Message Error"
        case 8: "Send Hold Timer Expired"
        default: "error code \(rawValue)"
        }
    }
}

/// Message Header Error subcodes (RFC 4271 section 6.1).
public enum HeaderErrorSubcode: UInt8, Sendable {
    case connectionNotSynchronized = 1
    case badMessageLength = 2
    case badMessageType = 3
}

/// OPEN Message Error subcodes (RFC 4271 section 6.2, RFC 5492 section 5, RFC 9234).
public enum OpenErrorSubcode: UInt8, Sendable {
    case unspecific = 0
    case unsupportedVersionNumber = 1
    case badPeerAS = 2
    case badBGPIdentifier = 3
    case unsupportedOptionalParameter = 4
    case unacceptableHoldTime = 6
    case unsupportedCapability = 7
    case roleMismatch = 11
}

/// UPDATE Message Error subcodes (RFC 4271 section 6.3).
public enum UpdateErrorSubcode: UInt8, Sendable {
    case malformedAttributeList = 1
    case unrecognizedWellKnownAttribute = 2
    case missingWellKnownAttribute = 3
    case attributeFlagsError = 4
    case attributeLengthError = 5
    case invalidOriginAttribute = 6
    case invalidNextHopAttribute = 8
    case optionalAttributeError = 9
    case invalidNetworkField = 10
    case malformedASPath = 11
}

/// Finite State Machine Error subcodes (RFC 6608 section 4).
public enum FSMErrorSubcode: UInt8, Sendable {
    case unspecific = 0
    case unexpectedMessageInOpenSent = 1
    case unexpectedMessageInOpenConfirm = 2
    case unexpectedMessageInEstablished = 3
}

/// Cease subcodes (RFC 4486 section 4, RFC 8538, RFC 9384).
public enum CeaseSubcode: UInt8, Sendable {
    case maximumNumberOfPrefixesReached = 1
    case administrativeShutdown = 2
    case peerDeconfigured = 3
    case administrativeReset = 4
    case connectionRejected = 5
    case otherConfigurationChange = 6
    case connectionCollisionResolution = 7
    case outOfResources = 8
    case hardReset = 9
    case bfdDown = 10
}

/// ROUTE-REFRESH Message Error subcodes (RFC 7313 section 5).
public enum RouteRefreshErrorSubcode: UInt8, Sendable {
    case invalidMessageLength = 1
}
