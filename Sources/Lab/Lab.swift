import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A lab on this machine: made by `up`, inspected by `status`, undone by `down`. Everything it
/// makes is in network namespaces named `rl-NAME-*` and files under its directory, each recorded
/// in the state file (`LabLedger`) before it is made. Nothing touches the machine's own namespace:
/// links are created inside the lab's namespaces (`ip -n NS link add ... netns OTHER`) and every
/// daemon runs through `ip netns exec`.
public final class Lab: Sendable {
    public let topology: LabTopology
    /// The `routed` executable the agents run and the client commands use.
    public let routed: String
    let ledger: LabLedger

    init(topology: LabTopology, routed: String) {
        self.topology = topology
        self.routed = routed
        ledger = LabLedger(path: topology.stateFile)
    }

    // MARK: opening an existing lab

    /// The lab whose directory is `directory` (its `topology.json`); `name` only words the error.
    public static func open(directory: String, routed: String, name: String? = nil) throws(LabError) -> Lab {
        let file = directory + "/topology.json"
        guard let data = FileManager.default.contents(atPath: file) else {
            throw .notFound(name: name ?? URL(fileURLWithPath: directory).lastPathComponent, stateFile: directory + "/lab.state")
        }
        do {
            return Lab(topology: try JSONDecoder().decode(LabTopology.self, from: data), routed: routed)
        } catch {
            throw .stateFile(path: file, problem: "not a lab topology: \(error)")
        }
    }

    /// Why a lab cannot run here (not root, no `ip netns`), or nil.
    public static func unavailableReason(datastore: LabSpec.DatastoreKind = .sqlite) -> String? {
        guard getuid() == 0 else { return "it needs root (network namespaces): run it with sudo" }
        for (program, package) in [("ip", "iproute2"), ("bird", "bird2"), ("birdc", "bird2")] + (datastore == .etcd ? [("etcd", "etcd-server"), ("nc", "netcat-openbsd")] : [])
        where Shell.which(program) == nil {
            return "'\(program)' is not installed: apt-get install \(package)"
        }
        return nil
    }

    // MARK: up

