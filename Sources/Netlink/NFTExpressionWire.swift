import CMNL
import CNFTNL

/// Rules written straight into the batch buffer with libmnl: for each expression, the
/// attributes `nftnl_expr_build_payload` would write for a libnftnl object holding the same
/// values, in the same order (`NFTRuleEncodingTests` compares the bytes), without allocating a
/// libnftnl rule and an object per expression (a full load has ~3,000 rules, ~25,000 expressions).
///
/// ```
/// NFTA_RULE_TABLE "routed"  NFTA_RULE_CHAIN "from-…"  [NFTA_RULE_USERDATA { 0, len, "p3\0" }]
/// NFTA_RULE_EXPRESSIONS { NFTA_LIST_ELEM { NFTA_EXPR_NAME "payload"  NFTA_EXPR_DATA { … } } … }
/// ```
extension NFTExpression {
    /// The expression type's name (`NFTA_EXPR_NAME`), as the kernel registers it.
    var typeName: String {
        switch self {
        case .payload: "payload"
        case .meta: "meta"
        case .ctState: "ct"
        case .bitwise: "bitwise"
        case .compare: "cmp"
        case .range: "range"
        case .hostToNetwork: "byteorder"
        case .lookup: "lookup"
        case .immediate, .verdict: "immediate"
        case .counter: "counter"
        case .log: "log"
        }
    }

    /// Checks what the kernel would refuse less clearly (nothing is written when it throws).
    func validate() throws(NFTablesError) {
        switch self {
        case .bitwise(_, let mask, let xor) where mask.count != xor.count:
            throw .invalidArgument("bitwise mask and xor differ in length")
        case .range(_, let from, let to) where from.count != to.count:
            throw .invalidArgument("range bounds differ in length")
        default: break
        }
    }

    /// `NFTA_LIST_ELEM { NFTA_EXPR_NAME, NFTA_EXPR_DATA { … } }` appended to `nlh`.
    func put(_ nlh: UnsafeMutablePointer<nlmsghdr>) {
        func u32(_ type: Int, _ v: UInt32) { mnl_attr_put_u32(nlh, UInt16(type), v.bigEndian) }
        func value(_ type: Int, _ bytes: [UInt8]) { NFTBatch.putData(nlh, UInt16(type), bytes) }
        let elem = mnl_attr_nest_start(nlh, UInt16(NFTA_LIST_ELEM.rawValue))
        mnl_attr_put_strz(nlh, UInt16(NFTA_EXPR_NAME.rawValue), typeName)
        let data = mnl_attr_nest_start(nlh, UInt16(NFTA_EXPR_DATA.rawValue))
        switch self {
        case .payload(let base, let offset, let length, let reg):
            u32(Int(NFTA_PAYLOAD_DREG.rawValue), reg.rawValue); u32(Int(NFTA_PAYLOAD_BASE.rawValue), base.rawValue)
            u32(Int(NFTA_PAYLOAD_OFFSET.rawValue), offset); u32(Int(NFTA_PAYLOAD_LEN.rawValue), length)
        case .meta(let key, let reg):
            u32(Int(NFTA_META_KEY.rawValue), key.rawValue); u32(Int(NFTA_META_DREG.rawValue), reg.rawValue)
        case .ctState(let reg):
            u32(Int(NFTA_CT_KEY.rawValue), UInt32(NFT_CT_STATE.rawValue)); u32(Int(NFTA_CT_DREG.rawValue), reg.rawValue)
        case .bitwise(let reg, let mask, let xor):
            u32(Int(NFTA_BITWISE_SREG.rawValue), reg.rawValue); u32(Int(NFTA_BITWISE_DREG.rawValue), reg.rawValue)
            u32(Int(NFTA_BITWISE_LEN.rawValue), UInt32(mask.count))
            value(Int(NFTA_BITWISE_MASK.rawValue), mask); value(Int(NFTA_BITWISE_XOR.rawValue), xor)
        case .compare(let reg, let equal, let bytes):
            u32(Int(NFTA_CMP_SREG.rawValue), reg.rawValue)
            u32(Int(NFTA_CMP_OP.rawValue), equal ? UInt32(NFT_CMP_EQ.rawValue) : UInt32(NFT_CMP_NEQ.rawValue))
            value(Int(NFTA_CMP_DATA.rawValue), bytes)
        case .range(let reg, let from, let to):
            u32(Int(NFTA_RANGE_SREG.rawValue), reg.rawValue); u32(Int(NFTA_RANGE_OP.rawValue), UInt32(NFT_RANGE_EQ.rawValue))
            value(Int(NFTA_RANGE_FROM_DATA.rawValue), from); value(Int(NFTA_RANGE_TO_DATA.rawValue), to)
        case .hostToNetwork(let from, let into, let length, let size):
            u32(Int(NFTA_BYTEORDER_SREG.rawValue), from.rawValue); u32(Int(NFTA_BYTEORDER_DREG.rawValue), into.rawValue)
            u32(Int(NFTA_BYTEORDER_OP.rawValue), UInt32(NFT_BYTEORDER_HTON.rawValue))
            u32(Int(NFTA_BYTEORDER_LEN.rawValue), length); u32(Int(NFTA_BYTEORDER_SIZE.rawValue), size)
        case .lookup(let set, let setID, let from, let into, let inverted):
            u32(Int(NFTA_LOOKUP_SREG.rawValue), from.rawValue)
            if let into { u32(Int(NFTA_LOOKUP_DREG.rawValue), into.rawValue) }
            mnl_attr_put_strz(nlh, UInt16(NFTA_LOOKUP_SET.rawValue), set)
            if let setID { u32(Int(NFTA_LOOKUP_SET_ID.rawValue), setID) }
            if inverted { u32(Int(NFTA_LOOKUP_FLAGS.rawValue), UInt32(NFT_LOOKUP_F_INV.rawValue)) }
        case .immediate(let reg, let bytes):
            u32(Int(NFTA_IMMEDIATE_DREG.rawValue), reg.rawValue)
            value(Int(NFTA_IMMEDIATE_DATA.rawValue), bytes)
        case .verdict(let v):
            u32(Int(NFTA_IMMEDIATE_DREG.rawValue), NFTRegister.verdict.rawValue)
            let d = mnl_attr_nest_start(nlh, UInt16(NFTA_IMMEDIATE_DATA.rawValue))
            NFTBatch.putVerdict(nlh, v)
            mnl_attr_nest_end(nlh, d)
        case .counter:
            break
        case .log(let prefix):
            mnl_attr_put_strz(nlh, UInt16(NFTA_LOG_PREFIX.rawValue), prefix)
        }
        mnl_attr_nest_end(nlh, data)
        mnl_attr_nest_end(nlh, elem)
    }
}

