import CMNL
import Glibc

/// A `NETLINK_NETFILTER` socket over libmnl that applies `NFTBatch`es: one `sendto` per batch,
/// then the replies are read until the last command's ACK. Bound to the network namespace of
/// the thread that opened it (see `NamespaceThread`). Not thread-safe.
public final class NFTablesSocket {
    let handle: OpaquePointer
    let portID: UInt32
    let receiveBuffer: UnsafeMutableRawPointer
    static let receiveCapacity = 256 * 1024

    /// - Parameter bufferBytes: SO_SNDBUFFORCE/SO_RCVBUFFORCE: the whole batch goes in one datagram.
    public init(bufferBytes: Int32 = 64 << 20, receiveTimeoutSeconds: Int = 10) throws(NFTablesError) {
        guard let nl = mnl_socket_open(NETLINK_NETFILTER) else { throw .system(call: "mnl_socket_open(NETLINK_NETFILTER)", errno: errno) }
        let fd = mnl_socket_get_fd(nl)
        guard mnl_socket_bind(nl, 0, pid_t(MNL_SOCKET_AUTOPID)) == 0 else {
            let e = errno; mnl_socket_close(nl); throw .system(call: "mnl_socket_bind", errno: e)
        }
        func option(_ level: Int32, _ name: Int32, _ value: Int32, fallback: Int32? = nil) -> Bool {
            var v = value
            if setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size)) == 0 { return true }
            if let fallback { return setsockopt(fd, level, fallback, &v, socklen_t(MemoryLayout<Int32>.size)) == 0 }
            return false
        }
        var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
        guard option(SOL_SOCKET, SO_SNDBUFFORCE, bufferBytes, fallback: SO_SNDBUF),
              option(SOL_SOCKET, SO_RCVBUFFORCE, bufferBytes, fallback: SO_RCVBUF),
              option(SOL_NETLINK, NETLINK_EXT_ACK, 1), option(SOL_NETLINK, NETLINK_CAP_ACK, 1),
              setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
            let e = errno; mnl_socket_close(nl); throw .system(call: "setsockopt on the nftables socket", errno: e)
        }
        handle = nl
        portID = mnl_socket_get_portid(nl)
        receiveBuffer = .allocate(byteCount: Self.receiveCapacity, alignment: 8)
    }

    deinit {
        mnl_socket_close(handle)
        receiveBuffer.deallocate()
    }

    /// Sends the batch (closing it first) and waits for the kernel's verdict on the whole
    /// transaction. Throws `.rejected` with every refused message; then nothing was applied.
    public func apply(_ batch: NFTBatch) throws(NFTablesError) {
        batch.close()
        guard let last = batch.lastCommandSequence else { return }   // nothing to do
        let sent = mnl_socket_sendto(handle, batch.buffer, batch.length)
        guard sent == batch.length else {
            throw .system(call: "sendto(nftables batch of \(batch.length) bytes)", errno: sent < 0 ? errno : EMSGSIZE)
        }
        var failures: [NFTMessageFailure] = []
        var done = false
        var datagrams = 0
        while !done {
            datagrams += 1
            guard datagrams <= batch.commandCount + 16 else { throw .noAcknowledgement("no ACK for message #\(last) after \(datagrams) datagrams") }
            let n = mnl_socket_recvfrom(handle, receiveBuffer, Self.receiveCapacity)
            if n < 0 {
                let e = errno
                if e == EAGAIN || e == EWOULDBLOCK { throw .noAcknowledgement("timed out waiting for the ACK of message #\(last)") }
                throw .system(call: "recvfrom", errno: e)
            }
            do {
                try forEachMessage(in: UnsafeRawBufferPointer(start: receiveBuffer, count: n)) { m in
                    guard m.type == ControlMessage.error, m.portID == 0 || m.portID == portID,
                          let what = batch.description(ofSequence: m.sequence) else { return }
                    let (code, text) = try NetlinkSocket.parseError(m)
                    if code != 0 { failures.append(NFTMessageFailure(sequence: m.sequence, message: what, errno: code, extendedAck: text)) }
                    // The ACK of the last command ends the reply; an error on the batch header
                    // means the kernel refused the batch as a whole.
                    if m.sequence == last || m.sequence == batch.firstSequence { done = true }
                }
            } catch {
                throw .noAcknowledgement("unparseable reply: \(error)")
            }
        }
        if !failures.isEmpty { throw .rejected(failures: failures) }
    }
}
