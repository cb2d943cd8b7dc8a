import CNFTNL

/// An nf_tables register. `verdict` is register 0; `reg32(n)` are the sixteen 32-bit registers
/// (`NFT_REG32_00` + n) that concatenated keys are laid out in, one field per 4 bytes.
public struct NFTRegister: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public static let verdict = NFTRegister(rawValue: 0)
    public static func reg32(_ n: UInt32) -> NFTRegister { NFTRegister(rawValue: UInt32(NFT_REG32_00.rawValue) + n) }
    public var description: String { "reg \(rawValue)" }
}

/// A verdict: `accept`, `drop`, `jump CHAIN`, `goto CHAIN` (nft's words).
public enum NFTVerdict: Hashable, Sendable, CustomStringConvertible {
    case accept, drop
    case jump(String), goto(String)
    var code: Int32 {
        switch self {
        case .accept: 1      // NF_ACCEPT
        case .drop: 0        // NF_DROP
        case .jump: NFT_JUMP.rawValue
        case .goto: NFT_GOTO.rawValue
        }
    }
    var chain: String? { switch self { case .jump(let c), .goto(let c): c; default: nil } }
    public var description: String {
        switch self { case .accept: "accept"; case .drop: "drop"; case .jump(let c): "jump \(c)"; case .goto(let c): "goto \(c)" }
    }
}

/// The header a `payload` expression reads from (`NFT_PAYLOAD_*_HEADER`).
public enum NFTPayloadBase: UInt32, Sendable { case link = 0, network = 1, transport = 2 }

/// `meta` keys routed uses (`NFT_META_*`).
public enum NFTMetaKey: UInt32, Sendable {
    case nfproto = 15, l4proto = 16, iif = 4, oif = 5, iifname = 6, oifname = 7
}

/// One nf_tables expression, as `nft --debug=netlink` prints them (`[ payload load 4b @ network
/// header + 12 => reg 1 ]`). Values are raw bytes in the order the kernel compares them.
public enum NFTExpression: Hashable, Sendable {
    /// `[ payload load LENb @ BASE header + OFFSET => reg ]`.
    case payload(NFTPayloadBase, offset: UInt32, length: UInt32, into: NFTRegister)
    /// `[ meta load KEY => reg ]`.
    case meta(NFTMetaKey, into: NFTRegister)
    /// `[ ct load state => reg ]`.
    case ctState(into: NFTRegister)
    /// `[ bitwise reg = (reg & MASK) ^ XOR ]`.
    case bitwise(NFTRegister, mask: [UInt8], xor: [UInt8])
    /// `[ cmp eq|neq reg DATA ]`.
    case compare(NFTRegister, equal: Bool, [UInt8])
    /// `[ range eq reg FROM TO ]`: `ip daddr 10.0.0.1-10.0.0.9`, `tcp dport 80-89`.
    case range(NFTRegister, from: [UInt8], to: [UInt8])
    /// `[ byteorder dreg = hton(sreg, size, len) ]`.
    case hostToNetwork(from: NFTRegister, into: NFTRegister, length: UInt32, size: UInt32)
    /// `[ lookup reg set NAME (dreg D) (0x1 = inverted) ]`; `setID` when the set is new in the batch.
    case lookup(set: String, setID: UInt32?, from: NFTRegister, into: NFTRegister?, inverted: Bool)
    /// `[ immediate reg DATA ]`.
    case immediate(NFTRegister, [UInt8])
    /// `[ immediate reg 0 VERDICT ]`.
    case verdict(NFTVerdict)
    /// `[ counter pkts 0 bytes 0 ]`.
    case counter
    /// `[ log prefix P ]`.
    case log(prefix: String)

