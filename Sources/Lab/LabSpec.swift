/// What `routed lab up` was asked for, checked before anything is made.
public struct LabSpec: Hashable, Sendable, Codable {
    public enum DatastoreKind: String, Hashable, Sendable, Codable, CaseIterable {
        /// One SQLite file in the lab directory, shared by every agent (they all run on this machine).
        case sqlite
        /// A lab etcd in a namespace of its own on the hosts' segment.
        case etcd
    }

    /// How the hosts learn each other's blocks.
    public enum Peering: String, Hashable, Sendable, Codable {
        /// Every agent gets `--peer` for every other host (iBGP full mesh, written out).
        case explicit
        /// Every agent gets `--mesh` (the datastore lists the hosts); one flag instead of N-1 peers.
        case mesh
        /// The gateway is the route reflector (AS 64512) and the hosts its clients: one peer each.
        case gatewayReflector
    }

    /// One workload: a namespace with one endpoint in `network`, on host `host` (1-based).
    public struct Workload: Hashable, Sendable, Codable {
        public var name: String
        public var network: String
        public var host: Int

        public init(name: String, network: String, host: Int) {
            self.name = name
            self.network = network
            self.host = host
        }

        /// `NAME:NETWORK@HOST`, HOST as `2`, `h2` or `host2`.
        public init(parsing text: String, hosts: Int) throws(LabError) {
            let fix = "write NAME:NETWORK@HOST, e.g. a1:lamp@1 (HOST from 1 to \(hosts))"
            guard let colon = text.firstIndex(of: ":"), let at = text.lastIndex(of: "@"), colon < at else {
                throw .invalidOption(option: "--workloads", value: text, problem: "not NAME:NETWORK@HOST", fix: fix)
            }
            let name = String(text[..<colon]), network = String(text[text.index(after: colon)..<at])
            var hostText = Substring(text[text.index(after: at)...])
            for p in ["host", "h"] where hostText.hasPrefix(p) { hostText = hostText.dropFirst(p.count); break }
            guard let host = Int(hostText), (1...hosts).contains(host) else {
                throw .invalidOption(option: "--workloads", value: text, problem: "no host '\(text[text.index(after: at)...])' in a lab of \(hosts) hosts", fix: fix)
            }
            for (what, value) in [("name", name), ("network", network)] {
                guard !value.isEmpty, value.count <= 32, value.first!.isLetter,
                      value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
                    throw .invalidOption(option: "--workloads", value: text,
                                         problem: "the \(what) '\(value)' is not 1 to 32 letters, digits or '-' starting with a letter", fix: fix)
                }
            }
            self.init(name: name, network: network, host: host)
        }
    }

    public var name: String
    public var hosts: Int
    public var peering: Peering
    public var datastore: DatastoreKind
    public var workloads: [Workload]
    /// Where the state file, configs, sockets, logs and the SQLite file live.
    public var directory: String

    public static let defaultName = "lab"
    public static func defaultDirectory(name: String) -> String { "/tmp/routed-lab-\(name)" }

    public init(name: String = LabSpec.defaultName, hosts: Int = 3, peering: Peering = .explicit,
                datastore: DatastoreKind = .sqlite, workloads: [Workload] = [], directory: String? = nil) throws(LabError) {
        guard !name.isEmpty, name.count <= 8, name.first!.isLetter,
              name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber) }) else {
            throw .invalidOption(option: "--name", value: name, problem: "a lab name is 1 to 8 lowercase letters or digits starting with a letter",
                                 fix: "e.g. --name lab2 (it prefixes every namespace: rl-lab2-h1)")
        }
        guard (1...50).contains(hosts) else {
            throw .invalidOption(option: "--hosts", value: "\(hosts)", problem: "a lab has 1 to 50 hosts", fix: "e.g. --hosts 3")
        }
        var seen: Set<String> = []
        for w in workloads {
            guard (1...hosts).contains(w.host) else {
                throw .invalidOption(option: "--workloads", value: "\(w.name):\(w.network)@\(w.host)",
                                     problem: "no host \(w.host) in a lab of \(hosts) hosts", fix: "use a host from 1 to \(hosts) or raise --hosts")
            }
            guard seen.insert(w.name).inserted else {
                throw .invalidOption(option: "--workloads", value: w.name, problem: "two workloads are named \(w.name)", fix: "give each workload its own name")
            }
        }
        let directory = directory ?? Self.defaultDirectory(name: name)
        guard directory.hasPrefix("/"), directory != "/" else {
            throw .invalidOption(option: "--dir", value: directory, problem: "not an absolute directory path", fix: "e.g. --dir /tmp/routed-lab-\(name)")
        }
        self.name = name
        self.hosts = hosts
        self.peering = peering
        self.datastore = datastore
        self.workloads = workloads
        self.directory = directory
    }

    /// `a1:lamp@1,b1:lamp@2`.
    public static func parseWorkloads(_ text: String, hosts: Int) throws(LabError) -> [Workload] {
        var out: [Workload] = []
        for part in text.split(separator: ",") { out.append(try Workload(parsing: String(part), hosts: hosts)) }
        return out
    }
}
