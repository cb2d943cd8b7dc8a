import CMNL
import CNetlinkShim
import Glibc

/// An rtnetlink socket (`NETLINK_ROUTE`) over libmnl, bound to the network namespace of the thread
/// that opened it. Not thread-safe: use it from one thread (see `NamespaceThread`).
///
/// Options set at open: `SO_RCVBUFFORCE`/`SO_SNDBUFFORCE` (large batches lose no replies),
/// `NETLINK_EXT_ACK` (kernel error text), `NETLINK_CAP_ACK` (small ACKs),
/// `NETLINK_GET_STRICT_CHK` (dump filters applied by the kernel).
public final class NetlinkSocket {
    let handle: OpaquePointer
    let portID: UInt32
    public let fileDescriptor: Int32
    private var nextSequence: UInt32
    private let sendBuffer: UnsafeMutableRawPointer
    private let receiveBuffer: UnsafeMutableRawPointer
    static let sendCapacity = 320 * 1024
    /// A batch is flushed once it holds this many bytes; the rest of `sendCapacity` is the
    /// room one message may take (a multipath route with hundreds of next hops still fits).
    static let flushThreshold = 256 * 1024
    static let receiveCapacity = 256 * 1024

    /// Opens the socket and subscribes to `groups` (none for a request socket).
    /// - Parameters:
    ///   - bufferBytes: SO_RCVBUFFORCE / SO_SNDBUFFORCE size (needs CAP_NET_ADMIN; falls back to SO_RCVBUF).
    ///   - receiveTimeoutSeconds: bound on every wait for a reply (SO_RCVTIMEO).
    public init(groups: [MulticastGroup] = [], bufferBytes: Int32 = 32 << 20, receiveTimeoutSeconds: Int = 30) throws {
        guard let nl = mnl_socket_open(NETLINK_ROUTE) else { throw NetlinkError.system(call: "mnl_socket_open", errno: errno) }
        handle = nl
        fileDescriptor = mnl_socket_get_fd(nl)
        sendBuffer = .allocate(byteCount: Self.sendCapacity, alignment: 8)
        receiveBuffer = .allocate(byteCount: Self.receiveCapacity, alignment: 8)
        nextSequence = UInt32(truncatingIfNeeded: time(nil))
        do {
            guard mnl_socket_bind(nl, 0, pid_t(MNL_SOCKET_AUTOPID)) == 0 else { throw NetlinkError.system(call: "mnl_socket_bind", errno: errno) }
            portID = mnl_socket_get_portid(nl)
            try Self.setSocketOption(fileDescriptor, SOL_SOCKET, SO_RCVBUFFORCE, bufferBytes, fallback: SO_RCVBUF)
            try Self.setSocketOption(fileDescriptor, SOL_SOCKET, SO_SNDBUFFORCE, bufferBytes, fallback: SO_SNDBUF)
            for option in [NETLINK_EXT_ACK, NETLINK_CAP_ACK, NETLINK_GET_STRICT_CHK] {
                try Self.setSocketOption(fileDescriptor, SOL_NETLINK, option, 1)
            }
            for group in groups {
                try Self.setSocketOption(fileDescriptor, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, Int32(group.rawValue))
            }
            var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
            guard setsockopt(fileDescriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
                throw NetlinkError.system(call: "setsockopt(SO_RCVTIMEO)", errno: errno)
            }
        } catch {
            mnl_socket_close(nl)
            sendBuffer.deallocate()
            receiveBuffer.deallocate()
            throw error
        }
    }

    deinit {
        mnl_socket_close(handle)
        sendBuffer.deallocate()
        receiveBuffer.deallocate()
    }

