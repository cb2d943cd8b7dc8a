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
    /// orphaned. Reads the datastore directly, as `calicoctl ipam show` does; nothing is written.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show pools, blocks, usage, and leaked or orphaned entries.")

        @Option(help: "sqlite:PATH or etcd://HOST:PORT[,HOST:PORT...] (default: sqlite under --state-dir).")
        var datastore: String?

        @Option(help: "The agent's state directory, where the default SQLite file lives.")
        var stateDir = "/var/lib/routed"

        @Option(name: .shortAndLong, help: "Output format: text or json.")
        var output = "text"

        func validate() throws {
            guard ["text", "json"].contains(output) else { throw ValidationError("-o \(output): use text or json") }
            if let datastore { do { _ = try DatastoreSpec(parsing: datastore) } catch { throw ValidationError(error.description) } }
        }

        func run() async throws {
            let spec = try datastore.map { try DatastoreSpec(parsing: $0) } ?? .default(stateDirectory: stateDir)
            // Opening a SQLite path creates the file: refuse instead, so a typo changes nothing.
            if case .sqlite(let path) = spec, !FileManager.default.fileExists(atPath: path) {
                throw ValidationError("no datastore at \(path): start the agent first, or give --datastore sqlite:PATH of an existing file")
            }
            let report = try await IPAllocator(store: try spec.open()).report()
            if output == "json" {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                FileHandle.standardOutput.write(try encoder.encode(report) + Data("\n".utf8))
            } else {
                print(report.render(), terminator: "")
            }
        }
    }
}
