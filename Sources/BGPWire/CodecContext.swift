/// What the two speakers negotiated in their OPENs, as far as the codec cares (RFC 5492).
///
/// The session layer builds one after OPEN exchange; before it, `CodecContext.beforeOpen` applies.
public struct CodecContext: Hashable, Sendable {
    /// Both sides sent the 4-octet AS capability: AS_PATH and AGGREGATOR carry 4-octet ASNs (RFC 6793 section 4).
    public var fourOctetAS: Bool
    /// Both sides sent the Extended Message capability: messages other than OPEN and KEEPALIVE may be
    /// up to 65535 octets (RFC 8654 section 4).
    public var extendedMessage: Bool
    /// The peer is in another AS: LOCAL_PREF, ORIGINATOR_ID and CLUSTER_LIST problems are discarded
    /// and confederation segments are malformed (RFC 7606 sections 7.2, 7.5, 7.9, 7.10).
    public var externalPeer: Bool
    /// Families whose NLRI carry a 4-octet Path Identifier before each prefix (RFC 7911 section 3),
    /// because ADD-PATH was negotiated for them in this direction.
    public var addPath: Set<AddressFamily>

    public init(fourOctetAS: Bool = true, extendedMessage: Bool = false, externalPeer: Bool = false,
                addPath: Set<AddressFamily> = []) {
        self.fourOctetAS = fourOctetAS
        self.extendedMessage = extendedMessage
        self.externalPeer = externalPeer
        self.addPath = addPath
    }

    /// Before OPENs are exchanged nothing is negotiated.
    public static let beforeOpen = CodecContext(fourOctetAS: false)

    /// The largest message the peer may send us (RFC 4271 section 4.1; RFC 8654).
    public var maxMessageLength: Int { extendedMessage ? BGPHeader.extendedMaxLength : BGPHeader.maxLength }
}