    /// Makes the whole lab and returns it; on any failure it undoes what it made and rethrows.
    /// `progress` receives one line per step.
    public static func up(_ spec: LabSpec, routed: String, progress: (String) -> Void = { _ in }) throws(LabError) -> Lab {
        if let reason = unavailableReason(datastore: spec.datastore) { throw .unavailable(reason: reason) }
        // Absolute, so the agents (started through `ip netns exec`) and later commands find it.
        guard let routed = Shell.which(routed) else {
            throw .missingProgram(routed, package: "routed (swift build)")
        }
        let topology = LabTopology(spec)
        guard !FileManager.default.fileExists(atPath: topology.stateFile) else {
            throw .alreadyUp(name: spec.name, stateFile: topology.stateFile)
        }
        if let taken = try Shell.run(["ip", "netns", "list"]).split(separator: "\n")
            .map({ String($0.split(separator: " ")[0]) }).first(where: { $0.hasPrefix(topology.prefix) }) {
            throw .invalidOption(option: "--name", value: spec.name, problem: "namespace \(taken) already exists (a lab made elsewhere?)",
                                 fix: "run `routed lab down --name \(spec.name) --dir DIR` with its directory, or `ip netns del \(taken)`")
        }
        do {
            try FileManager.default.createDirectory(atPath: topology.directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw .stateFile(path: topology.directory, problem: "cannot create the lab directory: \(error)")
        }
        let lab = Lab(topology: topology, routed: routed)
        do {
            try lab.ledger.record(.directory(topology.directory))
            try lab.build(progress: progress)
        } catch {
            progress("failed: \(error); removing what was made")
            _ = lab.down()
            throw error
        }
        return lab
    }

    private func build(progress: (String) -> Void) throws(LabError) {
        let t = topology
        try writeFile(t.topologyFile, (try? JSONEncoder().encode(t)) ?? Data())

        progress("segment: bridge \(LabTopology.bridge) in \(t.switchNamespace)")
        try addNamespace(t.switchNamespace)
        try sh(["ip", "-n", t.switchNamespace, "link", "add", LabTopology.bridge, "type", "bridge"])
        try sh(["ip", "-n", t.switchNamespace, "link", "set", LabTopology.bridge, "up"])

        progress("gateway \(t.gatewayNamespace) \(LabTopology.gatewayAddress), client \(t.clientNamespace) \(LabTopology.clientAddress)")
        try attach(t.gatewayNamespace, port: "gw", address: LabTopology.gatewayAddress)
        try addNamespace(t.clientNamespace)
        try sh(["ip", "-n", t.gatewayNamespace, "link", "add", "client", "type", "veth", "peer", "name", "eth0", "netns", t.clientNamespace])
        try sh(["ip", "-n", t.gatewayNamespace, "addr", "add", LabTopology.clientLinkGateway + "/24", "dev", "client"])
        try sh(["ip", "-n", t.gatewayNamespace, "link", "set", "client", "up"])
        try sh(["ip", "-n", t.clientNamespace, "addr", "add", LabTopology.clientAddress + "/24", "dev", "eth0"])
        try sh(["ip", "-n", t.clientNamespace, "link", "set", "eth0", "up"])
        try sh(["ip", "-n", t.clientNamespace, "route", "add", "default", "via", LabTopology.clientLinkGateway])
        try exec(t.gatewayNamespace, ["sysctl", "-qw", "net.ipv4.ip_forward=1"])

        if let db = t.datastoreNamespace {
            progress("etcd in \(db) at \(t.etcdURL)")
            try attach(db, port: "db", address: LabTopology.datastoreAddress)
            try startEtcd()
        }

        for h in t.hosts {
            try attach(h.namespace, port: h.name, address: h.address)
        }
        progress("gateway BIRD (AS \(t.gatewayAS))")
        try startBird()

        for i in 1...t.hosts.count {
            progress("agent \(t.host(i).name) in \(t.host(i).namespace): routed start --as \(LabTopology.hostAS) --socket \(t.host(i).socket)")
            try startAgent(i)
        }

        progress("waiting for every BGP session to be Established")
        try waitEstablished()

        var networks: [String] = []
        for w in t.workloads where !networks.contains(w.network) { networks.append(w.network) }
        for n in networks {
            progress("network \(n)")
            try routedCommand(["network", "create", n], host: 1)
        }
        for w in t.workloads {
            progress("workload \(w.name) (\(w.network)) on \(t.host(w.host).name)")
            try addNamespace(w.namespace)
            try routedCommand(["endpoint", "add", w.name, "--netns", "/run/netns/" + w.namespace, "--network", w.network], host: w.host)
        }
    }

    // MARK: building blocks

    /// `Shell.run` with its output file in the lab directory.
    @discardableResult
    func sh(_ argv: [String], timeout: Duration = .seconds(20)) throws(LabError) -> String {
        try Shell.run(argv, timeout: timeout, scratch: topology.directory)
    }

    /// `ip netns add NS; ip -n NS link set lo up`, recorded first. `ns` must start with the lab's prefix.
    public func addNamespace(_ ns: String) throws(LabError) {
        guard ns.hasPrefix(topology.prefix), ns.count <= 64 else {
            throw .invalidOption(option: "namespace", value: ns, problem: "a lab namespace starts with \(topology.prefix)", fix: "name it \(topology.prefix)...")
        }
        try ledger.record(.namespace(ns))
        try sh(["ip", "netns", "add", ns])
        try sh(["ip", "-n", ns, "link", "set", "lo", "up"])
    }

    /// A new namespace with `uplink` (ADDR/24) on the segment, its other end `port` on the bridge.
    /// `ip -n NS link add uplink type veth peer name PORT netns SW; ip -n SW link set PORT master br0 up`
    private func attach(_ ns: String, port: String, address: String) throws(LabError) {
        let sw = topology.switchNamespace
        try addNamespace(ns)
        try sh(["ip", "-n", ns, "link", "add", LabTopology.uplink, "type", "veth", "peer", "name", port, "netns", sw])
        try sh(["ip", "-n", sw, "link", "set", port, "master", LabTopology.bridge, "up"])
        try sh(["ip", "-n", ns, "addr", "add", address + "/24", "dev", LabTopology.uplink])
        try sh(["ip", "-n", ns, "link", "set", LabTopology.uplink, "up"])
    }

    private func writeFile(_ path: String, _ data: Data) throws(LabError) {
        try ledger.record(.file(path))
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw .stateFile(path: path, problem: "cannot write it")
        }
    }

    /// Starts `argv` inside `ns` as a detached daemon labelled `label`; records before and after.
    @discardableResult
    private func spawn(_ label: String, in ns: String, _ argv: [String], log: String) throws(LabError) -> Int32 {
        try ledger.record(.spawn(label: label))
        let pid = try Shell.spawnDetached(["ip", "netns", "exec", ns] + argv, logFile: log)
        try ledger.record(.process(label: label, pid: pid, startTime: Shell.startTime(of: pid) ?? "0"))
        return pid
    }

