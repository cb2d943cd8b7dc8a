import IPAddressing
import Netlink
import RoutedTestKit
import Testing

/// Two fresh namespaces, "host" and "container", joined by a veth whose host end `h0` is up in
/// host and whose peer `c0` was created directly inside container. Both are deleted afterwards.
struct VethLab {
    let host: TestNamespace
    let container: TestNamespace
    let h0: Link

    static func with(_ tag: String, _ body: (VethLab) throws -> Void) throws {
        let host = try TestNamespace("\(tag)h")
        defer { host.delete() }
        let container = try TestNamespace("\(tag)c")
        defer { container.delete() }
        // Loopback up in both: until a namespace has an address, it has no local table, and the
        // kernel refuses every onlink gateway ("Nexthop has invalid gateway").
        for namespace in [host, container] {
            try namespace.netlink { nl in
                let lo = try #require(try nl.link(named: "lo"))
                try nl.perform(.setLink(LinkChange(index: lo.index, up: true)))
            }
        }
        let h0 = try host.netlink { nl in
            try nl.perform(.createVeth(VethPair(name: "h0", peerName: "c0", peerNamespace: container.handle)))
            let link = try #require(try nl.link(named: "h0"))
            try nl.perform(.setLink(LinkChange(index: link.index, up: true)))
            return link
        }
        try body(VethLab(host: host, container: container, h0: h0))
    }
}

func v4(_ text: String) -> IPAddress { .v4(IPv4Address(text)!) }
func prefix(_ text: String) -> IPPrefix { IPPrefix(text)! }
