import AgentAPI
import AgentClient

/// Shell completions that ask the running agent (network, endpoint and peer names, policy ids).
/// Each asks with a short timeout and offers nothing when no agent answers, so a tab never hangs.
///
/// The socket is the `--socket` already typed on the command line, else `ROUTED_SOCKET`, else the default.
enum AgentCompletion {
    static func networks(_ words: [String]) async -> [String] {
        (try? await client(words).networks().map(\.name)) ?? []
    }

    /// Network names plus the pseudo-networks a policy may name.
    static func policyNetworks(_ words: [String]) async -> [String] {
        await networks(words) + ["world", "host"]
    }

    static func endpoints(_ words: [String]) async -> [String] {
        (try? await client(words).endpoints().map(\.name)) ?? []
    }

    static func peers(_ words: [String]) async -> [String] {
        (try? await client(words).peers().map(\.address)) ?? []
    }

    static func policies(_ words: [String]) async -> [String] {
        (try? await client(words).policies().policies.map(\.id)) ?? []
    }

    private static func client(_ words: [String]) -> AgentClient {
        var option: String?
        for (i, word) in words.enumerated() {
            if word == "--socket", i + 1 < words.count { option = words[i + 1] }
            if word.hasPrefix("--socket=") { option = String(word.dropFirst("--socket=".count)) }
        }
        return AgentClient(socketPath: AgentClient.socketPath(option: option), timeout: .seconds(1))
    }
}
