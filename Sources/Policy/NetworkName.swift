/// The name of a network (`lamp`, `lnmp`), as users type it in `routed network create NAME`.
///
/// Rules (checked by `init(validating:)`), chosen so a name is safe everywhere it travels —
/// nft comments and log prefixes, BIRD filters, the datastore, file and interface-like contexts:
/// - 1 to 32 characters;
/// - lower-case ASCII letters, digits, `-` and `_` only;
/// - starts with a letter and does not end with `-` or `_`;
/// - not a reserved word: the pseudo-networks `world` and `host` (which policies may name but
///   nobody may create), and `block`, `gw`, `fwd` (keywords of nft or BIRD), `any`, `all`,
///   `none`, `default` (words the CLI and the route policies use).
public struct NetworkName: RawRepresentable, Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String

    /// Words no created network may be called.
    public static let reservedWords: Set<String> = ["world", "host", "block", "gw", "fwd", "any", "all", "none", "default"]
    public static let maxLength = 32

    /// The pseudo-network of addresses outside every network's membership.
    public static let world = NetworkName(unchecked: "world")
    /// The pseudo-network of the hosts themselves (traffic to or from this host's own stack).
    public static let host = NetworkName(unchecked: "host")

    init(unchecked: String) { rawValue = unchecked }

    /// Accepts any name `init(validating:)` accepts, plus the pseudo-networks `world` and `host`:
    /// this is how a policy's endpoints are read back (for example from the datastore).
    public init?(rawValue: String) {
        if rawValue == "world" || rawValue == "host" { self.rawValue = rawValue; return }
        guard (try? NetworkName(validating: rawValue)) != nil else { return nil }
        self.rawValue = rawValue
    }

    /// Checks `text` against the naming rules above; the error says which rule failed.
    public init(validating text: String) throws(PolicyError) {
        guard !text.isEmpty, text.utf8.count <= Self.maxLength else {
            throw .invalidNetworkName(text, reason: "a network name has 1 to \(Self.maxLength) characters")
        }
        for c in text.unicodeScalars {
            let ok = ("a"..."z").contains(c) || ("0"..."9").contains(c) || c == "-" || c == "_"
            guard ok else {
                throw .invalidNetworkName(text, reason: "only lower-case letters a-z, digits, '-' and '_' are allowed, not '\(c)'")
            }
        }
        guard let first = text.unicodeScalars.first, ("a"..."z").contains(first) else {
            throw .invalidNetworkName(text, reason: "a network name starts with a letter a-z")
        }
        guard let last = text.last, last != "-", last != "_" else {
            throw .invalidNetworkName(text, reason: "a network name does not end with '-' or '_'")
        }
        guard !Self.reservedWords.contains(text) else {
            throw .invalidNetworkName(text, reason: "'\(text)' is reserved (reserved words: \(Self.reservedWords.sorted().joined(separator: ", ")))")
        }
        rawValue = text
    }

    /// `world` or `host`.
    public var isPseudo: Bool { self == .world || self == .host }
    public var description: String { rawValue }
    public static func < (lhs: NetworkName, rhs: NetworkName) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let name = NetworkName(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid network name '\(text)'"))
        }
        self = name
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}
