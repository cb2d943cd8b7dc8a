import Testing
import NIOCore
import BGPWire
import IPAddressing
@testable import BGPCore

/// Two state machines run against each other in memory, through the real codec, byte by byte.
@Suite struct SessionPairTests {
    /// One end: its FSM, the framer for the bytes it receives, and what it delivered.
    struct End {
        var fsm: SessionStateMachine
        var framer = BGPFramer()
        var delivered: [UpdateMessage] = []
        var established = false
        var wantsConnect = false

        /// Runs actions, returning the bytes they send.
        mutating func run(_ actions: [SessionAction]) -> [UInt8] {
            var out: [UInt8] = []
            for a in actions {
                switch a {
                case .send(let m): out += m.encoded(context: fsm.negotiated?.codec ?? .beforeOpen)
                case .deliverUpdate(let u): delivered.append(u)
                case .established: established = true
                case .connect: wantsConnect = true
                default: break
                }
            }
            return out
        }

        /// Feeds received bytes one at a time; returns the bytes sent in reply.
        mutating func receive(_ bytes: [UInt8]) -> [UInt8] {
            var out: [UInt8] = []
            for b in bytes {
                framer.append([b])
                do {
                    while let raw = try framer.next() {
                        let context = fsm.negotiated?.codec ?? .beforeOpen
                        let event: SessionEvent
                        do { event = .received(try BGPMessage.decode(raw, context: context)) } catch { event = .decodeFailed(error) }
                        out += run(fsm.handle(event))
                    }
                } catch {
                    out += run(fsm.handle(.decodeFailed(error)))
                }
            }
            return out
        }
    }

    /// Delivers bytes back and forth until neither side has anything to say.
    func exchange(_ a: inout End, _ b: inout End, aSends: [UInt8], bSends: [UInt8]) {
        var toB = aSends, toA = bSends
        var rounds = 0
        while (!toA.isEmpty || !toB.isEmpty) && rounds < 20 {
            let replyFromB = b.receive(toB)
            let replyFromA = a.receive(toA)
            toB = replyFromA
            toA = replyFromB
            rounds += 1
        }
    }

    @Test func twoSpeakersReachEstablishedAndExchangeRoutes() throws {
        var a = End(fsm: SessionStateMachine(configuration: routerA))
        var b = End(fsm: SessionStateMachine(configuration: routerB))
        _ = a.run(a.fsm.handle(.start))
        _ = b.run(b.fsm.handle(.startPassive))
        #expect(a.wantsConnect && a.fsm.state == .connect && b.fsm.state == .active)
        // The TCP connection comes up on both ends.
        let openA = a.run(a.fsm.handle(.tcpConnectionEstablished))
        let openB = b.run(b.fsm.handle(.tcpConnectionEstablished))
        exchange(&a, &b, aSends: openA, bSends: openB)
        #expect(a.fsm.state == .established && b.fsm.state == .established)
        #expect(a.established && b.established)
        #expect(a.fsm.negotiated?.holdTime == 30 && b.fsm.negotiated?.holdTime == 30)
        #expect(a.fsm.negotiated?.families == [.ipv4Unicast, .ipv6Unicast])

        // A's route reaches B's RIB.
        let route = UpdateMessage(attributes: PathAttributes([PathAttribute(.origin(.igp)), PathAttribute(.asPath(ASPath(sequence: [64512]))),
                                                              PathAttribute(.nextHop(IPv4Address(192, 0, 2, 1))),
                                                              PathAttribute(.largeCommunities([LargeCommunity(64512, 1, 7)]))]),
                                  nlri: [IPv4Prefix("10.244.1.0/26")!])
        exchange(&a, &b, aSends: BGPMessage.update(route).encoded(context: a.fsm.negotiated!.codec), bSends: [])
        #expect(b.delivered == [route])

        // A shuts down with a message; B learns why and both are Idle.
        let bye = a.run(a.fsm.handle(.manualStop(message: "draining host 1")))
        _ = b.receive(bye)
        #expect(a.fsm.state == .idle && b.fsm.state == .idle)
        #expect(b.fsm.lastError?.contains("draining host 1") == true)
    }

    @Test func aWrongASIsRefusedWithBadPeerAS() {
        var wrong = routerB
        wrong.localAS = 65001
        var a = End(fsm: SessionStateMachine(configuration: routerA))
        var b = End(fsm: SessionStateMachine(configuration: wrong))
        _ = a.run(a.fsm.handle(.start))
        _ = b.run(b.fsm.handle(.startPassive))
        let openA = a.run(a.fsm.handle(.tcpConnectionEstablished))
        let openB = b.run(b.fsm.handle(.tcpConnectionEstablished))
        exchange(&a, &b, aSends: openA, bSends: openB)
        #expect(a.fsm.state == .idle && b.fsm.state == .idle)
        #expect(a.fsm.lastError?.contains("65001") == true)
        #expect(b.fsm.lastError?.contains("OPEN Message Error subcode 2") == true)
    }

    @Test func garbageFromThePeerResetsWithTheRightNotification() {
        var a = End(fsm: machine(in: .established))
        let reply = a.receive([UInt8](repeating: 0xFF, count: 16) + [0x00, 0x05, 0x04])
        #expect(a.fsm.state == .idle)
        let n = try? BGPMessage.decode(bytes: reply, context: CodecContext())
        #expect(n == .notification(NotificationMessage(code: .messageHeaderError, subcode: 2, data: [0, 5])))
    }
}
