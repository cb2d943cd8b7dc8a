import Testing
import TestScheduling
import Foundation
import InteropLab

/// A configured peer that sends garbage gets the right NOTIFICATION, and routed keeps serving its
/// other peer (BIRD) meanwhile.
@Suite(.blockingWork, .serialized, .enabled(if: interopAvailable, interopSkipReason))
struct GarbagePeerTests {
    @Test func garbageGetsAHeaderErrorAndTheOtherPeerStaysUp() async throws {
        let net = try PeerLink("garbage")
        defer { net.lab.cleanup() }
        // A second address on the peer side for the misbehaving "router".
        _ = try net.lab.run(net.peerNS, ["ip", "addr", "add", "192.0.2.9/32", "dev", "p0"])
        _ = try net.lab.run(net.routedNS, ["ip", "route", "add", "192.0.2.9/32", "dev", "r0"])
        let bird = try BirdRouter(lab: net.lab, namespace: net.peerNS, config: BirdConfig(routerID: "192.0.2.2", protocols: [
            .init(name: "routed", localAddress: PeerLink.peerV4, localAS: 65000, neighbor: PeerLink.routedV4, neighborAS: 64512),
        ], staticRoutes: [.init("198.51.100.0/24")]).render(logFile: net.lab.path("bird.log")))
        let routed = try RoutedSpeakerProcess(lab: net.lab, namespace: net.routedNS, arguments: [
            "--as", "64512", "--router-id", "192.0.2.1", "--listen", PeerLink.routedV4,
            "--peer", "\(PeerLink.peerV4),as=65000", "--peer", "192.0.2.9,as=65001,passive", "--originate", "10.244.6.0/26",
        ])
        defer { routed.stop() }
        try await bird.waitForState("routed")

        // The garbage peer: connect from 192.0.2.9, read our OPEN, send a header with a broken
        // marker, print what comes back (hex).
        let script = """
            import socket, sys, time
            s = socket.socket(); s.settimeout(10)
            s.bind(("192.0.2.9", 0)); s.connect(("192.0.2.1", 179))
            data = b""
            deadline = time.time() + 10
            while time.time() < deadline:
                data += s.recv(4096)
                if len(data) >= 19 and len(data) >= int.from_bytes(data[16:18], "big"): break
            s.sendall(b"\\xff" * 15 + b"\\x00" + b"\\x00\\x13\\x04")
            reply = b""
            try:
                while True:
                    chunk = s.recv(4096)
                    if not chunk: break
                    reply += chunk
            except socket.timeout:
                pass
            print(reply.hex())
            """
        let scriptPath = net.lab.path("garbage.py")
        try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let output = try net.lab.run(net.peerNS, ["python3", scriptPath], timeout: .seconds(20))
        let reply = output.trimmingCharacters(in: .whitespacesAndNewlines)
        // After our KEEPALIVE-less OpenSent: a NOTIFICATION, Message Header Error / Connection Not Synchronized.
        let notification = String(repeating: "ff", count: 16) + "0015" + "03" + "0101"
        #expect(reply.hasSuffix(notification), "routed answered \(reply)")

        // The BIRD session never dropped and still carries routes.
        #expect(try bird.protocolState("routed") == "Established")
        #expect(routed.downs(PeerLink.peerV4, containing: "") == 0)
        _ = try await routed.waitForRoute("198.51.100.0/24", from: PeerLink.peerV4)
        #expect(routed.transitions("192.0.2.9", containing: "Message Header Error") == 1)
    }
}
