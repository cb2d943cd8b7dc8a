import AgentAPI
import AgentClient
import ArgumentParser

/// `routed endpoint add NAME --netns PATH|--pid N --network NET [--ip ADDR] [--ifname eth0]`,
/// `routed endpoint del NAME`, `routed endpoint list`: container endpoints on this host.
struct EndpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "endpoint", abstract: "Add, delete or list container endpoints (a veth and a /32 each).",
        subcommands: [Add.self, Del.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a network namespace an interface and an address of a network.",
            discussion: "Idempotent: the same request again answers with the existing endpoint.")

        @Argument(help: ArgumentHelp("The endpoint's name (a container id, for example).", valueName: "name"))
        var name: String

        @Option(help: ArgumentHelp("The namespace file, e.g. /run/netns/web1 or /proc/PID/ns/net.", valueName: "path"),
                completion: .file())
        var netns: String?

        @Option(help: ArgumentHelp("A process whose network namespace to use (/proc/N/ns/net).", valueName: "n"))
        var pid: Int32?

        @Option(help: ArgumentHelp("The network the endpoint joins.", valueName: "net"),
                completion: .custom { words, _, _ in await AgentCompletion.networks(words) })
        var network: String

        @Option(help: ArgumentHelp("A specific free address of a pool (default: the next free one).", valueName: "addr"))
        var ip: String?

        @Option(help: ArgumentHelp("The interface name inside the namespace.", valueName: "name"))
        var ifname = "eth0"

        @Option(help: ArgumentHelp("The container runtime's id for this endpoint (CNI, Docker).", valueName: "id"))
        var containerID: String?

        @OptionGroup var options: ClientOptions

        func validate() throws {
            try ArgumentChecks.endpoint(name)
            switch (netns, pid) {
            case (nil, nil): throw ValidationError("say which namespace: --netns PATH or --pid N")
            case (.some, .some): throw ValidationError("--netns and --pid both name a namespace: give only one")
            case (let path?, nil):
                guard path.hasPrefix("/") else {
                    throw ValidationError("--netns \(path): give the namespace file's absolute path, e.g. /run/netns/\(path)")
                }
            case (nil, let pid?):
                guard pid > 0 else { throw ValidationError("--pid \(pid): a process id is a positive number") }
            }
            try ArgumentChecks.network(network, pseudoAllowed: false)
            if let ip { try ArgumentChecks.address(ip, option: "--ip") }
            try ArgumentChecks.interfaceName(ifname)
        }

        func run() async throws {
            let request = AddEndpointRequest(name: name, netns: netns, pid: pid, network: network, ip: ip,
                                             interfaceName: ifname, containerID: containerID)
            let endpoint = try await options.client.addEndpoint(request)
            try options.print(endpoint) { EndpointsText.added($0) }
        }
    }

    struct Del: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an endpoint: its veth, host route and address.")

        @Argument(help: ArgumentHelp("The endpoint's name.", valueName: "name"),
                  completion: .custom { words, _, _ in await AgentCompletion.endpoints(words) })
        var name: String

        @OptionGroup var options: ClientOptions

        func validate() throws { try ArgumentChecks.endpoint(name) }

        func run() async throws {
            let done = try await options.client.deleteEndpoint(name: name)
            try options.print(done) { $0.message }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List endpoints: name, network, addresses, interfaces, namespace.")

        @OptionGroup var options: ClientOptions

        func run() async throws {
            let endpoints = try await options.client.endpoints()
            try options.print(endpoints) { EndpointsText.render($0) }
        }
    }
}
