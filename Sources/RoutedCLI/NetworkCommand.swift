import AgentAPI
import AgentClient
import ArgumentParser

/// `routed network create|del|list NAME`: named networks (isolation domains).
struct NetworkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network", abstract: "Create, delete or list named networks.",
        subcommands: [Create.self, Del.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a network (lower-case letters, digits, '-', '_').")

        @Argument(help: ArgumentHelp("The network's name, e.g. lamp.", valueName: "name"))
        var name: String

        @OptionGroup var options: ClientOptions

        func validate() throws { try ArgumentChecks.network(name, pseudoAllowed: false) }

        func run() async throws {
            let network = try await options.client.createNetwork(CreateNetworkRequest(name: name))
            try options.print(network) { NetworksText.created($0) }
        }
    }

    struct Del: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a network that has no endpoints and no policies.")

        @Argument(help: ArgumentHelp("The network's name.", valueName: "name"),
                  completion: .custom { words, _, _ in await AgentCompletion.networks(words) })
        var name: String

        @OptionGroup var options: ClientOptions

        func validate() throws { try ArgumentChecks.network(name, pseudoAllowed: false) }

        func run() async throws {
            let done = try await options.client.deleteNetwork(name: name)
            try options.print(done) { $0.message }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List networks: name, id, endpoints, prefixes.")

        @OptionGroup var options: ClientOptions

        func run() async throws {
            let networks = try await options.client.networks()
            try options.print(networks) { NetworksText.render($0) }
        }
    }
}