    /// Polls `ready` every 100 ms until it holds, the process dies, or `timeout` passes.
    private func waitReady(_ label: String, log: String, timeout: Duration = .seconds(30), _ ready: () -> Bool) throws(LabError) {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if ready() { return }
            if let p = try ledger.process(label), !Shell.isRunning(pid: p.pid, startTime: p.startTime) { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        if ready() { return }
        let tail = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").trimmingTail(lines: 20)
        throw .daemonNotReady(name: label, waitedSeconds: Double(timeout.components.seconds), logTail: tail)
    }

    private func startEtcd() throws(LabError) {
        let t = topology, url = t.etcdURL, peer = "http://127.0.0.1:2380"
        try ledger.record(.file(t.etcdLog))
        try spawn("etcd", in: t.datastoreNamespace!, ["etcd", "--name", "lab", "--data-dir", t.etcdDirectory,
                                                      "--listen-client-urls", url, "--advertise-client-urls", url,
                                                      "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                                                      "--initial-cluster", "lab=" + peer], log: t.etcdLog)
        // Healthy by its /health (curl), or at least listening (nc -z, netcat-openbsd) where curl is missing.
        let probe = Shell.which("curl") != nil ? ["curl", "-sf", "--max-time", "2", url + "/health"]
                                               : ["nc", "-z", "-w", "2", LabTopology.datastoreAddress, "2379"]
        try waitReady("etcd", log: t.etcdLog) {
            (try? Shell.execute(["ip", "netns", "exec", t.datastoreNamespace!] + probe, timeout: .seconds(5), scratch: t.directory))?.status == 0
        }
    }

    private func startBird() throws(LabError) {
        let t = topology
        try writeFile(t.birdConfig, Data(GatewayConfig.render(t).utf8))
        try ledger.record(.file(t.birdLog))
        try ledger.record(.file(t.birdSocket))
        try spawn("bird", in: t.gatewayNamespace, ["bird", "-f", "-c", t.birdConfig, "-s", t.birdSocket, "-P", t.directory + "/gateway-bird.pid"],
                  log: t.birdLog)
        try waitReady("bird", log: t.birdLog, timeout: .seconds(15)) {
            (try? Shell.execute(["birdc", "-s", t.birdSocket, "show", "status"], timeout: .seconds(5), scratch: t.directory))?.status == 0
        }
    }

    /// `ip netns exec HOST routed start ...` for host `number`; waits (bounded) until it answers on its socket.
    public func startAgent(_ number: Int) throws(LabError) {
        let h = topology.host(number)
        try ledger.record(.file(h.logFile))
        try spawn("agent-\(h.name)", in: h.namespace, [routed] + topology.agentArguments(number), log: h.logFile)
        try waitReady("agent-\(h.name)", log: h.logFile) {
            (try? Shell.execute([routed, "status", "--socket", h.socket, "--timeout", "2"], timeout: .seconds(5), scratch: topology.directory))?.status == 0
        }
    }

    /// Waits (bounded) until every agent reports all its peers Established.
    public func waitEstablished(timeout: Duration = .seconds(30)) throws(LabError) {
        let deadline = ContinuousClock.now + timeout
        var pending: [String] = []
        repeat {
            pending = []
            for i in 1...topology.hosts.count {
                for (peer, state) in peerStates(i) where state != "Established" { pending.append("\(topology.host(i).name) → \(peer): \(state)") }
                if peerStates(i).isEmpty { pending.append("\(topology.host(i).name): no answer") }
            }
            if pending.isEmpty { return }
            Thread.sleep(forTimeInterval: 0.2)
        } while ContinuousClock.now < deadline
        throw .daemonNotReady(name: "BGP sessions", waitedSeconds: Double(timeout.components.seconds), logTail: pending.joined(separator: "\n"))
    }

    /// Host `number`'s peers and their states, through its socket (`routed status -o json`).
    public func peerStates(_ number: Int) -> [(peer: String, state: String)] {
        guard let json = try? routedCommand(["status", "-o", "json", "--timeout", "3"], host: number),
              let body = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let peers = body["peers"] as? [[String: Any]] else { return [] }
        return peers.map { (($0["address"] as? String) ?? "?", ($0["state"] as? String) ?? "?") }
    }

    /// The agent's pid and start time, if it runs.
    public func agentProcess(_ number: Int) -> (pid: Int32, startTime: String)? {
        guard let p = try? ledger.process("agent-\(topology.host(number).name)"), Shell.isRunning(pid: p.pid, startTime: p.startTime) else { return nil }
        return p
    }

    /// SIGTERM to host `number`'s agent (a clean stop: it Ceases its sessions); bounded.
    @discardableResult
    public func stopAgent(_ number: Int) -> Bool {
        guard let p = agentProcess(number) else { return true }
        return Shell.stop(pid: p.pid, startTime: p.startTime, grace: .seconds(10))
    }

    /// SIGKILL to host `number`'s agent (a crash).
    @discardableResult
    public func crashAgent(_ number: Int) -> Bool {
        guard let p = agentProcess(number) else { return true }
        return Shell.crash(pid: p.pid, startTime: p.startTime)
    }

    /// `routed ARGS --socket HOSTSOCK`: output, or a thrown `commandFailed`.
    @discardableResult
    public func routedCommand(_ args: [String], host: Int) throws(LabError) -> String {
        try Shell.run([routed] + args + ["--socket", topology.host(host).socket], timeout: .seconds(40), scratch: topology.directory)
    }

    /// `ip netns exec NS ARGS...` (a namespace of this lab only).
    @discardableResult
    public func exec(_ ns: String, _ args: [String], timeout: Duration = .seconds(20)) throws(LabError) -> String {
        guard ns.hasPrefix(topology.prefix) else {
            throw .invalidOption(option: "namespace", value: ns, problem: "not a namespace of lab \(topology.spec.name)",
                                 fix: "use one of \(topology.namespaces.joined(separator: ", "))")
        }
        return try Shell.run(["ip", "netns", "exec", ns] + args, timeout: timeout, scratch: topology.directory)
    }

    /// Like `exec`, but returns the exit status rather than throwing on a non-zero one.
    public func execute(_ ns: String, _ args: [String], timeout: Duration = .seconds(20)) throws(LabError) -> CommandResult {
        guard ns.hasPrefix(topology.prefix) else {
            throw .invalidOption(option: "namespace", value: ns, problem: "not a namespace of lab \(topology.spec.name)", fix: "see routed lab status")
        }
        return try Shell.execute(["ip", "netns", "exec", ns] + args, timeout: timeout, scratch: topology.directory)
    }

    /// Starts a background command in a namespace of the lab (recorded, so `down` stops it).
    public func spawnIn(_ ns: String, label: String, _ args: [String], log: String) throws(LabError) -> (pid: Int32, startTime: String) {
        try ledger.record(.file(log))
        let pid = try spawn(label, in: ns, args, log: log)
        return (pid, Shell.startTime(of: pid) ?? "0")
    }

    // MARK: down

    /// Removes every process (by pid, while its start time matches), namespace and file recorded
    /// in the state file, in reverse order. Works on a half-made lab and after a crash; idempotent.
    /// Returns what could not be undone (normally empty).
    @discardableResult
    public func down() -> [String] {
        Self.down(stateFile: topology.stateFile)
    }

    /// `down` from the state file alone (`routed lab down` when `topology.json` is gone or torn).
    @discardableResult
    public static func down(stateFile: String) -> [String] {
        guard let entries = try? LabLedger(path: stateFile).entries() else { return [] }
        var problems: [String] = []
        for case .process(let label, let pid, let start) in entries.reversed() where !Shell.stop(pid: pid, startTime: start) {
            problems.append("\(label) (pid \(pid)) survived SIGKILL")
        }
        for case .namespace(let ns) in entries.reversed() where FileManager.default.fileExists(atPath: "/run/netns/" + ns) {
            // Whatever still lives in a lab namespace was started by the lab (or by a user inside it).
            if let out = try? Shell.run(["ip", "netns", "pids", ns], timeout: .seconds(5)) {
                for pid in out.split(whereSeparator: \.isWhitespace).compactMap({ Int32($0) }) where pid > 1 && pid != getpid() {
                    if let start = Shell.startTime(of: pid) { Shell.crash(pid: pid, startTime: start) }
                }
            }
            if let r = try? Shell.execute(["ip", "netns", "delete", ns], timeout: .seconds(10)), r.status != 0 {
                problems.append("ip netns delete \(ns): \(r.output)")
            }
        }
        for case .file(let path) in entries.reversed() { try? FileManager.default.removeItem(atPath: path) }
        for case .directory(let path) in entries.reversed() {
            do { try FileManager.default.removeItem(atPath: path) } catch { problems.append("cannot remove \(path): \(error)") }
        }
        try? FileManager.default.removeItem(atPath: stateFile)
        return problems
    }
}
