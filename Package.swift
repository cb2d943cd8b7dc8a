// swift-tools-version: 6.0
// routed — a pure layer-3 container networking agent. See ARCHITECTURE.md for the shape.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "routed",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "routed", targets: ["routed"]),
        .library(name: "BGPWire", targets: ["BGPWire"]),
        .library(name: "IPAddressing", targets: ["IPAddressing"]),
        .library(name: "IPAM", targets: ["IPAM"]),
        .library(name: "Datastore", targets: ["Datastore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // Pure value types shared by every layer: addresses and prefixes (no I/O).
        .target(name: "IPAddressing", swiftSettings: strict),
        // Pure BGP-4 codec: messages, attributes, capabilities, framer, RFC 7606 errors.
        .target(
            name: "BGPWire",
            dependencies: ["IPAddressing", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict),
        // Command-line surface (argument-parser commands); `routed` is a thin main.
        .target(
            name: "RoutedCLI",
            dependencies: ["BGPWire", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),
        .executableTarget(name: "routed", dependencies: ["RoutedCLI"], swiftSettings: strict),

        // --- issue 7: IPAM and the datastore ---
        // Pure IPAM: pools, blocks (a bitmap each), allocation, GC, report; `protocol Datastore`.
        .target(name: "IPAM", dependencies: ["IPAddressing"], swiftSettings: strict),
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
        .testTarget(name: "IPAMTests", dependencies: ["IPAM", "IPAddressing"], swiftSettings: strict),
        .testTarget(
            name: "DatastoreTests",
            dependencies: ["Datastore", "IPAM", "IPAddressing", "routed-ipam-crash-helper"],
            swiftSettings: strict),
        // --- end issue 7 ---

        .testTarget(name: "IPAddressingTests", dependencies: ["IPAddressing"], swiftSettings: strict),
        .testTarget(
            name: "BGPWireTests",
            dependencies: ["BGPWire", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
