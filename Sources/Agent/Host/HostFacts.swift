public import IPAddressing
import Netlink

/// What `routed start` reads from the host (never writes) to fill in defaults: the uplink
/// (`ip route show default` → its `dev`) and the router id (`ip -4 addr show dev UPLINK` → the
/// first global address).
public enum HostFacts {
    /// The uplink and its first IPv4 address: `uplink` if given, else the default route's device.
    public static func uplink(named uplink: String?) throws(ConfigurationError) -> (name: String, ipv4: IPv4Address?, mtu: UInt32) {
        do {
            let nl = try NetlinkSocket()
            let links = try nl.links()
            let link: Link
            if let uplink {
                guard let l = links.first(where: { $0.name == uplink }) else {
                    throw ConfigurationError(option: "--uplink", problem: "there is no interface '\(uplink)' here",
                                             fix: "give one that `ip link` lists")
                }
                link = l
            } else {
                let defaults = try nl.routes(.ipv4()).filter { $0.destination.length == 0 }
                guard let index = defaults.compactMap({ $0.interfaceIndex ?? $0.nextHops.first?.interfaceIndex }).first,
                      let l = links.first(where: { $0.index == index }) else {
                    throw ConfigurationError(option: "--router-id", problem: "there is no default route to find the uplink from",
                                             fix: "give --router-id A.B.C.D (and --uplink IFACE)")
                }
                link = l
            }
            let v4 = try nl.addresses(family: 2).filter { $0.interfaceIndex == link.index && $0.scope == .universe }
                .compactMap { if case .v4(let a) = $0.address { a } else { nil } }.first
            return (link.name, v4, link.mtu)
        } catch let e as ConfigurationError {
            throw e
        } catch {
            throw ConfigurationError(option: "--uplink", problem: "cannot read the interfaces: \(error)",
                                     fix: "run as root, or give --router-id and --uplink")
        }
    }
}
