import CMNL
import CNFTNL
import Glibc

/// The first `counter` of one rule, as the kernel holds it (`nft list chain ...` shows
/// `counter packets N bytes M`).
public struct NFTRuleCounter: Hashable, Sendable {
    public var chain: String
    /// The rule's kernel handle (`nft -a list chain` shows it as `# handle N`).
    public var handle: UInt64
    public var packets: UInt64
    public var bytes: UInt64
    /// The rule's `comment "..."`, when it has one (nft's rule user data).
    public var comment: String?
    public init(chain: String, handle: UInt64, packets: UInt64, bytes: UInt64, comment: String? = nil) {
        self.chain = chain; self.handle = handle; self.packets = packets; self.bytes = bytes; self.comment = comment
    }
}

extension NFTablesSocket {
    /// Reads the counter of every rule of `table` that has one: one `NFT_MSG_GETRULE` dump
    /// (`nft list table FAMILY TABLE`, counters only). An empty answer when the table is missing.
    public func ruleCounters(family: NFTFamily, table: String) throws(NFTablesError) -> [NFTRuleCounter] {
        var request = [UInt8](repeating: 0, count: 1024)
        let sequence = UInt32(truncatingIfNeeded: time(nil)) &+ 7
        let length: Int = request.withUnsafeMutableBytes { buf in
            let h = nftnl_nlmsg_build_hdr(buf.baseAddress!.assumingMemoryBound(to: CChar.self), UInt16(NFT_MSG_GETRULE.rawValue),
                                          family.rawValue, UInt16(NLM_F_DUMP | NLM_F_ACK), sequence)!
            let r = nftnl_rule_alloc()!
            defer { nftnl_rule_free(r) }
            nftnl_rule_set_str(r, UInt16(NFTNL_RULE_TABLE.rawValue), table)
            nftnl_rule_set_u32(r, UInt16(NFTNL_RULE_FAMILY.rawValue), UInt32(family.rawValue))
            nftnl_rule_nlmsg_build_payload(h, r)
            return Int(h.pointee.nlmsg_len)
        }
        let sent = request.withUnsafeBytes { mnl_socket_sendto(handle, $0.baseAddress, length) }
        guard sent == length else { throw .system(call: "sendto(GETRULE dump)", errno: sent < 0 ? errno : EMSGSIZE) }
        var out: [NFTRuleCounter] = []
        var failure: NFTablesError?
        var done = false
        var datagrams = 0
        while !done {
            datagrams += 1
            guard datagrams <= 1_000_000 else { throw .noAcknowledgement("GETRULE dump did not end") }
            let n = mnl_socket_recvfrom(handle, receiveBuffer, Self.receiveCapacity)
            if n < 0 {
                let e = errno
                if e == EAGAIN || e == EWOULDBLOCK { throw .noAcknowledgement("timed out reading the GETRULE dump") }
                throw .system(call: "recvfrom", errno: e)
            }
            do {
                try forEachMessage(in: UnsafeRawBufferPointer(start: receiveBuffer, count: n)) { m in
                    guard m.sequence == sequence else { return }
                    switch m.type {
                    case ControlMessage.done: done = true
                    case ControlMessage.error:
                        let (code, text) = try NetlinkSocket.parseError(m)
                        if code == ENOENT { done = true }   // no such table: no counters
                        else if code != 0 { failure = .rejected(failures: [NFTMessageFailure(sequence: sequence, message: "list table \(family.name) \(table)", errno: code, extendedAck: text)]); done = true }
                        else { done = true }
                    default:
                        let header = m.payload.baseAddress! - 16
                        if let c = Self.counter(header.assumingMemoryBound(to: nlmsghdr.self)) { out.append(c) }
                    }
                }
            } catch {
                throw .noAcknowledgement("unparseable GETRULE reply: \(error)")
            }
        }
        if let failure { throw failure }
        return out
    }

    static func counter(_ h: UnsafePointer<nlmsghdr>) -> NFTRuleCounter? {
        guard let r = nftnl_rule_alloc() else { return nil }
        defer { nftnl_rule_free(r) }
        guard nftnl_rule_nlmsg_parse(h, r) == 0, let chainC = nftnl_rule_get_str(r, UInt16(NFTNL_RULE_CHAIN.rawValue)) else { return nil }
        let handle = nftnl_rule_get_u64(r, UInt16(NFTNL_RULE_HANDLE.rawValue))
        guard let it = nftnl_expr_iter_create(r) else { return nil }
        defer { nftnl_expr_iter_destroy(it) }
        while let e = nftnl_expr_iter_next(it) {
            guard let name = nftnl_expr_get_str(e, UInt16(NFTNL_EXPR_NAME)), strcmp(name, "counter") == 0 else { continue }
            return NFTRuleCounter(chain: String(cString: chainC), handle: handle,
                                  packets: nftnl_expr_get_u64(e, UInt16(NFTNL_EXPR_CTR_PACKETS)),
                                  bytes: nftnl_expr_get_u64(e, UInt16(NFTNL_EXPR_CTR_BYTES)),
                                  comment: comment(r))
        }
        return nil
    }

    /// The comment in a rule's user data: type-length-value records (`NFTNL_UDATA_RULE_COMMENT`
    /// = 0, a length byte, the zero-terminated text), as nft writes `comment "..."`.
    static func comment(_ r: OpaquePointer) -> String? {
        var length: UInt32 = 0
        guard let data = nftnl_rule_get_data(r, UInt16(NFTNL_RULE_USERDATA.rawValue), &length) else { return nil }
        return Self.comment(inUserData: UnsafeRawBufferPointer(start: data, count: Int(length)))
    }

    /// The comment record of rule user data (bounded by the buffer: a malformed record ends the walk).
    public static func comment(inUserData u: UnsafeRawBufferPointer) -> String? {
        var i = 0
        while i + 2 <= u.count {
            let type = u[i], len = Int(u[i + 1])
            guard i + 2 + len <= u.count else { return nil }
            if type == UInt8(NFTNL_UDATA_RULE_COMMENT.rawValue) {
                let text = u[(i + 2)..<(i + 2 + len)].prefix { $0 != 0 }
                return String(decoding: text, as: UTF8.self)
            }
            i += 2 + len
        }
        return nil
    }
}
