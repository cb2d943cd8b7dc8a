/// The message type octet of the BGP header (RFC 4271 section 4.1; RFC 2918 section 3).
public enum MessageType: UInt8, Hashable, Sendable, CustomStringConvertible {
    case open = 1
    case update = 2
    case notification = 3
    case keepalive = 4
    case routeRefresh = 5

    public var description: String {
        switch self {
        case .open: "OPEN"
        case .update: "UPDATE"
        case .notification: "NOTIFICATION"
        case .keepalive: "KEEPALIVE"
        case .routeRefresh: "ROUTE-REFRESH"
        }
    }

    /// The smallest legal message of this type, header included (RFC 4271 sections 4.2–4.5; RFC 2918).
    var minimumLength: Int {
        switch self {
        case .open: 29
        case .update: 23
        case .notification: 21
        case .keepalive, .routeRefresh: 19
        }
    }
}
