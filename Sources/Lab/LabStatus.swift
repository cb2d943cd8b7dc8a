import Foundation

/// What `routed lab up` prints at the end and `routed lab status` prints: the topology with its
/// addresses, how to reach each host, each agent's BGP peers (through its socket) and the workloads.
extension Lab {
    /// The workloads' addresses, as their agents report them (`routed endpoint list -o json`).
    public func workloadAddresses() -> [String: String] {
        var out: [String: String] = [:]
        for i in 1...topology.hosts.count {
            guard let json = try? routedCommand(["endpoint", "list", "-o", "json"], host: i),
                  let list = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] else { continue }
            for e in list {
                if let name = e["name"] as? String, let a = (e["addresses"] as? [String])?.first { out[name] = a }
            }
        }
        return out
    }

    /// How to reach each part of the lab.
    public func reachText() -> String {
        let t = topology
        var s = "lab \(t.spec.name) is up (state in \(t.stateFile)). Reach it with:\n"
        for h in t.hosts {
            s += "  \(h.name): ip netns exec \(h.namespace) bash    routed status --socket \(h.socket)\n"
        }
        s += "  gateway: ip netns exec \(t.gatewayNamespace) birdc -s \(t.birdSocket) show route\n"
        s += "  client:  ip netns exec \(t.clientNamespace) ping CONTAINER-ADDRESS\n"
        for w in t.workloads { s += "  \(w.name): ip netns exec \(w.namespace) ip addr show eth0\n" }
        s += "Remove it with: routed lab down --name \(t.spec.name)" + (t.directory == LabSpec.defaultDirectory(name: t.spec.name) ? "" : " --dir \(t.directory)") + "\n"
        return s
    }

    /// The whole picture: topology, agents and their peers, workloads.
    public func statusText() -> String {
        let t = topology
        var s = "lab \(t.spec.name): \(t.hosts.count) hosts on \(LabTopology.segment) (bridge \(LabTopology.bridge) in \(t.switchNamespace)), pool \(LabTopology.pool)\n"
        let bird = (try? ledger.process("bird")).map { Shell.isRunning(pid: $0.pid, startTime: $0.startTime) } ?? false
        s += "gateway  \(t.gatewayNamespace)  \(LabTopology.gatewayAddress), \(LabTopology.clientLinkGateway)  BIRD AS \(t.gatewayAS)\(t.spec.peering == .gatewayReflector ? " (route reflector)" : "")  \(bird ? "running" : "NOT RUNNING")\n"
        s += "client   \(t.clientNamespace)  \(LabTopology.clientAddress) via \(LabTopology.clientLinkGateway)\n"
        if let db = t.datastoreNamespace { s += "etcd     \(db)  \(t.etcdURL)\n" } else { s += "datastore  sqlite:\(t.sqliteFile)\n" }
        for (i, h) in t.hosts.enumerated() {
            let running = agentProcess(i + 1).map { "pid \($0.pid)" } ?? "NOT RUNNING"
            s += "\nhost \(h.name)  \(h.namespace)  \(h.address)  agent \(running)  socket \(h.socket)\n"
            if let out = try? routedCommand(["status", "--timeout", "3"], host: i + 1) {
                s += out.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
            } else {
                s += "  (the agent does not answer on its socket)\n"
            }
        }
        let addresses = workloadAddresses()
        if !t.workloads.isEmpty {
            s += "\nworkloads\n"
            for w in t.workloads {
                s += "  \(w.name)  \(w.network)  on \(t.host(w.host).name)  \(addresses[w.name] ?? "(no endpoint)")  \(w.namespace)\n"
            }
        }
        return s
    }
}
