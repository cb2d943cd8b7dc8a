import ArgumentParser
import Dispatch
import Foundation
import Logging
import NIOPosix
import BGPSpeaker
import BGPWire
import IPAddressing

/// `routed bgp-speaker`: routed's BGP speaker on its own, without the agent: peers, originates the
/// given prefixes, and prints every event as one JSON object per line. For testing a peering with a
/// gateway router before deploying the agent, and for the interoperability tests.
struct BGPSpeakerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bgp-speaker",
        abstract: "Run only the BGP speaker: peer, originate prefixes, print events as JSON lines.")

    @Option(name: .customLong("as"), help: "Our AS number (1-4294967295).")
    var localAS: UInt32

    @Option(help: "BGP identifier (A.B.C.D).")
    var routerID: String

    @Option(help: "Listen for peers on ADDR[:PORT] (port 179 by default; [ADDR]:PORT for IPv6).")
    var listen: String?

    @Option(name: .customLong("peer"), help: "ADDR[,as=N][,port=P][,local=ADDR][,password=S][,passive][,hold=S][,keepalive=S][,connect-retry=S][,ttl-security][,multihop=N][,next-hop=ADDR][,next-hop6=ADDR]")
    var peers: [String] = []

    @Option(name: .customLong("originate"), help: "PREFIX[,community=A:B][,large=A:B:C]: a route to announce.")
    var originate: [String] = []

    @Option(help: ArgumentHelp("Originate the routes of FILE as well, one PREFIX[,community=A:B][,large=A:B:C] a line (large tables, benchmarks).",
                               valueName: "FILE"))
    var originateFile: String?

    @Option(help: "Graceful restart time to advertise, in seconds (RFC 4724); 0 to not advertise it.")
    var gracefulRestart: UInt16 = 0

    @Flag(help: "Read 'announce PREFIX[,community=A:B][,large=A:B:C]' and 'withdraw PREFIX' lines from standard input.")
    var readCommands = false

    @Option(help: "Log level on standard error: trace, debug, info, notice, warning, error.")
    var logLevel: String = "notice"

    @Option(help: ArgumentHelp(
        "Print {\"event\":\"received\",\"prefixes\":N,\"wall\":UNIX-TIME} once the peers' received prefixes reach N (benchmarks); per-route events are then not printed.",
        valueName: "N"))
    var reportReceived: Int?

    func validate() throws {
        guard IPv4Address(routerID) != nil else { throw ValidationError("--router-id \(routerID) is not an IPv4 address (A.B.C.D)") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level \(logLevel) is not a log level") }
        if let listen { _ = try Self.parseListen(listen) }
        for p in peers { do { _ = try PeerSpec(parsing: p) } catch { throw ValidationError(error.description) } }
        for o in originate { _ = try Self.parseRoute(o) }
        if peers.isEmpty && listen == nil { throw ValidationError("give at least one --peer or --listen") }
        if let n = reportReceived, n <= 0 { throw ValidationError("--report-received \(n): give a prefix count above 0") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .notice
        var logger = Logger(label: "routed.bgp") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = level
        let (listenAddress, listenPort) = try listen.map(Self.parseListen) ?? (nil, 179)
        var config = SpeakerConfiguration(localAS: localAS, routerID: IPv4Address(routerID)!, listenAddress: listenAddress,
                                          listenPort: listenPort, peers: try peers.map { try PeerSpec(parsing: $0) })
        if gracefulRestart > 0 {
            config.gracefulRestart = GracefulRestartCapability(restartTime: gracefulRestart, families: [
                .init(family: .ipv4Unicast, forwardingPreserved: true), .init(family: .ipv6Unicast, forwardingPreserved: true)])
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let speaker = BGPSpeaker(configuration: config, group: group, logger: logger)
        var routes = try originate.map(Self.parseRoute)
        if let originateFile { routes += try Self.readRoutes(originateFile) }
        speaker.originate(routes)

        // SIGTERM and SIGINT: Cease/Administrative Shutdown to every peer, then exit.
        let signals = [SIGTERM, SIGINT].map { sig -> any DispatchSourceSignal in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { Task { await speaker.shutdown(message: "routed bgp-speaker stopped by signal \(sig)") } }
            source.resume()
            return source
        }
        try await speaker.start()
        if readCommands {
            let initial = routes
            Thread.detachNewThread { Self.readCommands(speaker: speaker, initial: initial) }
        }
        let counter = reportReceived.map { n in Task { await Self.reportWhenReceived(n, speaker: speaker) } }
        for await event in speaker.events {
            if case .routes = event, reportReceived != nil { continue }
            FileHandle.standardOutput.write(Data((EventJSON.line(event) + "\n").utf8))
        }
        counter?.cancel()
        signals.forEach { $0.cancel() }
        try await group.shutdownGracefully()
    }

    /// Polls the peers' received-prefix counts (`routed status`'s column, read on each session's
    /// event loop, so in order with the UPDATEs it processes) every 2 ms until they reach `target`,
    /// then prints one line with the wall-clock time; bounded to one hour.
    static func reportWhenReceived(_ target: Int, speaker: BGPSpeaker) async {
        let deadline = ContinuousClock.now + .seconds(3600)
        while !Task.isCancelled, ContinuousClock.now < deadline {
            let received = await speaker.status().reduce(0) { $0 + $1.received }
            if received >= target {
                let line = "{\"event\":\"received\",\"prefixes\":\(received),\"wall\":\(Date().timeIntervalSince1970)}\n"
                FileHandle.standardOutput.write(Data(line.utf8))
                return
            }
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Applies announce/withdraw lines from standard input until it closes; a bad line is reported
    /// as a warning event and changes nothing.
    static func readCommands(speaker: BGPSpeaker, initial: [OriginatedRoute]) {
        var routes = initial
        while let line = readLine() {
            let words = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard words.count == 2 else { continue }
            do {
                switch words[0] {
                case "announce":
                    let route = try parseRoute(words[1])
                    routes.removeAll { $0.prefix == route.prefix }
                    routes.append(route)
                case "withdraw":
                    guard let prefix = IPPrefix(words[1]) else { throw ValidationError("'\(words[1])' is not a prefix") }
                    routes.removeAll { $0.prefix == prefix }
                default:
                    throw ValidationError("unknown command '\(words[0])'; use announce or withdraw")
                }
                speaker.originate(routes)
            } catch {
                FileHandle.standardOutput.write(Data((EventJSON.line(.warning(peer: nil, message: "\(error)")) + "\n").utf8))
            }
        }
    }

    /// The routes of an `--originate-file`: one per line; blank lines and `#` comments are skipped.
    static func readRoutes(_ path: String) throws -> [OriginatedRoute] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("--originate-file \(path): cannot read it")
        }
        var routes: [OriginatedRoute] = []
        for (n, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
            let text = line.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty, !text.hasPrefix("#") else { continue }
            do { routes.append(try parseRoute(text)) } catch {
                throw ValidationError("--originate-file \(path) line \(n + 1): \(error)")
            }
        }
        return routes
    }

    static func parseListen(_ text: String) throws -> (IPAddress, Int) {
        if let a = IPAddress(text) { return (a, 179) }
        var host = text, port = "179"
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            port = String(text[close...].dropFirst(2))
        } else if let colon = text.lastIndex(of: ":") {
            host = String(text[..<colon])
            port = String(text[text.index(after: colon)...])
        }
        guard let a = IPAddress(host), let p = Int(port), (1...65535).contains(p) else {
            throw ValidationError("--listen \(text): expected ADDR, ADDR:PORT or [IPV6]:PORT")
        }
        return (a, p)
    }

    static func parseRoute(_ text: String) throws -> OriginatedRoute {
        let parts = text.split(separator: ",").map(String.init)
        guard let first = parts.first, let prefix = IPPrefix(first) else {
            throw ValidationError("--originate \(text): '\(parts.first ?? "")' is not a prefix with its host bits clear (10.0.0.0/24)")
        }
        var route = OriginatedRoute(prefix: prefix)
        for part in parts.dropFirst() {
            let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
            let fields = kv.count == 2 ? kv[1].split(separator: ":").compactMap { UInt32($0) } : []
            switch kv[0] {
            case "community" where fields.count == 2 && fields.allSatisfy({ $0 <= 0xFFFF }):
                route.communities.append(Community(asn: UInt16(fields[0]), value: UInt16(fields[1])))
            case "large" where fields.count == 3:
                route.largeCommunities.append(LargeCommunity(fields[0], fields[1], fields[2]))
            default:
                throw ValidationError("--originate \(text): '\(part)' is not community=A:B or large=A:B:C")
            }
        }
        return route
    }
}

/// One JSON object per event, for scripts and tests.
enum EventJSON {
    static func line(_ event: SpeakerEvent) -> String {
        let object: [String: Any]
        switch event {
        case .listening(let address): object = ["event": "listening", "address": address]
        case .stateChanged(let peer, let from, let to, let reason):
            object = ["event": "state", "peer": "\(peer)", "from": from, "to": to, "reason": reason]
        case .established(let peer, let asn, let hold, let families):
            object = ["event": "established", "peer": "\(peer)", "as": asn, "hold": hold, "families": families.map(\.description)]
        case .routes(let peer, let announced, let withdrawn):
            object = ["event": "routes", "peer": "\(peer)", "withdrawn": withdrawn.map(\.description),
                      "announced": announced.map { r -> [String: Any] in
                          ["prefix": "\(r.prefix)", "next-hop": r.nextHop.map { "\($0)" } ?? "",
                           "as-path": r.attributes.asPath?.segments.flatMap(\.asns) ?? [],
                           "communities": r.attributes.communities.map(\.description),
                           "large-communities": r.attributes.largeCommunities.map(\.description),
                           "local-pref": r.attributes.localPref.map { Int($0) } ?? -1,
                           "med": r.attributes.multiExitDisc.map { Int($0) } ?? -1]
                      }]
        case .endOfRIB(let peer, let family): object = ["event": "end-of-rib", "peer": "\(peer)", "family": family.description]
        case .sessionDown(let peer, let reason, let keeps):
            object = ["event": "down", "peer": "\(peer)", "reason": reason, "keeps-routes": keeps]
        case .warning(let peer, let message): object = ["event": "warning", "peer": peer.map { "\($0)" } ?? "", "message": message]
        }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
