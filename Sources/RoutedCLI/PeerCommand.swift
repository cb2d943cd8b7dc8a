import AgentAPI
import AgentClient
import ArgumentParser
import Foundation

/// `routed peer add SPEC | del ADDR | list`: BGP peers of the running agent.
struct PeerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peer", abstract: "Add, delete or list the agent's BGP peers.",
        subcommands: [Add.self, Del.self, List.self])

    /// `routed peer add ADDR[,as=N][,password=S][,passive][,rr-client][,hold=S][,import=POLICY][,export=POLICY]`.
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a BGP peer, spelled as start's --peer.",
            discussion: "SPEC is ADDR[,as=N][,password=S][,passive][,rr-client][,hold=S][,import=POLICY][,export=POLICY] "
                + "(and the other options of --peer); without as= the peer is iBGP.")

        @Argument(help: ArgumentHelp("The peer, e.g. 192.0.2.1,as=65000,import=default-route.", valueName: "spec"))
        var spec: String

        @OptionGroup var options: ClientOptions

        func validate() throws { try ArgumentChecks.peerSpec(spec) }

        func run() async throws {
            let peer = try await options.client.addPeer(AddPeerRequest(spec: spec))
            try options.print(peer) { PeersText.added($0) }
        }
    }

    /// `routed peer del ADDR`: the session ends with a Cease NOTIFICATION and the peer's routes go.
    struct Del: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a BGP peer (Cease, and its routes are withdrawn).")

        @Argument(help: ArgumentHelp("The peer's address.", valueName: "addr"),
                  completion: .custom { words, _, _ in await AgentCompletion.peers(words) })
        var address: String

        @OptionGroup var options: ClientOptions

        func validate() throws { try ArgumentChecks.address(address, option: "peer del") }

        func run() async throws {
            let done = try await options.client.deletePeer(address: address)
            try options.print(done) { $0.message }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List BGP peers: address, AS, type, state, since, prefixes, policies, last error.")

        @OptionGroup var options: ClientOptions

        func run() async throws {
            let peers = try await options.client.peers()
            try options.print(peers) { PeersText.render($0, now: Date()) }
        }
    }
}