    /// A libnftnl expression object (the caller adds it to a rule, which then owns it): the
    /// reference `NFTBatch.addRule`'s direct encoding is checked against (`libnftnlRuleMessage`).
    func make() throws(NFTablesError) -> OpaquePointer {
        func alloc(_ name: String) throws(NFTablesError) -> OpaquePointer {
            guard let e = nftnl_expr_alloc(name) else { throw .system(call: "nftnl_expr_alloc(\(name))", errno: 12) }
            return e
        }
        func u32(_ e: OpaquePointer, _ attr: Int, _ v: UInt32) { nftnl_expr_set_u32(e, UInt16(attr), v) }
        func bytes(_ e: OpaquePointer, _ attr: Int, _ b: [UInt8]) {
            b.withUnsafeBytes { _ = nftnl_expr_set(e, UInt16(attr), $0.baseAddress, UInt32($0.count)) }
        }
        switch self {
        case .payload(let base, let offset, let length, let reg):
            let e = try alloc("payload")
            u32(e, NFTNL_EXPR_PAYLOAD_DREG, reg.rawValue); u32(e, NFTNL_EXPR_PAYLOAD_BASE, base.rawValue)
            u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset); u32(e, NFTNL_EXPR_PAYLOAD_LEN, length)
            return e
        case .meta(let key, let reg):
            let e = try alloc("meta")
            u32(e, NFTNL_EXPR_META_KEY, key.rawValue); u32(e, NFTNL_EXPR_META_DREG, reg.rawValue)
            return e
        case .ctState(let reg):
            let e = try alloc("ct")
            u32(e, NFTNL_EXPR_CT_KEY, UInt32(NFT_CT_STATE.rawValue)); u32(e, NFTNL_EXPR_CT_DREG, reg.rawValue)
            return e
        case .bitwise(let reg, let mask, let xor):
            guard mask.count == xor.count else { throw .invalidArgument("bitwise mask and xor differ in length") }
            let e = try alloc("bitwise")
            u32(e, NFTNL_EXPR_BITWISE_SREG, reg.rawValue); u32(e, NFTNL_EXPR_BITWISE_DREG, reg.rawValue)
            u32(e, NFTNL_EXPR_BITWISE_LEN, UInt32(mask.count))
            bytes(e, NFTNL_EXPR_BITWISE_MASK, mask); bytes(e, NFTNL_EXPR_BITWISE_XOR, xor)
            return e
        case .compare(let reg, let equal, let data):
            let e = try alloc("cmp")
            u32(e, NFTNL_EXPR_CMP_SREG, reg.rawValue)
            u32(e, NFTNL_EXPR_CMP_OP, equal ? UInt32(NFT_CMP_EQ.rawValue) : UInt32(NFT_CMP_NEQ.rawValue))
            bytes(e, NFTNL_EXPR_CMP_DATA, data)
            return e
        case .range(let reg, let from, let to):
            guard from.count == to.count else { throw .invalidArgument("range bounds differ in length") }
            let e = try alloc("range")
            u32(e, NFTNL_EXPR_RANGE_SREG, reg.rawValue)
            u32(e, NFTNL_EXPR_RANGE_OP, UInt32(NFT_RANGE_EQ.rawValue))
            bytes(e, NFTNL_EXPR_RANGE_FROM_DATA, from); bytes(e, NFTNL_EXPR_RANGE_TO_DATA, to)
            return e
        case .hostToNetwork(let from, let into, let length, let size):
            let e = try alloc("byteorder")
            u32(e, NFTNL_EXPR_BYTEORDER_SREG, from.rawValue); u32(e, NFTNL_EXPR_BYTEORDER_DREG, into.rawValue)
            u32(e, NFTNL_EXPR_BYTEORDER_OP, UInt32(NFT_BYTEORDER_HTON.rawValue))
            u32(e, NFTNL_EXPR_BYTEORDER_LEN, length); u32(e, NFTNL_EXPR_BYTEORDER_SIZE, size)
            return e
        case .lookup(let set, let setID, let from, let into, let inverted):
            let e = try alloc("lookup")
            nftnl_expr_set_str(e, UInt16(NFTNL_EXPR_LOOKUP_SET), set)
            if let setID { u32(e, NFTNL_EXPR_LOOKUP_SET_ID, setID) }
            u32(e, NFTNL_EXPR_LOOKUP_SREG, from.rawValue)
            if let into { u32(e, NFTNL_EXPR_LOOKUP_DREG, into.rawValue) }
            if inverted { u32(e, NFTNL_EXPR_LOOKUP_FLAGS, UInt32(NFT_LOOKUP_F_INV.rawValue)) }
            return e
        case .immediate(let reg, let data):
            let e = try alloc("immediate")
            u32(e, NFTNL_EXPR_IMM_DREG, reg.rawValue)
            bytes(e, NFTNL_EXPR_IMM_DATA, data)
            return e
        case .verdict(let v):
            let e = try alloc("immediate")
            u32(e, NFTNL_EXPR_IMM_DREG, NFTRegister.verdict.rawValue)
            u32(e, NFTNL_EXPR_IMM_VERDICT, UInt32(bitPattern: v.code))
            if let c = v.chain { nftnl_expr_set_str(e, UInt16(NFTNL_EXPR_IMM_CHAIN), c) }
            return e
        case .counter:
            return try alloc("counter")
        case .log(let prefix):
            let e = try alloc("log")
            nftnl_expr_set_str(e, UInt16(NFTNL_EXPR_LOG_PREFIX), prefix)
            return e
        }
    }
}

