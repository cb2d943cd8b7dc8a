import AgentAPI
import AgentClient
import ArgumentParser

/// `routed policy deny|allow NET_A NET_B [--proto tcp|udp|icmp] [--port N[-M]] [--one-way] [--log]`,
/// `routed policy del ID | list | default allow|deny`: isolation between networks.
struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Isolate or connect networks: deny, allow, delete, list, the default.",
        subcommands: [Deny.self, Allow.self, Del.self, List.self, Default.self])

    /// The words of a rule, shared by `deny` and `allow`.
    struct Rule: ParsableArguments {
        @Argument(help: ArgumentHelp("The first network (or world, host).", valueName: "net-a"),
                  completion: .custom { words, _, _ in await AgentCompletion.policyNetworks(words) })
        var from: String

        @Argument(help: ArgumentHelp("The second network (or world, host).", valueName: "net-b"),
                  completion: .custom { words, _, _ in await AgentCompletion.policyNetworks(words) })
        var to: String

        @Option(help: "Only this protocol.")
        var proto: ProtoArgument?

        @Option(help: ArgumentHelp("Only this port or range (needs --proto tcp or udp).", valueName: "n[-m]"))
        var port: String?

        @Flag(help: "Only from NET_A to NET_B (default: both ways).")
        var oneWay = false

        @Flag(help: "Log matching packets (nft log).")
        var log = false

        func validate() throws {
            try ArgumentChecks.network(from, pseudoAllowed: true)
            try ArgumentChecks.network(to, pseudoAllowed: true)
            guard from != to else {
                throw ValidationError("a policy from '\(from)' to itself has no effect: traffic within a network is always allowed")
            }
            try ArgumentChecks.ports(port, proto: proto)
        }

        func request(_ action: String) -> AddPolicyRequest {
            AddPolicyRequest(action: action, from: from, to: to, proto: proto?.rawValue, port: port, oneWay: oneWay, log: log)
        }
    }

    struct Deny: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Isolate two networks (both ways unless --one-way).")
        @OptionGroup var rule: Rule
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let policy = try await options.client.addPolicy(rule.request("deny"))
            try options.print(policy) { PoliciesText.added($0) }
        }
    }

    struct Allow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let two networks reach each other (under a default deny or a broader deny).")
        @OptionGroup var rule: Rule
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let policy = try await options.client.addPolicy(rule.request("allow"))
            try options.print(policy) { PoliciesText.added($0) }
        }
    }

    struct Del: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a policy by its id (see `routed policy list`).")

        @Argument(help: ArgumentHelp("The policy's id.", valueName: "id"),
                  completion: .custom { words, _, _ in await AgentCompletion.policies(words) })
        var id: String

        @OptionGroup var options: ClientOptions

        func validate() throws {
            guard UInt32(id) != nil else { throw ValidationError("policy del \(id): a policy id is a number; see `routed policy list`") }
        }

        func run() async throws {
            let done = try await options.client.deletePolicy(id: id)
            try options.print(done) { $0.message }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List policies with their counters, and the default.")
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let list = try await options.client.policies()
            try options.print(list) { PoliciesText.render($0) }
        }
    }

    /// `routed policy default allow|deny`: what happens between networks no policy names.
    struct Default: AsyncParsableCommand {
        enum Action: String, ExpressibleByArgument, CaseIterable { case allow, deny }

        static let configuration = CommandConfiguration(abstract: "Set what happens between networks no policy names: allow or deny.")

        @Argument(help: "allow or deny.")
        var action: Action

        @OptionGroup var options: ClientOptions

        func run() async throws {
            let list = try await options.client.setDefaultPolicy(DefaultPolicyRequest(action: action.rawValue))
            try options.print(list) { "default policy: \($0.defaultAction)\n" }
        }
    }
}
