// swift-tools-version: 6.0
// routed — a pure layer-3 container networking agent. See ARCHITECTURE.md for the shape.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "routed",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "routed", targets: ["routed"]),
        .library(name: "BGPWire", targets: ["BGPWire"]),
        .library(name: "IPAddressing", targets: ["IPAddressing"]),
        .library(name: "BGPCore", targets: ["BGPCore"]),
        .library(name: "Policy", targets: ["Policy"]),
        .library(name: "Netlink", targets: ["Netlink"]),
        .library(name: "PolicyKernel", targets: ["PolicyKernel"]),
        .library(name: "Dataplane", targets: ["Dataplane"]),
        .library(name: "IPAM", targets: ["IPAM"]),
        .library(name: "Datastore", targets: ["Datastore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        // --- issue 8: the agent ---
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        // --- end issue 8 ---
    ],
    targets: [
        // Pure value types shared by every layer: addresses and prefixes (no I/O).
        .target(name: "IPAddressing", swiftSettings: strict),
        // Pure BGP-4 codec: messages, attributes, capabilities, framer, RFC 7606 errors.
        .target(
            name: "BGPWire",
            dependencies: ["IPAddressing", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict),
        // Pure BGP logic: the RFC 4271 session FSM (and, next, the RIB and policy). No I/O, no clock.
        .target(name: "BGPCore", dependencies: ["BGPWire", "IPAddressing", "SeededRandom"], swiftSettings: strict),
        // The BGP transport: SwiftNIO listener and connections executing BGPCore's FSM; TCP MD5, GTSM.
        .target(
            name: "BGPSpeaker",
            dependencies: ["BGPCore", "BGPWire", "IPAddressing",
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        // Command-line surface (argument-parser commands); `routed` is a thin main.
        .target(
            name: "RoutedCLI",
            dependencies: ["BGPWire", "BGPCore", "BGPSpeaker", "IPAddressing", "IPAM", "Datastore", "AgentAPI", "AgentClient", "Policy", "Agent", "Lab",
                           .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "NIOPosix", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            swiftSettings: strict),
        // Pure network isolation model: networks, policies, memberships → nftables ruleset model.
        .target(name: "Policy", dependencies: ["IPAddressing"], swiftSettings: strict),
        // --- Linux dataplane (issue 5): libmnl, a tiny C helper, rtnetlink in Swift.
        .systemLibrary(name: "CMNL", pkgConfig: "libmnl", providers: [.apt(["libmnl-dev"])]),
        .target(name: "CNetlinkShim", linkerSettings: [.linkedLibrary("mnl")]),
        .target(name: "Netlink", dependencies: ["IPAddressing", "CMNL", "CNFTNL", "CNetlinkShim"], swiftSettings: strict),
        .testTarget(name: "NetlinkTests", dependencies: ["TestScheduling", "Netlink", "IPAddressing", "RoutedTestKit"], swiftSettings: strict),
        .target(name: "Dataplane", dependencies: ["IPAddressing", "Netlink"], swiftSettings: strict),
        .target(name: "RoutedTestKit", dependencies: ["Dataplane", "IPAddressing", "Netlink",
                                                 .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                                                 .product(name: "NIOHTTP1", package: "swift-nio")], swiftSettings: strict),
        .executableTarget(
            name: "routed-netlink-bench", dependencies: ["Dataplane", "Netlink", "IPAddressing"], swiftSettings: strict),
        .testTarget(
            name: "DataplaneTests", dependencies: ["TestScheduling", "Dataplane", "RoutedTestKit", "Netlink", "IPAddressing"],
            swiftSettings: strict),
        // ---
        .executableTarget(name: "routed", dependencies: ["RoutedCLI"], swiftSettings: strict),
        // libFuzzer entry point for the framer and decoder (contrib/fuzz.sh); a replay tool otherwise.
        .executableTarget(
            name: "BGPWireFuzz",
            dependencies: ["BGPWire", "CFuzzDriver", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict),
        .target(name: "CFuzzDriver"),

        // Benchmarks (release builds; see BENCHMARKS.md). The C target counts heap allocations.
        .target(name: "CAllocationCounter"),
        .executableTarget(
            name: "BGPWireBench",
            dependencies: ["BGPWire", "IPAddressing", "CAllocationCounter", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict),

        // --- issue 4: the Loc-RIB's memory and ingest rate, in process (BENCHMARKS.md, "RIB ingest") ---
        .executableTarget(
            name: "routed-rib-bench",
            dependencies: ["BGPCore", "BGPWire", "IPAddressing", "CAllocationCounter", .product(name: "NIOCore", package: "swift-nio")],
            path: "Benchmarks/RIBBench", swiftSettings: strict),
        // --- end issue 4 ---

        .testTarget(name: "BGPCoreTests", dependencies: ["BGPCore", "BGPWire", "IPAddressing", "SeededRandom"], swiftSettings: strict),
        .testTarget(
            name: "BGPSpeakerTests",
            dependencies: ["TestScheduling", "BGPSpeaker", "BGPCore", "BGPWire", "IPAddressing", .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .testTarget(name: "PolicyTests", dependencies: ["TestScheduling", "Policy", "PolicyKernel", "Netlink", "IPAddressing"], swiftSettings: strict),
        // --- issue 6: nftables through libnftnl ---
        .systemLibrary(name: "CNFTNL", pkgConfig: "libnftnl", providers: [.apt(["libnftnl-dev"])]),
        // Ruleset (Policy) → one atomic nf_tables batch (Netlink's libnftnl builder).
        .target(name: "PolicyKernel", dependencies: ["Policy", "Netlink", "IPAddressing"], swiftSettings: strict),
        .executableTarget(name: "routed-policy-bench", dependencies: ["Policy", "PolicyKernel", "Netlink", "IPAddressing"],
                          path: "Benchmarks/PolicyBench", swiftSettings: strict),
        // --- end issue 6 ---
        // --- issue 7: IPAM and the datastore ---
        // Pure IPAM: pools, blocks (a bitmap each), allocation, GC, report; `protocol Datastore`.
        .target(name: "IPAM", dependencies: ["IPAddressing"], swiftSettings: strict),
        // SplitMix64, the one seeded generator: FSM jitter and replayable property tests.
        .target(name: "SeededRandom", swiftSettings: strict),
        // The control API's request and response bodies, shared by the agent and the CLI (Foundation only).
        .target(name: "AgentAPI", swiftSettings: strict),
        // Datastore implementations: SQLite (GRDB, WAL), etcd v3 (JSON gateway via async-http-client),
        // and the allocator service over any store.
        .target(
            name: "Datastore",
            dependencies: ["IPAM", "IPAddressing", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client")],
            swiftSettings: strict),
        // Test helper: allocates in a loop against a SQLite file so a test can kill -9 it mid-way.
        .executableTarget(name: "routed-ipam-crash-helper", dependencies: ["Datastore", "IPAM"],
                          path: "Tests/Helpers/CrashHelper", swiftSettings: strict),
        // Release-mode micro-benchmark of allocate + release (BENCHMARKS.md).
        .executableTarget(name: "routed-ipam-bench", dependencies: ["Datastore", "IPAM"],
                          path: "Benchmarks/IPAMBench", swiftSettings: strict),
        .testTarget(name: "IPAMTests", dependencies: ["IPAM", "IPAddressing", "SeededRandom"], swiftSettings: strict),
        .testTarget(
            name: "DatastoreTests",
            dependencies: ["TestScheduling", "Datastore", "IPAM", "IPAddressing", "SeededRandom", "routed-ipam-crash-helper",
                           // the test etcd runs in a namespace; the client's event loop enters it
                           "Netlink", "CNetlinkShim", .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           // the schema migration test writes a file with the old schema
                           .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        // --- end issue 7 ---
        // --- issue 8: the agent (daemon half) ---
        // The daemon: configuration, wiring datastore → IPAM → dataplane → BGP → FIB/policy, control API, metrics.
        .target(
            name: "Agent",
            dependencies: ["AgentAPI", "BGPCore", "BGPSpeaker", "BGPWire", "IPAddressing", "IPAM", "Datastore",
                           "Dataplane", "Netlink", "Policy", "PolicyKernel",
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "Prometheus", package: "swift-prometheus"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "Yams", package: "Yams"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: strict),
        .testTarget(
            name: "AgentTests",
            dependencies: ["TestScheduling", "Agent", "AgentAPI", "RoutedTestKit", "Datastore", "IPAM", "IPAddressing", "BGPCore", "BGPWire", "BGPSpeaker",
                           "Dataplane", "Policy", "Netlink", "InteropLab", "routed",
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        // --- end issue 8 ---

        .testTarget(name: "IPAddressingTests", dependencies: ["IPAddressing"], swiftSettings: strict),
        .testTarget(
            name: "BGPWireTests",
            dependencies: ["BGPWire", "BGPWireFuzz", "SeededRandom", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict),

        // A task executor (and the `.blockingWork` suite trait) for tests that block their thread.
        .target(name: "TestScheduling", path: "Tests/TestScheduling", swiftSettings: strict),
        .testTarget(name: "TestSchedulingTests", dependencies: ["TestScheduling"], swiftSettings: strict),
        // Interop test harness: network namespaces, veth links and BIRD/GoBGP/FRR daemons (Foundation).
        .target(name: "InteropLab", dependencies: ["Lab"], path: "Tests/InteropLab", swiftSettings: strict),
        .testTarget(name: "InteropLabTests", dependencies: ["TestScheduling", "InteropLab"], swiftSettings: strict),
        // --- issue 8, CLI half: the control API client and the commands that use it ---
        // A typed client of every ControlAPI path over the agent's Unix socket (async-http-client, http+unix).
        .target(
            name: "AgentClient",
            dependencies: ["AgentAPI", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio")],
            swiftSettings: strict),
        // The client against a real HTTP/1.1 server on a Unix socket the test creates (NIO).
        .testTarget(
            name: "AgentClientTests",
            dependencies: ["AgentClient", "AgentAPI", "RoutedTestKit", .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio")],
            swiftSettings: strict),
        // The `routed` executable's commands, run as a user would; the text renderers; contrib/ configs in BIRD and FRR.
        .testTarget(
            name: "CLITests",
            dependencies: ["TestScheduling", "Datastore", "IPAM", "routed", "RoutedCLI", "AgentAPI", "InteropLab", "RoutedTestKit",
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio")],
            swiftSettings: strict),
        // --- end issue 8, CLI half ---
        // routed's speaker against BIRD, GoBGP and FRR in namespaces (runs the `routed` executable).
        .testTarget(name: "InteropTests", dependencies: ["TestScheduling", "InteropLab", "routed"], swiftSettings: strict),
        // --- issue 9: routed lab and the end-to-end acceptance ---
        // `routed lab up|down|status`: hosts, a BIRD gateway, a client and agents in namespaces (Foundation only).
        .target(name: "Lab", swiftSettings: strict),
        // The five acceptance steps against a lab made by the Lab library, as `routed lab up` makes it.
        .testTarget(name: "LabTests", dependencies: ["TestScheduling", "Lab", "routed", "routed-lab-bench"], swiftSettings: strict),
        // The headline benchmarks: throughput, convergence and scale in a lab (BENCHMARKS.md).
        .executableTarget(name: "routed-lab-bench",
                          dependencies: ["Lab", "AgentAPI", "AgentClient", "Netlink",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          path: "Benchmarks/LabBench", swiftSettings: strict),
        // --- end issue 9 ---
    ],
    swiftLanguageModes: [.v6]
)
