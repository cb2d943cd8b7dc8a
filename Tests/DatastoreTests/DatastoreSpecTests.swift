import Datastore
import Testing

@Suite struct DatastoreSpecTests {
    @Test(arguments: [
        ("sqlite:/var/lib/routed/routed.sqlite", DatastoreSpec.sqlite(path: "/var/lib/routed/routed.sqlite")),
        ("sqlite:relative.db", .sqlite(path: "relative.db")),
        ("etcd://127.0.0.1:2379", .etcd(endpoints: [.init(host: "127.0.0.1", port: 2379)])),
        ("etcd://a:1,b:2,[fd00::1]:2379", .etcd(endpoints: [.init(host: "a", port: 1), .init(host: "b", port: 2),
                                                             .init(host: "fd00::1", port: 2379)])),
    ])
    func parses(text: String, spec: DatastoreSpec) throws {
        #expect(try DatastoreSpec(parsing: text) == spec)
        #expect(spec.description == text)
    }

    @Test(arguments: [
        ("postgres://x", DatastoreSpecError.unknownScheme("postgres://x"), "expected sqlite:PATH or etcd://HOST:PORT"),
        ("sqlite:", .emptyPath("sqlite:"), "the SQLite path is empty"),
        ("etcd://host", .badEndpoint("host", in: "etcd://host"), "'host' is not HOST:PORT"),
        ("etcd://h:99999", .badEndpoint("h:99999", in: "etcd://h:99999"), "'h:99999' is not HOST:PORT"),
        ("etcd://a:1,", .badEndpoint("", in: "etcd://a:1,"), "'' is not HOST:PORT"),
        ("etcd://fd00::1:2379", .badEndpoint("fd00::1:2379", in: "etcd://fd00::1:2379"), "IPv6 as [ADDR]:PORT"),
    ] as [(String, DatastoreSpecError, String)])
    func refuses(text: String, error: DatastoreSpecError, message: String) {
        #expect(throws: error) { try DatastoreSpec(parsing: text) }
        #expect(error.description.contains(message))
    }

    @Test func defaultIsSQLiteUnderTheStateDirectory() {
        #expect(DatastoreSpec.default(stateDirectory: "/tmp/x") == .sqlite(path: "/tmp/x/routed.sqlite"))
    }
}