/// Writes one rule's expressions in place, from integers rather than byte arrays: the hot path
/// of a full load (`NFTBatch.addRule(chain:comment:summary:_:)`). Each call writes exactly
/// the bytes of the `NFTExpression` it names (`NFTRuleEncodingTests` compares them).
public struct NFTRuleWriter {
    let nlh: UnsafeMutablePointer<nlmsghdr>

    /// Any expression, through its enum form.
    public func add(_ x: NFTExpression) { x.put(nlh) }

    private func expression(_ name: StaticString, _ body: () -> Void) {
        let elem = mnl_attr_nest_start(nlh, UInt16(NFTA_LIST_ELEM.rawValue))
        mnl_attr_put(nlh, UInt16(NFTA_EXPR_NAME.rawValue), name.utf8CodeUnitCount + 1, name.utf8Start)
        let data = mnl_attr_nest_start(nlh, UInt16(NFTA_EXPR_DATA.rawValue))
        body()
        mnl_attr_nest_end(nlh, data)
        mnl_attr_nest_end(nlh, elem)
    }
    private func u32(_ type: Int, _ v: UInt32) { mnl_attr_put_u32(nlh, UInt16(type), v.bigEndian) }
    private func value<T: FixedWidthInteger>(_ type: Int, bigEndian v: T) {
        let nest = mnl_attr_nest_start(nlh, UInt16(type))
        withUnsafeBytes(of: v.bigEndian) { mnl_attr_put(nlh, UInt16(NFTA_DATA_VALUE.rawValue), $0.count, $0.baseAddress) }
        mnl_attr_nest_end(nlh, nest)
    }

