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
        .library(name: "BGPCore", targets: ["BGPCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
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
        .target(name: "BGPCore", dependencies: ["BGPWire", "IPAddressing"], swiftSettings: strict),
        // Command-line surface (argument-parser commands); `routed` is a thin main.
        .target(
            name: "RoutedCLI",
            dependencies: ["BGPWire", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),
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

        .testTarget(name: "BGPCoreTests", dependencies: ["BGPCore", "BGPWire", "IPAddressing"], swiftSettings: strict),
        .testTarget(name: "IPAddressingTests", dependencies: ["IPAddressing"], swiftSettings: strict),
        .testTarget(
            name: "BGPWireTests",
            dependencies: ["BGPWire", "BGPWireFuzz", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict),

        // Interop test harness: network namespaces, veth links and BIRD/GoBGP/FRR daemons (Foundation).
        .target(name: "InteropLab", path: "Tests/InteropLab", swiftSettings: strict),
        .testTarget(name: "InteropLabTests", dependencies: ["InteropLab"], swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