extension NFTBatch {
    /// One `NEWRULE` message built the libnftnl way (a rule object, an object per expression,
    /// `nftnl_rule_nlmsg_build_payload`): what `addRule` writes directly must be these bytes.
    public static func libnftnlRuleMessage(family: NFTFamily, table: String, chain: String, _ expressions: [NFTExpression],
                                           comment: String? = nil, sequence: UInt32) throws(NFTablesError) -> [UInt8] {
        let r = nftnl_rule_alloc()!
        defer { nftnl_rule_free(r) }
        nftnl_rule_set_str(r, UInt16(NFTNL_RULE_TABLE.rawValue), table)
        nftnl_rule_set_str(r, UInt16(NFTNL_RULE_CHAIN.rawValue), chain)
        nftnl_rule_set_u32(r, UInt16(NFTNL_RULE_FAMILY.rawValue), UInt32(family.rawValue))
        if let comment {
            let u = nftnl_udata_buf_alloc(256)!
            defer { nftnl_udata_buf_free(u) }
            _ = nftnl_udata_put_strz(u, UInt8(NFTNL_UDATA_RULE_COMMENT.rawValue), comment)
            nftnl_rule_set_data(r, UInt16(NFTNL_RULE_USERDATA.rawValue), nftnl_udata_buf_data(u), nftnl_udata_buf_len(u))
        }
        for x in expressions { nftnl_rule_add_expr(r, try x.make()) }
        var buf = [UInt8](repeating: 0, count: 64 * 1024)
        return buf.withUnsafeMutableBytes { b in
            let h = nftnl_nlmsg_build_hdr(b.baseAddress!.assumingMemoryBound(to: CChar.self), UInt16(NFT_MSG_NEWRULE.rawValue),
                                          family.rawValue, UInt16(NLM_F_CREATE | NLM_F_APPEND), sequence)!
            nftnl_rule_nlmsg_build_payload(h, r)
            return Array(b.prefix(Int(h.pointee.nlmsg_len)))
        }
    }

    /// The bytes of each message of the batch so far, `batch begin` first.
    public var messageBytes: [[UInt8]] {
        var out: [[UInt8]] = []
        var offset = 0
        while offset < length {
            let len = Int((buffer + offset).assumingMemoryBound(to: nlmsghdr.self).pointee.nlmsg_len)
            out.append(Array(UnsafeRawBufferPointer(start: buffer + offset, count: len)))
            offset += netlinkAlign(len)
        }
        return out
    }
}