    /// `.meta(key, into: reg)`.
    public func meta(_ key: NFTMetaKey, into reg: NFTRegister) {
        expression("meta") { u32(Int(NFTA_META_KEY.rawValue), key.rawValue); u32(Int(NFTA_META_DREG.rawValue), reg.rawValue) }
    }
    /// `.payload(base, offset:, length:, into:)`.
    public func payload(_ base: NFTPayloadBase, offset: UInt32, length: UInt32, into reg: NFTRegister) {
        expression("payload") {
            u32(Int(NFTA_PAYLOAD_DREG.rawValue), reg.rawValue); u32(Int(NFTA_PAYLOAD_BASE.rawValue), base.rawValue)
            u32(Int(NFTA_PAYLOAD_OFFSET.rawValue), offset); u32(Int(NFTA_PAYLOAD_LEN.rawValue), length)
        }
    }
    // Concrete overloads: generic public functions called from another module are not
    // specialized there and look up generic metadata on every call.
    /// `.compare(reg, equal:, [v])`.
    public func compare(_ reg: NFTRegister, equal: Bool, bigEndian v: UInt8) { compareValue(reg, equal: equal, bigEndian: v) }
    /// `.compare(reg, equal:, bytes of v in network order)`.
    public func compare(_ reg: NFTRegister, equal: Bool, bigEndian v: UInt16) { compareValue(reg, equal: equal, bigEndian: v) }
    public func compare(_ reg: NFTRegister, equal: Bool, bigEndian v: UInt32) { compareValue(reg, equal: equal, bigEndian: v) }
    public func compare(_ reg: NFTRegister, equal: Bool, bigEndian v: UInt128) { compareValue(reg, equal: equal, bigEndian: v) }
    /// `.bitwise(reg, mask: bytes of mask in network order, xor: zeros)`.
    public func mask(_ reg: NFTRegister, bigEndian m: UInt32) { maskValue(reg, bigEndian: m) }
    public func mask(_ reg: NFTRegister, bigEndian m: UInt128) { maskValue(reg, bigEndian: m) }
    /// `.range(reg, from:, to:)` of two values in network order.
    public func range(_ reg: NFTRegister, bigEndian from: UInt16, _ to: UInt16) { rangeValue(reg, bigEndian: from, to) }
    public func range(_ reg: NFTRegister, bigEndian from: UInt32, _ to: UInt32) { rangeValue(reg, bigEndian: from, to) }
    public func range(_ reg: NFTRegister, bigEndian from: UInt128, _ to: UInt128) { rangeValue(reg, bigEndian: from, to) }

    private func compareValue<T: FixedWidthInteger>(_ reg: NFTRegister, equal: Bool, bigEndian v: T) {
        expression("cmp") {
            u32(Int(NFTA_CMP_SREG.rawValue), reg.rawValue)
            u32(Int(NFTA_CMP_OP.rawValue), equal ? UInt32(NFT_CMP_EQ.rawValue) : UInt32(NFT_CMP_NEQ.rawValue))
            value(Int(NFTA_CMP_DATA.rawValue), bigEndian: v)
        }
    }
    private func maskValue<T: FixedWidthInteger>(_ reg: NFTRegister, bigEndian mask: T) {
        expression("bitwise") {
            u32(Int(NFTA_BITWISE_SREG.rawValue), reg.rawValue); u32(Int(NFTA_BITWISE_DREG.rawValue), reg.rawValue)
            u32(Int(NFTA_BITWISE_LEN.rawValue), UInt32(MemoryLayout<T>.size))
            value(Int(NFTA_BITWISE_MASK.rawValue), bigEndian: mask); value(Int(NFTA_BITWISE_XOR.rawValue), bigEndian: T.zero)
        }
    }
    private func rangeValue<T: FixedWidthInteger>(_ reg: NFTRegister, bigEndian from: T, _ to: T) {
        expression("range") {
            u32(Int(NFTA_RANGE_SREG.rawValue), reg.rawValue); u32(Int(NFTA_RANGE_OP.rawValue), UInt32(NFT_RANGE_EQ.rawValue))
            value(Int(NFTA_RANGE_FROM_DATA.rawValue), bigEndian: from); value(Int(NFTA_RANGE_TO_DATA.rawValue), bigEndian: to)
        }
    }
    /// `.counter`.
    public func counter() { expression("counter") {} }
    /// `.log(prefix:)`.
    public func log(prefix: String) { expression("log") { mnl_attr_put_strz(nlh, UInt16(NFTA_LOG_PREFIX.rawValue), prefix) } }
    /// `.verdict(v)`.
    public func verdict(_ v: NFTVerdict) {
        expression("immediate") {
            u32(Int(NFTA_IMMEDIATE_DREG.rawValue), NFTRegister.verdict.rawValue)
            let d = mnl_attr_nest_start(nlh, UInt16(NFTA_IMMEDIATE_DATA.rawValue))
            NFTBatch.putVerdict(nlh, v)
            mnl_attr_nest_end(nlh, d)
        }
    }
}
