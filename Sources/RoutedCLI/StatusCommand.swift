import AgentClient
import ArgumentParser
import Foundation

/// `routed status`: the agent, its health, its BGP peers (address, AS, type, state, since,
/// prefixes received/accepted/advertised, policies, last error) and this host's blocks.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the agent, its health, its BGP peers and this host's blocks.")

    @OptionGroup var options: ClientOptions

    func run() async throws {
        let status = try await options.client.status()
        try options.print(status) { StatusText.render($0, now: Date()) }
    }
}
