import Policy
import IPAddressing

/// Test helpers: build books from CLI-like lines.
extension PolicyBook {
    /// `networks`: names to create; `lines`: "deny lamp lnmp --proto tcp --port 80 --one-way".
    static func make(networks: [String] = ["lamp", "lnmp", "web"], _ lines: [String], default d: PolicyAction = .allow) throws -> PolicyBook {
        var b = PolicyBook()
        for n in networks { try b.createNetwork(n) }
        for line in lines { try b.add(b.parse(line)) }
        b.defaultAction = d
        return b
    }

    func parse(_ line: String) throws -> PolicyRule {
        var words = line.split(separator: " ").map(String.init)
        let action = PolicyAction(rawValue: words.removeFirst())!
        let from = words.removeFirst(), to = words.removeFirst()
        var proto: String?, port: String?, oneWay = false, log = false
        while !words.isEmpty {
            switch words.removeFirst() {
            case "--proto": proto = words.removeFirst()
            case "--port": port = words.removeFirst()
            case "--one-way": oneWay = true
            case "--log": log = true
            case let w: fatalError("unknown word \(w)")
            }
        }
        return try rule(action, from: from, to: to, proto: proto, port: port, oneWay: oneWay, log: log)
    }

    func nid(_ name: String) -> NetworkID { try! id(of: NetworkName(rawValue: name)!) }
}

extension Ruleset {
    /// What the kernel would do with the first packet of a connection, in words:
    /// "accept" (same network / pseudo), "allow #N", "deny #N", or "default allow|deny".
    func decide(_ book: PolicyBook, _ src: String, _ dst: String, _ proto: IPProtocolNumber, _ port: UInt16? = nil) -> String {
        switch verdict(src: book.nid(src), dst: book.nid(dst), proto: proto, port: port) {
        case nil: "default \(defaultAction.rawValue)"
        case .accept: "accept"
        case .policy(let id): "\(policyChains[id]!.action.rawValue) #\(id)"
        }
    }
}
