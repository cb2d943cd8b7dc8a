public import IPAddressing

/// The UPDATE message (RFC 4271 section 4.3): IPv4 withdrawals, path attributes, IPv4 NLRI; other
/// families travel in MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760).
public struct UpdateMessage: Hashable, Sendable {
    public var withdrawnRoutes: [IPv4Prefix]
    public var attributes: PathAttributes
    public var nlri: [IPv4Prefix]
    /// Path Identifiers, one per prefix, when ADD-PATH is in use for IPv4 unicast (RFC 7911); else empty.
    public var withdrawnPathIDs: [UInt32] = []
    public var nlriPathIDs: [UInt32] = []
    /// Problems RFC 7606 handles without a reset, in the order met while decoding (attribute
    /// discard and treat-as-withdraw). Empty for a clean message; never encoded.
    public var errors: [BGPError]

    public init(withdrawnRoutes: [IPv4Prefix] = [], attributes: PathAttributes = PathAttributes(),
                nlri: [IPv4Prefix] = [], errors: [BGPError] = []) {
        self.withdrawnRoutes = withdrawnRoutes
        self.attributes = attributes
        self.nlri = nlri
        self.errors = errors
    }

    /// The End-of-RIB marker of a family (RFC 4724 section 2): an empty UPDATE for IPv4 unicast,
    /// an UPDATE holding only an empty MP_UNREACH_NLRI for the others.
    public static func endOfRIB(_ family: AddressFamily) -> UpdateMessage {
        if family == .ipv4Unicast { return UpdateMessage() }
        let empty: NLRI = family.afi == .ipv4 ? .ipv4([]) : family.afi == .ipv6 ? .ipv6([]) : .opaque([])
        return UpdateMessage(attributes: PathAttributes([PathAttribute(.mpUnreachNLRI(MPUnreachNLRI(family: family, withdrawn: empty)))]))
    }

    /// The family this message is the End-of-RIB marker of, if it is one.
    public var endOfRIB: AddressFamily? {
        guard withdrawnRoutes.isEmpty, nlri.isEmpty else { return nil }
        if attributes.isEmpty { return .ipv4Unicast }
        guard attributes.list.count == 1, let unreach = attributes.mpUnreachNLRI, unreach.withdrawn.isEmpty else { return nil }
        return unreach.family
    }

    /// The strongest RFC 7606 action among `errors`, if any.
    public var errorAction: ErrorAction? { errors.map(\.action).max() }

    /// True when RFC 7606 says to handle this UPDATE as a withdrawal of everything it carries.
    public var isTreatAsWithdraw: Bool { errorAction == .treatAsWithdraw }

    /// Every prefix this UPDATE announces (NLRI field, then MP_REACH_NLRI); none under treat-as-withdraw.
    public var announcedPrefixes: [IPPrefix] {
        isTreatAsWithdraw ? [] : reachable
    }

    /// Every prefix this UPDATE withdraws: the Withdrawn Routes field and MP_UNREACH_NLRI, plus, under
    /// treat-as-withdraw, everything it would have announced (RFC 7606 section 2).
    public var withdrawnPrefixes: [IPPrefix] {
        var out = withdrawnRoutes.map(IPPrefix.v4)
        if let unreach = attributes.mpUnreachNLRI { out += unreach.withdrawn.prefixes }
        if isTreatAsWithdraw { out += reachable }
        return out
    }

    private var reachable: [IPPrefix] {
        var out = nlri.map(IPPrefix.v4)
        if let reach = attributes.mpReachNLRI { out += reach.nlri.prefixes }
        return out
    }
}
