import ArgumentParser
import Foundation
import Lab

/// `routed lab up|down|status`: a whole cluster on this machine, in network namespaces only —
/// hosts on one bridge, a BIRD 2 gateway, an outside client, one agent per host, workloads.
struct LabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab", abstract: "A multi-host cluster with a BGP gateway, in network namespaces, on this machine.",
        subcommands: [Up.self, Down.self, Status.self])

    /// The lab's name and directory, shared by the three subcommands.
    struct Where: ParsableArguments {
        @Option(help: ArgumentHelp("The lab's name: it prefixes every namespace (rl-NAME-h1).", valueName: "name"))
        var name = LabSpec.defaultName

        @Option(help: ArgumentHelp("The lab's directory: state file, configs, sockets, logs (default /tmp/routed-lab-NAME).",
                                   valueName: "dir"), completion: .directory)
        var dir: String?

        var directory: String { dir ?? LabSpec.defaultDirectory(name: name) }
    }

    /// This executable, which the agents run and the lab's client commands use.
    static var routedExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    struct Up: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the lab: bridge, hosts, gateway (BIRD 2), client, agents, workloads.",
            discussion: "Example: routed lab up --workloads a1:lamp@1,a2:lnmp@1,b1:lamp@2,b2:lnmp@2,c1:lamp@3")

        @Option(help: "Number of hosts (1 to 50).")
        var hosts = 3

        @Flag(name: .customLong("gateway-rr"), help: "The gateway is an iBGP route reflector (AS 64512) with the hosts as clients, instead of eBGP AS 65000.")
        var gatewayRR = false

        @Flag(help: "Hosts find each other through the datastore (`routed start --mesh`) instead of one --peer per host.")
        var mesh = false

        @Option(help: "sqlite (one file shared by the agents) or etcd (a lab etcd in its own namespace).")
        var datastore = LabSpec.DatastoreKind.sqlite.rawValue

        @Option(help: ArgumentHelp("Workloads, NAME:NETWORK@HOST[,...], e.g. a1:lamp@1,b1:lamp@2.", valueName: "list"))
        var workloads: String?

        @OptionGroup var place: Where

        func run() throws {
            guard let store = LabSpec.DatastoreKind(rawValue: datastore) else {
                throw LabError.invalidOption(option: "--datastore", value: datastore, problem: "not a lab datastore",
                                             fix: "use sqlite or etcd")
            }
            if mesh && gatewayRR {
                throw LabError.invalidOption(option: "--mesh", value: "with --gateway-rr", problem: "the reflector already connects the hosts",
                                             fix: "give one of --mesh and --gateway-rr")
            }
            let list = try workloads.map { try LabSpec.parseWorkloads($0, hosts: hosts) } ?? []
            let spec = try LabSpec(name: place.name, hosts: hosts, peering: gatewayRR ? .gatewayReflector : (mesh ? .mesh : .explicit),
                                   datastore: store, workloads: list, directory: place.dir)
            let lab = try Lab.up(spec, routed: LabCommand.routedExecutable) { print($0) }
            print("")
            print(lab.statusText())
            print(lab.reachText(), terminator: "")
        }
    }

    struct Down: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove every namespace, process and file the lab made (also after a crash or a half-finished up).")

        @OptionGroup var place: Where

        func run() throws {
            let stateFile = place.directory + "/lab.state"
            guard FileManager.default.fileExists(atPath: stateFile) else {
                throw LabError.notFound(name: place.name, stateFile: stateFile)
            }
            let problems = Lab.down(stateFile: stateFile)
            guard problems.isEmpty else {
                throw ValidationError("lab \(place.name) is only partly removed:\n" + problems.joined(separator: "\n"))
            }
            print("lab \(place.name) removed")
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The topology with addresses, each agent's peers, the workloads.")

        @OptionGroup var place: Where

        func run() throws {
            let lab = try Lab.open(directory: place.directory, routed: LabCommand.routedExecutable, name: place.name)
            print(lab.statusText(), terminator: "")
        }
    }
}
