import AgentClient
import ArgumentParser
import Foundation
import Datastore
import IPAM

/// `routed ipam ...`: address management.
struct IPAMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ipam", abstract: "Address management: pools, blocks, allocations.",
        subcommands: [Show.self])

    /// `routed ipam show`: pools, blocks with their host and network, usage, and what is leaked or
    /// orphaned. Asks the running agent (`GET /v1/ipam`); with `--datastore` (or `--state-dir`) it
    /// reads the datastore directly instead, as `calicoctl ipam show` does, and writes nothing.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show pools, blocks, usage, and leaked or orphaned entries.",
            discussion: "Through the agent by default; --datastore or --state-dir reads the datastore directly (no agent needed).")

        @Option(help: ArgumentHelp("Read this datastore directly: sqlite:PATH or etcd://HOST:PORT[,HOST:PORT...].", valueName: "spec"))
        var datastore: String?

        @Option(help: ArgumentHelp("Read the default SQLite file under this state directory directly.", valueName: "dir"),
                completion: .directory)
        var stateDir: String?

        @OptionGroup var options: ClientOptions

        func validate() throws {
            if let datastore { do { _ = try DatastoreSpec(parsing: datastore) } catch { throw ValidationError(error.description) } }
            if (datastore != nil || stateDir != nil), options.socket != nil {
                throw ValidationError("--socket asks the agent, --datastore/--state-dir read the store directly: give one or the other")
            }
        }

        func run() async throws {
            if datastore != nil || stateDir != nil { return try await direct() }
            let client = options.client
            switch options.output {
            case .json: FileHandle.standardOutput.write(try await client.ipamJSON() + Data("\n".utf8))
            case .text: print(IPAMText.render(try await client.ipam()), terminator: "")
            }
        }

        private func direct() async throws {
            let spec = try datastore.map { try DatastoreSpec(parsing: $0) } ?? .default(stateDirectory: stateDir ?? "/var/lib/routed")
            // Opening a SQLite path creates the file: refuse instead, so a typo changes nothing.
            if case .sqlite(let path) = spec, !FileManager.default.fileExists(atPath: path) {
                throw ValidationError("no datastore at \(path): start the agent first, or give --datastore sqlite:PATH of an existing file")
            }
            let report = try await IPAllocator(store: try spec.open()).report()
            if options.output == .json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                FileHandle.standardOutput.write(try encoder.encode(report) + Data("\n".utf8))
            } else {
                print(report.render(), terminator: "")
            }
        }
    }
}
