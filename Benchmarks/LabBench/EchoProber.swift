import Foundation
import Glibc
import Lab
import Netlink

/// Echo requests from inside one of the lab's namespaces: a raw ICMP socket opened on a thread
/// that entered the namespace (a socket stays in the namespace it was opened in), used from that
/// thread only. `ip netns exec NS ping -i 0.001 ADDR`, without a process per probe and with the
/// time of each first reply.
final class EchoProber: Sendable {
    private let thread: NamespaceThread
    private let identifier: UInt16

    /// `namespace` is a name under /run/netns.
    init(namespace: String) throws {
        thread = try NamespaceThread(namespace: NetworkNamespace(named: namespace))
        identifier = UInt16.random(in: 1...UInt16.max)
    }

    deinit { thread.stop() }

    /// Sends echo requests to the addresses of `targets` that have not answered yet, round-robin,
    /// at most `burst` per round and one round every `interval` (so a thousand targets do not
    /// overflow the socket or the kernel's per-CPU backlog: a dropped request is just retried on
    /// the target's next turn), until each has answered once or `timeout` has passed; returns when
    /// each answered first. Sends that fail (no route yet: ENETUNREACH) are retried the same way.
    func firstReplies(to targets: [String], burst: Int = 1, interval: Duration, timeout: Duration) throws -> [String: ContinuousClock.Instant] {
        let ident = identifier
        return try thread.run { () throws -> [String: ContinuousClock.Instant] in
            let fd = socket(AF_INET, Int32(SOCK_RAW.rawValue), Int32(IPPROTO_ICMP))
            guard fd >= 0 else { throw NetlinkError.system(call: "socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)", errno: errno) }
            defer { close(fd) }
            var pending: [UInt32: String] = [:]   // s_addr (network order) → text
            var turns: [UInt32] = []               // the round-robin order
            for t in targets {
                var a = in_addr()
                guard inet_pton(AF_INET, t, &a) == 1 else { throw BenchError.badAddress(t) }
                if pending.updateValue(t, forKey: a.s_addr) == nil { turns.append(a.s_addr) }
            }
            var cursor = 0
            var answered: [String: ContinuousClock.Instant] = [:]
            let clock = ContinuousClock(), deadline = clock.now + timeout
            var sequence: UInt16 = 0
            var buffer = [UInt8](repeating: 0, count: 2048)
            while !pending.isEmpty, clock.now < deadline {
                sequence &+= 1
                let packet = EchoPacket.request(identifier: ident, sequence: sequence)
                var sent = 0
                while sent < burst, !turns.isEmpty {
                    if cursor >= turns.count {   // a new cycle: drop the ones that answered
                        turns.removeAll { pending[$0] == nil }
                        cursor = 0
                        if turns.isEmpty { break }
                    }
                    let address = turns[cursor]
                    cursor += 1
                    guard pending[address] != nil else { continue }
                    var to = sockaddr_in()
                    to.sin_family = sa_family_t(AF_INET)
                    to.sin_addr.s_addr = address
                    let n = packet.withUnsafeBytes { bytes in
                        withUnsafePointer(to: &to) {
                            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                                sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT), $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                            }
                        }
                    }
                    if n < 0, errno == EAGAIN || errno == ENOBUFS { cursor -= 1; break }   // full: this one again next round
                    sent += 1
                }
                let roundEnd = min(clock.now + interval, deadline)
                while !pending.isEmpty {
                    let left = clock.now.duration(to: roundEnd)
                    guard left > .zero else { break }
                    var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                    // Rounded up to whole milliseconds (poll's unit), so a short wait still waits.
                    let ms = Int32(left.components.seconds * 1000 + (left.components.attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
                    guard poll(&pfd, 1, ms) > 0 else { continue }
                    while true {
                        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                        guard n > 0 else { break }
                        let at = clock.now
                        guard let reply = EchoPacket.reply(in: buffer[0..<n]), reply.identifier == ident else { continue }
                        let source = reply.source.withUnsafeBytes { $0.load(as: UInt32.self) }
                        if let text = pending.removeValue(forKey: source) { answered[text] = at }
                    }
                }
            }
            return answered
        }
    }
}

enum BenchError: Error, CustomStringConvertible {
    case badAddress(String)
    case failed(String)

    var description: String {
        switch self {
        case .badAddress(let a): "not an IPv4 address: \(a)"
        case .failed(let what): what
        }
    }
}
