import ArgumentParser
import BGPSpeaker
import IPAddressing
import Policy

/// Checks of command-line values made before anything is sent to the agent; each failure is a
/// `ValidationError` saying what was wrong and what to write instead.
enum ArgumentChecks {
    /// A network name as `routed network create` accepts it (`world` and `host` only where allowed).
    static func network(_ text: String, pseudoAllowed: Bool) throws(ValidationError) {
        if text == "world" || text == "host" {
            if pseudoAllowed { return }
            throw ValidationError("'\(text)' is a pseudo-network: it always exists and cannot be created, deleted or given endpoints")
        }
        do { _ = try NetworkName(validating: text) } catch { throw ValidationError(error.description) }
    }

    /// An endpoint name: what a container runtime uses as an id (1 to 128 of `A-Z a-z 0-9 . _ -`).
    static func endpoint(_ text: String) throws(ValidationError) {
        guard !text.isEmpty, text.utf8.count <= 128 else {
            throw ValidationError("invalid endpoint name '\(text)': an endpoint name has 1 to 128 characters")
        }
        if let bad = text.unicodeScalars.first(where: { !($0.isASCII && (Self.isAlphanumeric($0) || "._-".unicodeScalars.contains($0))) }) {
            throw ValidationError("invalid endpoint name '\(text)': only letters, digits, '.', '_' and '-' are allowed, not '\(bad)'")
        }
    }

    /// A prefix in CIDR notation, IPv4 or IPv6 (`10.244.0.0/26`, `fd00::/64`).
    static func prefix(_ text: String, option: String) throws(ValidationError) {
        guard IPPrefix(text) != nil else {
            throw ValidationError("\(option) \(text): not a prefix in CIDR notation; write ADDRESS/LENGTH such as 10.244.0.0/26 or fd00::/64")
        }
    }

    /// A unicast address for `--ip`.
    static func address(_ text: String, option: String) throws(ValidationError) {
        guard IPAddress(text) != nil else {
            throw ValidationError("\(option) \(text): not an IPv4 or IPv6 address; write one such as 10.244.0.7")
        }
    }

    /// A Linux interface name for `--ifname`: 1 to 15 bytes, no '/', ':' or whitespace (IFNAMSIZ).
    static func interfaceName(_ text: String) throws(ValidationError) {
        guard !text.isEmpty, text.utf8.count <= 15 else {
            throw ValidationError("--ifname \(text): an interface name has 1 to 15 characters (IFNAMSIZ)")
        }
        guard text != ".", text != "..",
              !text.unicodeScalars.contains(where: { $0 == "/" || $0 == ":" || $0.properties.isWhitespace || !$0.isASCII }) else {
            throw ValidationError("--ifname \(text): an interface name has no '/', ':', spaces or non-ASCII characters")
        }
    }

    /// `--proto` and `--port` together: the port range parses, and ports come with tcp or udp.
    static func ports(_ port: String?, proto: ProtoArgument?) throws(ValidationError) {
        guard let port else { return }
        let range: PortRange
        do { range = try PortRange(parsing: port) } catch { throw ValidationError("--port: " + error.description) }
        guard let proto, proto.l4.hasPorts else {
            throw ValidationError(PolicyError.portWithoutProtocol(range, proto: proto?.l4).description)
        }
    }

    /// A peer as `--peer` spells it. The transport part is checked by `PeerSpec`; the agent-level
    /// options (`rr-client`, `import=POLICY`, `export=POLICY`) here, the policy names by the agent.
    static func peerSpec(_ text: String) throws(ValidationError) {
        var transport: [Substring] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            if part == "rr-client" { continue }
            if part.hasPrefix("import=") || part.hasPrefix("export=") {
                let name = part.drop(while: { $0 != "=" }).dropFirst()
                guard !name.isEmpty, name.unicodeScalars.allSatisfy({ isAlphanumeric($0) || $0 == "-" || $0 == "_" }) else {
                    throw ValidationError("peer \(text): '\(part)' needs a route policy name (built-ins: all, none, default-route, pool, blocks, aggregates)")
                }
                continue
            }
            transport.append(part)
        }
        do { _ = try PeerSpec(parsing: transport.joined(separator: ",")) } catch {
            throw ValidationError("peer \(text): \(error.problem)")
        }
    }

    private static func isAlphanumeric(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
    }
}

/// `--proto tcp|udp|icmp` (completion lists the three).
enum ProtoArgument: String, ExpressibleByArgument, CaseIterable, Sendable {
    case tcp, udp, icmp
    var l4: L4Protocol { L4Protocol(rawValue: rawValue)! }
}
