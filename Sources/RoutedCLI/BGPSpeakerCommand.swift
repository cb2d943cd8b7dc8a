import ArgumentParser
import BGPCore
import Dispatch
import Foundation
import Logging
import NIOPosix
import BGPSpeaker
import BGPWire
import IPAddressing

/// `routed bgp-speaker`: routed's BGP speaker on its own, without the agent: peers, originates the
/// given prefixes, passes routes between its peers through its Loc-RIB, and prints every event and
/// every Loc-RIB change as one JSON object per line. For testing a peering with a gateway router
/// before deploying the agent, and for the interoperability tests. Unlike the agent, a peer given
/// no `import=`/`export=` takes `all` both ways (a lab tool); name `none` for RFC 8212's defaults.
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

    @Option(name: .customLong("peer"), help: "ADDR[,as=N][,port=P][,local=ADDR][,password=S][,passive][,hold=S][,keepalive=S][,connect-retry=S][,ttl-security][,multihop=N][,max-prefix=N][,next-hop=ADDR][,next-hop6=ADDR][,import=POLICY][,export=POLICY][,rr-client] (policies: all, none, default-route; default all)")
    var peers: [String] = []

    @Option(name: .customLong("originate"), help: "PREFIX[,community=A:B][,large=A:B:C]: a route to announce.")
    var originate: [String] = []

    @Option(help: ArgumentHelp("Originate the routes of FILE as well, one PREFIX[,community=A:B][,large=A:B:C] a line (large tables, benchmarks).",
                               valueName: "FILE"))
    var originateFile: String?

    @Option(help: "Graceful restart time to advertise, in seconds (RFC 4724); 0 to not advertise it.")
    var gracefulRestart: UInt16 = 0

    @Flag(help: "We restarted with forwarding kept: advertise the Restart State bit (RFC 4724 section 3).")
    var restarting = false

    @Option(help: "Route-reflector cluster ID (A.B.C.D, RFC 4456); our router ID by default once a peer is rr-client.")
    var clusterID: String?

    @Flag(inversion: .prefixedNo, help: "Print each batch of Loc-RIB changes as a 'rib' JSON line.")
    var ribEvents = true

    @Flag(inversion: .prefixedNo, help: "Print each received UPDATE's routes as a 'routes' JSON line (off for large tables).")
    var routeEvents = true

    @Flag(help: "Read 'announce PREFIX[,community=A:B][,large=A:B:C]' and 'withdraw PREFIX' lines from standard input.")
    var readCommands = false

    @Option(help: "Log level on standard error: trace, debug, info, notice, warning, error.")
    var logLevel: String = "notice"

    @Option(help: ArgumentHelp(
        "Print {\"event\":\"accepted\",\"prefixes\":N,\"wall\":UNIX-TIME} once the peers' paths in the Loc-RIB reach N (benchmarks; with --no-route-events --no-rib-events for large tables).",
        valueName: "N"))
    var reportAccepted: Int?

    func validate() throws {
        guard IPv4Address(routerID) != nil else { throw ValidationError("--router-id \(routerID) is not an IPv4 address (A.B.C.D)") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level \(logLevel) is not a log level") }
        if let listen { _ = try Self.parseListen(listen) }
        for p in peers { do { _ = try PeerSpec(parsing: p) } catch { throw ValidationError(error.description) } }
        for o in originate { _ = try Self.parseRoute(o) }
        if peers.isEmpty && listen == nil { throw ValidationError("give at least one --peer or --listen") }
        if let n = reportAccepted, n <= 0 { throw ValidationError("--report-accepted \(n): give a prefix count above 0") }
        if let clusterID, IPv4Address(clusterID) == nil { throw ValidationError("--cluster-id \(clusterID) is not A.B.C.D") }
        if restarting && gracefulRestart == 0 { throw ValidationError("--restarting needs --graceful-restart SECONDS") }
        do { try configuration(listenAddress: nil, listenPort: 179).validate() } catch { throw ValidationError("\(error)") }
    }

    /// The speaker's configuration; peers without policies take `all` (see the command's abstract).
    func configuration(listenAddress: IPAddress?, listenPort: Int) throws -> SpeakerConfiguration {
        let specs = try peers.map { text -> PeerSpec in
            var spec = try PeerSpec(parsing: text)
            spec.importPolicy = spec.importPolicy ?? "all"
            spec.exportPolicy = spec.exportPolicy ?? "all"
            return spec
        }
        var config = SpeakerConfiguration(localAS: localAS, routerID: IPv4Address(routerID)!, listenAddress: listenAddress,
                                          listenPort: listenPort, peers: specs, clusterID: clusterID.flatMap(IPv4Address.init),
                                          reportReceivedRoutes: routeEvents, publishesRIBChanges: ribEvents)
        if gracefulRestart > 0 {
            config.gracefulRestart = GracefulRestartCapability(restartState: restarting, restartTime: gracefulRestart, families: [
                .init(family: .ipv4Unicast, forwardingPreserved: true), .init(family: .ipv6Unicast, forwardingPreserved: true)])
        }
        return config
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .notice
        var logger = Logger(label: "routed.bgp") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = level
        let (listenAddress, listenPort) = try listen.map(Self.parseListen) ?? (nil, 179)
        let config = try configuration(listenAddress: listenAddress, listenPort: listenPort)
        // One loop per core (at least two), as the agent has (`MultiThreadedEventLoopGroup.singleton`):
        // the RIB gets one and the sessions the others, so a long table walk does not hold back
        // their writes (a loop runs queued tasks before it looks at its sockets again).
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(2, ProcessInfo.processInfo.activeProcessorCount))
        let speaker = BGPSpeaker(configuration: config, group: group, logger: logger)
        var routes = try originate.map(Self.parseRoute)
        if let originateFile { routes += try Self.readRoutes(originateFile) }
        try await speaker.originateBeforeStart(routes)

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
        let counter = reportAccepted.map { n in Task { await Self.reportWhenAccepted(n, speaker: speaker) } }
        let rib = Task {
            for await batch in speaker.ribChanges { EventJSON.write(EventJSON.line(rib: batch)) }
        }
        for await event in speaker.events { EventJSON.write(EventJSON.line(event)) }
        await rib.value
        counter?.cancel()
        signals.forEach { $0.cancel() }
        try await group.shutdownGracefully()
    }

    /// Polls the peers' accepted counts (`routed status`'s column: their paths in the Loc-RIB, read
    /// on the RIB's event loop, so in order with the UPDATEs it applies) every 2 ms until they reach
    /// `target`, then prints one line with the wall-clock time; bounded to one hour.
    static func reportWhenAccepted(_ target: Int, speaker: BGPSpeaker) async {
        let deadline = ContinuousClock.now + .seconds(3600)
        while !Task.isCancelled, ContinuousClock.now < deadline {
            let accepted = await speaker.status().reduce(0) { $0 + $1.accepted }
            if accepted >= target {
                EventJSON.write("{\"event\":\"accepted\",\"prefixes\":\(accepted),\"wall\":\(Date().timeIntervalSince1970)}")
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
                EventJSON.write(EventJSON.line(.warning(peer: nil, message: "\(error)")))
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
    private static let lock = NSLock()

    /// Writes one line; lines from the event and RIB streams never interleave.
    static func write(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// A batch of Loc-RIB changes: `{"event":"rib","changes":[{"prefix":…,"best":{…} or null}]}`.
    static func line(rib batch: RIBChanges) -> String {
        let changes = batch.map { change -> [String: Any] in
            guard let best = change.best else { return ["prefix": "\(change.prefix)", "best": NSNull()] }
            let a = best.attributes.attributes
            return ["prefix": "\(change.prefix)",
                    "best": ["peer": best.peer.isLocal ? "local" : "\(best.peer.address)",
                             "next-hop": best.attributes.nextHop.map { "\($0)" } ?? "",
                             "as-path": a.asPath?.segments.flatMap(\.asns) ?? [],
                             "local-pref": a.localPref.map { Int($0) } ?? -1,
                             "originator-id": a.originatorID.map { "\($0)" } ?? "",
                             "cluster-list": a.clusterList.map { "\(IPv4Address($0))" },
                             "reason": best.reason.rawValue] as [String: Any]]
        }
        return serialize(["event": "rib", "changes": changes])
    }

    /// The object with `time` (seconds since 1970, when the line was made) as JSON.
    static func serialize(_ object: [String: Any]) -> String {
        var object = object
        object["time"] = Date().timeIntervalSince1970
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

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
        return serialize(object)
    }
}
