import AgentAPI
import AgentClient
import ArgumentParser
import Foundation

/// How a command prints its answer: `-o text` (tables for people) or `-o json` (the API body,
/// sorted keys, for scripts).
enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text, json
}

/// The options every client command takes: which agent, and how to print.
struct ClientOptions: ParsableArguments {
    @Option(name: .long,
            help: ArgumentHelp("The agent's control socket (default: $ROUTED_SOCKET, else \(ControlAPI.defaultSocketPath)).",
                               valueName: "path"),
            completion: .file())
    var socket: String?

    @Option(name: [.short, .customLong("output")], help: "Output format: text or json.")
    var output: OutputFormat = .text

    @Option(help: ArgumentHelp("Give up when the agent has not answered within this many seconds.", valueName: "seconds"))
    var timeout = 30

    func validate() throws {
        guard (1...3600).contains(timeout) else { throw ValidationError("--timeout \(timeout): give 1 to 3600 seconds") }
    }

    /// The client for the socket chosen by `--socket`, `ROUTED_SOCKET` or the default.
    var client: AgentClient {
        AgentClient(socketPath: AgentClient.socketPath(option: socket), timeout: .seconds(timeout))
    }

    /// Prints `value` as `-o` asks: its JSON body, or the text `render` makes of it.
    func print<Value: Encodable>(_ value: Value, text render: (Value) -> String) throws {
        switch output {
        case .json:
            FileHandle.standardOutput.write(try ControlAPI.encoder.encode(value) + Data("\n".utf8))
        case .text:
            let text = render(value)
            FileHandle.standardOutput.write(Data((text.hasSuffix("\n") || text.isEmpty ? text : text + "\n").utf8))
        }
    }
}
