import Testing
import Foundation
import InteropLab

/// Two namespaces joined by a veth: `r` runs routed, `p` runs the peer daemon.
///
///     r: r0 192.0.2.1/30 2001:db8:12::1/64  <—veth—>  p: p0 192.0.2.2/30 2001:db8:12::2/64
struct PeerLink {
    let lab: NamespaceLab
    let routedNS: String
    let peerNS: String
    static let routedV4 = "192.0.2.1", peerV4 = "192.0.2.2"
    static let routedV6 = "2001:db8:12::1", peerV6 = "2001:db8:12::2"

    init(_ name: String) throws {
        lab = try NamespaceLab(name: name)
        routedNS = try lab.addNamespace("r")
        peerNS = try lab.addNamespace("p")
        try lab.link(routedNS, "r0", peerNS, "p0", addresses: (a: ["192.0.2.1/30", "2001:db8:12::1/64"],
                                                              b: ["192.0.2.2/30", "2001:db8:12::2/64"]))
    }
}

/// Interop tests need root, `ip netns` and the daemons from Debian's packages (make installs them).
let interopAvailable = NamespaceLab.isAvailable
    && FileManager.default.isExecutableFile(atPath: RoutedSpeakerProcess.executable)
let interopSkipReason: Comment = "needs root, ip netns, bird2, gobgpd and frr (make test installs them)"
