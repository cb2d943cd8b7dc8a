/// AS_PATH / AS4_PATH (RFC 4271 section 4.3 b, section 5.1.2; RFC 5065 confederation segments).
public struct ASPath: Hashable, Sendable, CustomStringConvertible {
    /// Path segment types (RFC 4271 section 4.3; RFC 5065 section 3).
    public enum SegmentType: UInt8, Hashable, Sendable {
        case asSet = 1
        case asSequence = 2
        case confedSequence = 3
        case confedSet = 4
    }

    public struct Segment: Hashable, Sendable {
        public var type: SegmentType
        public var asns: [UInt32]
        public init(_ type: SegmentType, _ asns: [UInt32]) {
            self.type = type
            self.asns = asns
        }
    }

    public var segments: [Segment]

    public init(_ segments: [Segment] = []) { self.segments = segments }

    /// A path of one AS_SEQUENCE.
    public init(sequence: [UInt32]) { self.segments = sequence.isEmpty ? [] : [Segment(.asSequence, sequence)] }

    public static let empty = ASPath()

    /// The length used by the decision process (RFC 4271 section 9.1.2.2 a): an AS_SET counts as one,
    /// confederation segments count as zero (RFC 5065 section 5.3).
    public var pathLength: Int {
        segments.reduce(0) { total, s in
            switch s.type {
            case .asSequence: total + s.asns.count
            case .asSet: total + 1
            case .confedSequence, .confedSet: total
            }
        }
    }

    /// The neighbouring AS: the first AS of a leading AS_SEQUENCE (RFC 4271 section 9.1.2.2 c).
    public var neighborAS: UInt32? {
        guard let first = segments.first(where: { $0.type == .asSequence || $0.type == .asSet }),
              first.type == .asSequence else { return nil }
        return first.asns.first
    }

    /// The AS that originated the route: the last AS of a trailing AS_SEQUENCE.
    public var originAS: UInt32? {
        guard let last = segments.last, last.type == .asSequence else { return nil }
        return last.asns.last
    }

    /// True if `asn` appears anywhere in the path (AS loop detection, RFC 4271 section 9.1.2).
    public func contains(_ asn: UInt32) -> Bool { segments.contains { $0.asns.contains(asn) } }

    /// True if any segment is a confederation segment.
    public var hasConfederationSegments: Bool {
        segments.contains { $0.type == .confedSequence || $0.type == .confedSet }
    }

    /// The path with `asn` prepended `count` times (RFC 4271 section 5.1.2): into the leading
    /// AS_SEQUENCE, or a new one in front of a leading AS_SET.
    public func prepending(_ asn: UInt32, count: Int = 1) -> ASPath {
        guard count > 0 else { return self }
        var result = self
        if let first = result.segments.first, first.type == .asSequence {
            result.segments[0].asns.insert(contentsOf: repeatElement(asn, count: count), at: 0)
        } else {
            result.segments.insert(Segment(.asSequence, Array(repeating: asn, count: count)), at: 0)
        }
        return result
    }

    /// `64512 65000 {65001 65002} (65010)`: sets in braces, confederation segments in parentheses, as BIRD prints them.
    public var description: String {
        segments.map { s in
            let list = s.asns.map(String.init).joined(separator: " ")
            switch s.type {
            case .asSequence: return list
            case .asSet: return "{\(list)}"
            case .confedSequence: return "(\(list))"
            case .confedSet: return "[\(list)]"
            }
        }.joined(separator: " ")
    }

    /// True if some AS does not fit in two octets and so needs AS4_PATH toward an old speaker.
    public var needsFourOctets: Bool { segments.contains { $0.asns.contains { $0 > UInt32(UInt16.max) } } }

    /// The path as an old (2-octet) speaker's AS_PATH says it, reconstructed with its AS4_PATH
    /// (RFC 6793 section 4.2.3): the leading ASes of AS_PATH that AS4_PATH does not cover, then
    /// AS4_PATH. An AS4_PATH longer than AS_PATH is ignored.
    public func reconstructed(with as4Path: ASPath) -> ASPath {
        let keep = pathLength - as4Path.pathLength
        guard keep >= 0 else { return self }
        var result: [Segment] = []
        var remaining = keep
        for segment in segments where remaining > 0 {
            switch segment.type {
            case .asSequence:
                let taken = Array(segment.asns.prefix(remaining))
                result.append(Segment(.asSequence, taken))
                remaining -= taken.count
            case .asSet:
                result.append(segment)
                remaining -= 1
            case .confedSequence, .confedSet:
                result.append(segment)
            }
        }
        // Join a trailing sequence of the kept part with a leading sequence of AS4_PATH.
        var tail = as4Path.segments
        if let last = result.last, last.type == .asSequence, let first = tail.first, first.type == .asSequence {
            result[result.count - 1].asns += first.asns
            tail.removeFirst()
        }
        return ASPath(result + tail)
    }
}
