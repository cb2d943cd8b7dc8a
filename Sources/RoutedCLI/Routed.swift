public import ArgumentParser

/// The `routed` command: a pure layer-3 container networking agent.
///
/// Each subcommand lives in its own file; `run()` stays short and delegates.
public struct Routed: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "routed",
        abstract: "A pure layer-3 container networking agent: routable /32s, BGP, nftables isolation; no NAT, no tunnels.",
        version: RoutedVersion.string,
        subcommands: [
            StartCommand.self, StatusCommand.self, RoutesCommand.self, PeerCommand.self, NetworkCommand.self, EndpointCommand.self,
            PolicyCommand.self, IPAMCommand.self, LabCommand.self,
            BGPSpeakerCommand.self, BGPLoadCommand.self, Decode.self,
        ]
    )

    public init() {}
}
