// routed-netlink-bench: install, replace and delete N /32 routes in a fresh namespace through
// routed's Netlink batches, the same N through `ip -batch`, and add/remove endpoints with
// LinuxDataplane. Everything happens in namespaces this program creates and deletes.
//
//   swift build -c release --product routed-netlink-bench
//   .build/release/routed-netlink-bench [ROUTES] [ENDPOINTS]      (defaults 1000000 1000; root)
import Dataplane
import Foundation
import IPAddressing
import Netlink

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

@discardableResult
func sh(_ arguments: [String]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
    p.arguments = ["300"] + arguments
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { throw NetlinkError.invalidArgument("\(arguments.joined(separator: " ")): \(out)") }
    return out
}

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let routeCount = arguments.first ?? 1_000_000
let endpointCount = arguments.dropFirst().first ?? 1_000
let tag = "rdbench\(getpid())"
nonisolated(unsafe) var namespaces: [String] = []
func makeNamespace(_ name: String) throws {
    try sh(["/usr/sbin/ip", "netns", "add", name])
    namespaces.append(name)
}
func cleanUp() {
    for name in namespaces { _ = try? sh(["/usr/sbin/ip", "netns", "del", name]) }
}
signal(SIGINT) { _ in cleanUp(); exit(130) }

func prefixes(_ n: Int) -> [IPPrefix] {
    (0..<n).map { .v4(IPv4Prefix(IPv4Address(0x0A00_0000 + UInt32($0)), length: 32)) }
}

func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    return s.isEmpty ? 0 : s[s.count / 2]
}

do {
    let routesNS = "\(tag)r"
    try makeNamespace(routesNS)
    let thread = try NamespaceThread(namespace: NetworkNamespace(named: routesNS))
    let (b0, b1) = try thread.netlink { nl -> (UInt32, UInt32) in
        try nl.perform(.createVeth(VethPair(name: "b0", peerName: "b1")))
        let lo = try nl.link(named: "lo")!, b0 = try nl.link(named: "b0")!, b1 = try nl.link(named: "b1")!
        for link in [lo, b0, b1] { try nl.perform(.setLink(LinkChange(index: link.index, up: true))) }
        return (b0.index, b1.index)
    }
    let all = prefixes(routeCount)
    print("routes: \(routeCount) /32 in namespace \(routesNS)")
    var results: [(String, Double)] = []
    for (label, make) in [
        ("install (route add)", { (p: IPPrefix) in NetlinkRequest.addRoute(Route(destination: p, scope: .link, interfaceIndex: b0)) }),
        ("replace (route replace, new dev)", { (p: IPPrefix) in NetlinkRequest.replaceRoute(Route(destination: p, scope: .link, interfaceIndex: b1)) }),
        ("delete (route del proto 201)", { (p: IPPrefix) in NetlinkRequest.deleteRoute(Route(destination: p, type: .unspecified)) }),
    ] as [(String, (IPPrefix) -> NetlinkRequest)] {
        let start = now()
        let failures = try thread.netlink { try $0.execute(all.lazy.map(make)) }
        let seconds = now() - start
        guard failures.isEmpty else { print("  \(label): \(failures.count) failures, first: \(failures[0])"); exit(1) }
        results.append((label, seconds))
        print("  routed " + label.padding(toLength: 34, withPad: " ", startingAt: 0)
              + String(format: " %6.2f s  %9.0f routes/s", seconds, Double(routeCount) / seconds))
    }
    // The same through ip -batch, in the same run.
    let file = "/tmp/\(tag).batch"
    var text = ""
    text.reserveCapacity(routeCount * 48)
    for p in all { text += "route add \(p) dev b0 proto 201 scope link\n" }
    try text.write(toFile: file, atomically: false, encoding: .utf8)
    var start = now()
    try sh(["/usr/sbin/ip", "-n", routesNS, "-batch", file])
    let ipAdd = now() - start
    print(String(format: "  ip -batch route add                        %6.2f s  %9.0f routes/s  (routed is %.1fx faster)",
                 ipAdd, Double(routeCount) / ipAdd, ipAdd / results[0].1))
    text = ""
    for p in all { text += "route del \(p) proto 201\n" }
    try text.write(toFile: file, atomically: false, encoding: .utf8)
    start = now()
    try sh(["/usr/sbin/ip", "-n", routesNS, "-batch", file])
    let ipDel = now() - start
    print(String(format: "  ip -batch route del                        %6.2f s  %9.0f routes/s  (routed is %.1fx faster)",
                 ipDel, Double(routeCount) / ipDel, ipDel / results[2].1))
    unlink(file)
    thread.stop()

    // Endpoints: spread over containers of 20 endpoints each (interfaces e0...e19).
    let hostNS = "\(tag)h"
    try makeNamespace(hostNS)
    try sh(["/usr/sbin/ip", "-n", hostNS, "link", "set", "lo", "up"])
    let perContainer = 20
    let containers = (endpointCount + perContainer - 1) / perContainer
    for c in 0..<containers { try makeNamespace("\(tag)c\(c)") }
    let dataplane = try LinuxDataplane(hostNamespacePath: "/run/netns/\(hostNS)", mtu: 1500)
    try dataplane.enableForwarding()
    var addTimes: [Double] = [], removeTimes: [Double] = []
    let specs = (0..<endpointCount).map { i in
        EndpointSpec(id: "bench-\(i)", namespacePath: "/run/netns/\(tag)c\(i / perContainer)",
                     interfaceName: "e\(i % perContainer)", ipv4: IPv4Address(0x0A40_0000 + UInt32(i) + 2))
    }
    let endpointsStart = now()
    for spec in specs {
        let t = now()
        _ = try dataplane.ensureEndpoint(spec)
        addTimes.append(now() - t)
    }
    let addTotal = now() - endpointsStart
    // Routable: a container in another namespace reaches it through the host routes (sampled).
    let sample = specs[specs.count - 1]
    let pong = try sh(["/usr/sbin/ip", "netns", "exec", "\(tag)c0", "ping", "-c", "1", "-W", "2", "\(sample.ipv4!)"])
    let removeStart = now()
    for spec in specs {
        let t = now()
        try dataplane.removeEndpoint(id: spec.id)
        removeTimes.append(now() - t)
    }
    let removeTotal = now() - removeStart
    print("endpoints: \(endpointCount) in \(containers) container namespaces")
    print(String(format: "  ensureEndpoint  median %.2f ms  p99 %.2f ms  total %.2f s", median(addTimes) * 1000,
                 addTimes.sorted()[addTimes.count * 99 / 100] * 1000, addTotal))
    print(String(format: "  removeEndpoint  median %.2f ms  p99 %.2f ms  total %.2f s", median(removeTimes) * 1000,
                 removeTimes.sorted()[removeTimes.count * 99 / 100] * 1000, removeTotal))
    print("  endpoint \(sample.ipv4!) answered ping from another container: \(pong.contains("1 received"))")
    cleanUp()
} catch {
    print("benchmark failed: \(error)")
    cleanUp()
    exit(1)
}
