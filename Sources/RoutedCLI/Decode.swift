import ArgumentParser
import Foundation
import BGPWire
import IPAddressing

/// `routed decode FILE...`: prints the BGP messages in files of raw bytes (one or more whole
/// messages, as captured) or hex text (`--hex`), the way the agent's codec reads them.
struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode BGP messages from files (raw bytes, or hex with --hex) and print them.")

    @Argument(help: "Files holding whole BGP messages, header included.")
    var files: [String]

    @Flag(help: "The files hold hex text (whitespace ignored) instead of raw bytes.")
    var hex = false

    @Flag(name: .customLong("as2"), help: "Decode as a session without 4-octet AS numbers (RFC 6793).")
    var twoOctetAS = false

    @Flag(help: "Decode as a session with an external peer (RFC 7606 discards apply).")
    var ebgp = false

    @Flag(help: "Allow messages up to 65535 octets (RFC 8654 extended messages).")
    var extendedMessage = false

    func run() throws {
        let context = CodecContext(fourOctetAS: !twoOctetAS, extendedMessage: extendedMessage, externalPeer: ebgp)
        var failed = false
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ValidationError("cannot read \(file): no such file or no permission")
            }
            let bytes = try hex ? Self.parseHex(data, file: file) : [UInt8](data)
            var framer = BGPFramer(maxMessageLength: context.maxMessageLength)
            framer.append(bytes)
            do {
                while let raw = try framer.next() {
                    do {
                        print("\(file): \(MessageSummary(try BGPMessage.decode(raw, context: context)))")
                    } catch {
                        print("\(file): \(error) -> would send NOTIFICATION \(error.notification)")
                        failed = true
                    }
                }
                if framer.bufferedBytes > 0 { print("\(file): \(framer.bufferedBytes) trailing octets do not make a whole message") }
            } catch {
                print("\(file): \(error)")
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }

    static func parseHex(_ data: Data, file: String) throws -> [UInt8] {
        let digits = String(decoding: data, as: UTF8.self).filter { !$0.isWhitespace }
        guard digits.count % 2 == 0 else { throw ValidationError("\(file): odd number of hex digits") }
        var out: [UInt8] = []
        var i = digits.startIndex
        while i < digits.endIndex {
            let j = digits.index(i, offsetBy: 2)
            guard let b = UInt8(digits[i..<j], radix: 16) else { throw ValidationError("\(file): '\(digits[i..<j])' is not hex") }
            out.append(b)
            i = j
        }
        return out
    }
}

/// One line per message, in the vocabulary of `birdc show route all`.
struct MessageSummary: CustomStringConvertible {
    var message: BGPMessage
    init(_ message: BGPMessage) { self.message = message }

    var description: String {
        switch message {
        case .keepalive: return "KEEPALIVE"
        case .notification(let n): return "NOTIFICATION \(n)"
        case .routeRefresh(let r): return "ROUTE-REFRESH \(r.family) subtype \(r.subtype.rawValue)"
        case .open(let o):
            return "OPEN AS \(o.autonomousSystem) hold \(o.holdTime) id \(o.bgpIdentifier) capabilities "
                + o.capabilities.map(Self.capability).joined(separator: ", ")
        case .update(let u):
            if let family = u.endOfRIB { return "UPDATE End-of-RIB \(family)" }
            var parts = ["UPDATE"]
            let a = u.attributes
            if let o = a.origin { parts.append("origin \(o)") }
            if let p = a.asPath { parts.append("as-path [\(p)]") }
            if let nh = a.nextHop { parts.append("next-hop \(nh)") }
            if let reach = a.mpReachNLRI { parts.append("mp-next-hop \(reach.nextHop)") }
            if let m = a.multiExitDisc { parts.append("med \(m)") }
            if let l = a.localPref { parts.append("local-pref \(l)") }
            if !a.communities.isEmpty { parts.append("communities \(a.communities.map(\.description).joined(separator: " "))") }
            if !a.extendedCommunities.isEmpty { parts.append("ext-communities \(a.extendedCommunities.map(\.description).joined(separator: " "))") }
            if !a.largeCommunities.isEmpty { parts.append("large-communities \(a.largeCommunities.map(\.description).joined(separator: " "))") }
            if let o = a.originatorID { parts.append("originator \(o)") }
            if !a.clusterList.isEmpty { parts.append("cluster-list \(a.clusterList.map { IPv4Address($0).description }.joined(separator: " "))") }
            let announced = u.announcedPrefixes, withdrawn = u.withdrawnPrefixes
            if !announced.isEmpty { parts.append("announce \(announced.count): \(Self.list(announced))") }
            if !withdrawn.isEmpty { parts.append("withdraw \(withdrawn.count): \(Self.list(withdrawn))") }
            for e in u.errors { parts.append("[\(e.action): \(e.reason)]") }
            return parts.joined(separator: " ")
        }
    }

    static func list(_ prefixes: [IPPrefix]) -> String {
        prefixes.prefix(8).map(\.description).joined(separator: " ") + (prefixes.count > 8 ? " ..." : "")
    }

    static func capability(_ c: Capability) -> String {
        switch c {
        case .multiprotocol(let f): "mp \(f)"
        case .routeRefresh: "route-refresh"
        case .enhancedRouteRefresh: "enhanced-route-refresh"
        case .extendedMessage: "extended-message"
        case .extendedNextHop(let t): "extended-next-hop \(t.map { "\($0.nlriFamily)/\($0.nextHopAFI)" }.joined(separator: " "))"
        case .gracefulRestart(let g): "graceful-restart \(g.restartTime)s\(g.restartState ? " R" : "")\(g.notification ? " N" : "") \(g.families.map { "\($0.family)\($0.forwardingPreserved ? "+F" : "")" }.joined(separator: " "))"
        case .fourOctetAS(let a): "4-octet-as \(a)"
        case .addPath(let t): "add-path \(t.map { "\($0.family)/\($0.direction.rawValue)" }.joined(separator: " "))"
        case .fqdn(let h, let d): "fqdn \(h)\(d.isEmpty ? "" : ".\(d)")"
        case .unknown(let code, let v): "capability-\(code) 0x\(v.hexString)"
        }
    }
}
