import AgentClient
import ArgumentParser

/// `routed routes [--prefix CIDR]`: the RIB, every path of every prefix, the best one marked and why.
struct RoutesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "routes", abstract: "Show the RIB: prefix, next hops, from, AS path, communities, best path and why.")

    @Option(help: ArgumentHelp("Only paths of this prefix (CIDR, e.g. 10.244.1.0/26).", valueName: "cidr"))
    var prefix: String?

    @OptionGroup var options: ClientOptions

    func validate() throws {
        if let prefix { try ArgumentChecks.prefix(prefix, option: "--prefix") }
    }

    func run() async throws {
        let routes = try await options.client.routes(prefix: prefix)
        try options.print(routes) { RoutesText.render($0, filter: prefix) }
    }
}
