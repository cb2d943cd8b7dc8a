/// The gateway's BIRD 2 configuration (as contrib/gateway/bird.conf, filled in for the lab).
///
/// From the hosts it accepts only pool blocks (`10.244.0.0/16{16,26}`); to them it sends a default
/// route (and, as route reflector, the other hosts' blocks); learned blocks go to its kernel table
/// so the client's packets are routed. `birdc -s SOCKET show route` shows its RIB.
public enum GatewayConfig {
    public static func render(_ topology: LabTopology) -> String {
        let reflector = topology.spec.peering == .gatewayReflector
        var text = """
            # routed lab \(topology.spec.name): the gateway router (BIRD 2), AS \(topology.gatewayAS)\(reflector ? ", route reflector" : "").
            log stderr all;
            router id \(LabTopology.gatewayAddress);

            define ROUTED_POOL = [ \(LabTopology.pool){16,\(LabTopology.blockLength)} ];

            protocol device { scan time 10; }
            # Connected routes, so iBGP next hops on the segment resolve.
            protocol direct { ipv4; }

            # Learned container blocks go into the kernel table: the client reaches containers directly, no NAT.
            protocol kernel {
                ipv4 { export where source = RTS_BGP; };
            }

            # The default route the hosts receive (a real gateway has it from upstream).
            protocol static default_route {
                ipv4;
                route 0.0.0.0/0 unreachable;
            }

            filter from_routed {
                if net ~ ROUTED_POOL then accept;
                reject;
            }

            filter to_routed {
                if net = 0.0.0.0/0 then accept;
            \(reflector ? "    if net ~ ROUTED_POOL then accept;\n" : "")    reject;
            }

            template bgp routed_host {
                local \(LabTopology.gatewayAddress) as \(topology.gatewayAS);
                graceful restart on;
                hold time 9;
                connect retry time 1;
            \(reflector ? "    direct;\n    rr client;\n    rr cluster id \(LabTopology.gatewayAddress);\n" : "")    ipv4 {
                    import filter from_routed;
                    export filter to_routed;
                        import limit 1000 action restart;
                };
            }

            """
        for h in topology.hosts {
            text += "protocol bgp \(h.name) from routed_host {\n    neighbor \(h.address) as \(LabTopology.hostAS);\n}\n"
        }
        return text
    }
}
