/// How a receiver must react to an error, strongest last (RFC 7606 section 2).
public enum ErrorAction: Int, Comparable, Hashable, Sendable, CustomStringConvertible {
    /// Drop the offending attribute and process the UPDATE without it.
    case attributeDiscard = 1
    /// Process the UPDATE as if it withdrew every prefix it carries.
    case treatAsWithdraw = 2
    /// Send a NOTIFICATION with the error's code, subcode and data, and close the session.
    case sessionReset = 3

    public static func < (lhs: ErrorAction, rhs: ErrorAction) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .attributeDiscard: "attribute-discard"
        case .treatAsWithdraw: "treat-as-withdraw"
        case .sessionReset: "session-reset"
        }
    }
}

/// A decode failure: the NOTIFICATION that RFC 4271 section 6 prescribes, and the RFC 7606 action.
///
/// The session layer acts on it without re-parsing: for `.sessionReset` it sends `notification`
/// and closes; the other actions arrive attached to a decoded UPDATE (`UpdateMessage.errors`).
public struct BGPError: Error, Hashable, Sendable, CustomStringConvertible {
    public var code: NotificationCode
    public var subcode: UInt8
    /// The NOTIFICATION data field (for attribute errors: the erroneous attribute, type, length and value).
    public var data: [UInt8]
    public var action: ErrorAction
    /// What was wrong, for logs and operators.
    public var reason: String
    /// The path attribute at fault, for UPDATE errors that concern one.
    public var attributeType: AttributeType?

    public init(code: NotificationCode, subcode: UInt8, data: [UInt8] = [], action: ErrorAction = .sessionReset,
                reason: String, attributeType: AttributeType? = nil) {
        self.code = code
        self.subcode = subcode
        self.data = data
        self.action = action
        self.reason = reason
        self.attributeType = attributeType
    }

    /// The NOTIFICATION to send when `action` is `.sessionReset`.
    public var notification: NotificationMessage {
        NotificationMessage(code: code, subcode: subcode, data: data)
    }

    public var description: String {
        "\(code) subcode \(subcode) (\(action)): \(reason)"
    }

    static func header(_ subcode: HeaderErrorSubcode, data: [UInt8] = [], _ reason: String) -> BGPError {
        BGPError(code: .messageHeaderError, subcode: subcode.rawValue, data: data, reason: reason)
    }

    static func open(_ subcode: OpenErrorSubcode, data: [UInt8] = [], _ reason: String) -> BGPError {
        BGPError(code: .openMessageError, subcode: subcode.rawValue, data: data, reason: reason)
    }

    static func update(_ subcode: UpdateErrorSubcode, data: [UInt8] = [], action: ErrorAction = .sessionReset,
                       attribute: AttributeType? = nil, _ reason: String) -> BGPError {
        BGPError(code: .updateMessageError, subcode: subcode.rawValue, data: data, action: action, reason: reason,
                 attributeType: attribute)
    }
}