    private static func setSocketOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32, fallback: Int32? = nil) throws {
        var v = value
        if setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size)) == 0 { return }
        let firstErrno = errno
        if let fallback, setsockopt(fd, level, fallback, &v, socklen_t(MemoryLayout<Int32>.size)) == 0 { return }
        throw NetlinkError.system(call: "setsockopt(level \(level), option \(name))", errno: firstErrno)
    }

    private func takeSequence() -> UInt32 {
        defer { nextSequence &+= 1 }
        return nextSequence
    }

    // MARK: - Requests

    /// Sends one request and waits for its ACK; throws the kernel's error (with ext-ack text).
    /// A request that does not encode throws `.invalidArgument` and sends nothing.
    public func perform(_ request: NetlinkRequest) throws {
        if let failure = try execute(CollectionOfOne(request)).first { throw failure.error }
    }

    /// Sends `requests` in batches (up to 256 KiB per `sendto`); only the last message of each batch
    /// asks for an ACK, the kernel reports every failure by sequence number anyway. rtnetlink batches
    /// are not atomic: each request succeeds or fails alone, so the result lists the failed ones
    /// (index into `requests`). A request that does not encode is reported the same way and not sent.
    public func execute<C: Collection>(_ requests: C) throws -> [BatchFailure] where C.Element == NetlinkRequest {
        var failures: [BatchFailure] = []
        var iterator = requests.makeIterator()
        var index = 0
        var sentIndices: [Int] = []
        sentIndices.reserveCapacity(8192)
        var exhausted = false
        while !exhausted {
            var offset = 0
            sentIndices.removeAll(keepingCapacity: true)
            let firstSequence = nextSequence
            var last: UnsafeMutablePointer<nlmsghdr>?
            while offset < Self.flushThreshold {
                guard let request = iterator.next() else { exhausted = true; break }
                defer { index += 1 }
                do {
                    let writer = try MessageWriter(
                        at: sendBuffer + offset, capacity: Self.sendCapacity - offset,
                        type: request.messageType, flags: request.flags, sequence: nextSequence)
                    try request.encode(writer)
                    _ = takeSequence()
                    offset += netlinkAlign(writer.length)
                    last = writer.header
                    sentIndices.append(index)
                } catch let error as NetlinkError {
                    failures.append(BatchFailure(index: index, error: error))
                }
            }
            guard let last else { continue }
            last.pointee.nlmsg_flags |= UInt16(NLM_F_ACK)
            try send(byteCount: offset)
            try awaitAcknowledgement(firstSequence: firstSequence, indices: sentIndices, requests: requests, failures: &failures)
        }
        return failures
    }

    private func send(byteCount: Int) throws {
        let sent = mnl_socket_sendto(handle, sendBuffer, byteCount)
        guard sent == byteCount else {
            throw NetlinkError.system(call: "sendto(\(byteCount) bytes)", errno: sent < 0 ? errno : EMSGSIZE)
        }
    }

    /// Reads replies until the ACK (or error) of the batch's last sequence number arrives.
    private func awaitAcknowledgement<C: Collection>(
        firstSequence: UInt32, indices: [Int], requests: C, failures: inout [BatchFailure]
    ) throws where C.Element == NetlinkRequest {
        let lastSequence = firstSequence &+ UInt32(indices.count - 1)
        var done = false
        var datagrams = 0
        while !done {
            datagrams += 1
            guard datagrams <= indices.count + 16 else { throw NetlinkError.malformed("no ACK for sequence \(lastSequence)") }
            let received = try receive("ACK for sequence \(lastSequence)")
            try forEachMessage(in: received) { message in
                guard message.type == ControlMessage.error, message.portID == 0 || message.portID == portID else { return }
                let position = Int(message.sequence &- firstSequence)
                guard position >= 0, position < indices.count else { return }  // a stale reply
                let (code, text) = try Self.parseError(message)
                if code != 0 {
                    let requestIndex = indices[position]
                    let request = requests[requests.index(requests.startIndex, offsetBy: requestIndex)]
                    failures.append(BatchFailure(index: requestIndex, error: .kernel(
                        operation: request.description, errno: code, sequence: message.sequence, extendedAck: text)))
                }
                if message.sequence == lastSequence { done = true }
            }
        }
    }

    /// `struct nlmsgerr` (error, then the original header, capped) and the ext-ack TLVs after it.
    static func parseError(_ message: MessageView) throws -> (errno: Int32, text: String?) {
        let payload = message.payload
        guard payload.count >= 4 + 16 else { throw NetlinkError.malformed("NLMSG_ERROR of \(payload.count) bytes") }
        let code = 0 &- payload.loadUnaligned(as: Int32.self)
        guard message.flags & UInt16(NLM_F_ACK_TLVS) != 0 else { return (code, nil) }
        let originalLength = Int(payload.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        let tlvStart = message.flags & UInt16(NLM_F_CAPPED) != 0 ? 4 + 16 : 4 + netlinkAlign(originalLength)
        guard tlvStart <= payload.count else { throw NetlinkError.malformed("NLMSG_ERROR TLVs start past its end") }
        var text: String?
        try forEachAttribute(in: UnsafeRawBufferPointer(rebasing: payload[tlvStart...])) { type, value in
            if type == UInt16(NLMSGERR_ATTR_MSG.rawValue) { text = String(value.string.prefix(512)) }
        }
        return (code, text)
    }

    /// One datagram from the socket (`recvfrom`), bounded by SO_RCVTIMEO.
    func receive(_ what: String) throws -> UnsafeRawBufferPointer {
        let n = mnl_socket_recvfrom(handle, receiveBuffer, Self.receiveCapacity)
        if n < 0 {
            let e = errno
            if e == EAGAIN || e == EWOULDBLOCK { throw NetlinkError.timedOut(what) }
            throw NetlinkError.system(call: "recvfrom", errno: e)
        }
        return UnsafeRawBufferPointer(start: receiveBuffer, count: n)
    }

    // MARK: - Dumps

    /// Sends a `NLM_F_DUMP` request and returns what `parse` makes of each reply message
    /// (nil skips it). A dump the kernel marks inconsistent (`NLM_F_DUMP_INTR`) is retried.
    func dump<T>(type: UInt16, operation: String, build: (MessageWriter) throws -> Void,
                 parse: (MessageView) throws -> T?) throws -> [T] {
        for _ in 0..<5 {
            let sequence = takeSequence()
            let writer = try MessageWriter(at: sendBuffer, capacity: Self.sendCapacity, type: type,
                                           flags: UInt16(NLM_F_REQUEST | NLM_F_DUMP), sequence: sequence)
            try build(writer)
            try send(byteCount: writer.length)
            var results: [T] = []
            var interrupted = false
            var done = false
            while !done {
                let received = try receive("\(operation) dump")
                try forEachMessage(in: received) { message in
                    guard message.sequence == sequence, !done else { return }
                    if message.flags & UInt16(NLM_F_DUMP_INTR) != 0 { interrupted = true }
                    switch message.type {
                    case ControlMessage.done:
                        done = true
                    case ControlMessage.error:
                        let (code, text) = try Self.parseError(message)
                        if code != 0 { throw NetlinkError.kernel(operation: operation, errno: code, sequence: sequence, extendedAck: text) }
                        done = true
                    default:
                        if let value = try parse(message) { results.append(value) }
                    }
                }
            }
            if !interrupted { return results }
        }
        throw NetlinkError.kernel(operation: operation, errno: EINTR, sequence: 0, extendedAck: "dump kept changing under us (NLM_F_DUMP_INTR, 5 tries)")
    }

    /// Sends one `NLM_F_REQUEST` get (no dump) and parses the single reply; nil when the kernel
    /// answers `notFound` (ENODEV for links, ENOENT/ESRCH elsewhere).
    func get<T>(type: UInt16, operation: String, notFound: Set<Int32>, build: (MessageWriter) throws -> Void,
                parse: (MessageView) throws -> T?) throws -> T? {
        let sequence = takeSequence()
        let writer = try MessageWriter(at: sendBuffer, capacity: Self.sendCapacity, type: type,
                                       flags: UInt16(NLM_F_REQUEST), sequence: sequence)
        try build(writer)
        try send(byteCount: writer.length)
        for _ in 0..<16 {
            var answer: Result<T?, NetlinkError>?
            try forEachMessage(in: try receive(operation)) { message in
                guard message.sequence == sequence, answer == nil else { return }
                if message.type == ControlMessage.error {
                    let (code, text) = try Self.parseError(message)
                    if code == 0 || notFound.contains(code) {
                        answer = .success(nil)
                    } else {
                        answer = .failure(.kernel(operation: operation, errno: code, sequence: sequence, extendedAck: text))
                    }
                } else {
                    answer = .success(try parse(message))
                }
            }
            if let answer { return try answer.get() }
        }
        throw NetlinkError.malformed("no reply to \(operation) (sequence \(sequence))")
    }

    // MARK: - Notifications

    /// Waits up to `timeoutMilliseconds` for notifications and returns those available (the socket
    /// must have been opened with `groups`). An `.overrun` event means some were lost (ENOBUFS):
    /// the caller must resynchronise with a dump.
    public func events(timeoutMilliseconds: Int32, maxDatagrams: Int = 64) throws -> [NetlinkEvent] {
        var events: [NetlinkEvent] = []
        var wait = timeoutMilliseconds
        for _ in 0..<maxDatagrams {
            var pfd = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, wait)
            if ready < 0 {
                if errno == EINTR { continue }
                throw NetlinkError.system(call: "poll", errno: errno)
            }
            if ready == 0 { break }
            wait = 0
            let received: UnsafeRawBufferPointer
            do {
                received = try receive("notification")
            } catch NetlinkError.system(_, let e) where e == ENOBUFS {
                events.append(.overrun)
                continue
            }
            try forEachMessage(in: received) { message in
                if let event = try NetlinkEvent(parsing: message) { events.append(event) }
            }
        }
        return events
    }
}
