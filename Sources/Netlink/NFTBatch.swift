import CMNL
import CNFTNL
import Glibc

/// One nf_tables transaction under construction: `NFNL_MSG_BATCH_BEGIN`, the messages, then
/// `NFNL_MSG_BATCH_END`, built with libnftnl into one buffer that `NFTablesSocket.apply` sends
/// in a single `sendmsg`. The kernel applies all of it or nothing (`nft -f FILE`).
///
/// Every message keeps a description in nft words, so a refusal names the message
/// (`add rule inet routed forward`), found again by its sequence number.
public final class NFTBatch {
    public let family: NFTFamily
    public let table: String
    public let firstSequence: UInt32
    private(set) var buffer: UnsafeMutableRawPointer
    private var capacity: Int
    private(set) var length = 0
    /// Description of message `firstSequence + i`, rendered only when asked for (a refusal or
    /// a test): a full load has thousands of messages and almost never needs the words.
    private(set) var descriptions: [(_ table: String) -> String] = []
    private var ended = false
    private var lastCommand: UnsafeMutablePointer<nlmsghdr>?
    private var lastCommandOffset = -1
    /// Elements per NEWSETELEM/DELSETELEM message: keeps each message well under 64 KiB.
    public static let elementsPerMessage = 256
    static let headroom = 96 * 1024

    public init(family: NFTFamily, table: String, firstSequence: UInt32? = nil) {
        self.family = family; self.table = table
        self.firstSequence = firstSequence ?? UInt32(truncatingIfNeeded: time(nil)) &* 1000
        capacity = 256 * 1024
        buffer = Self.zeroed(capacity)
        reserve()
        _ = nftnl_batch_begin(buffer.assumingMemoryBound(to: CChar.self), nextSequence)
        finish(command: false) { _ in "batch begin" }
    }

    deinit { buffer.deallocate() }

    /// A zeroed buffer: libmnl 1.0.4 leaves attribute padding as it finds it, and the kernel
    /// should see the same bytes for the same batch (as libnftnl's zeroed buffers give).
    private static func zeroed(_ bytes: Int) -> UnsafeMutableRawPointer {
        let b = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 8)
        b.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        return b
    }

    /// Makes room for `bytes` more bytes of messages at once (a full load knows its size
    /// roughly), instead of doubling and copying the buffer as it fills.
    public func reserveCapacity(_ bytes: Int) {
        guard capacity - length < bytes + Self.headroom else { return }
        let bigger = length + bytes + Self.headroom
        let b = Self.zeroed(bigger)
        b.copyMemory(from: buffer, byteCount: length)
        buffer.deallocate()
        buffer = b; capacity = bigger
    }

    var nextSequence: UInt32 { firstSequence &+ UInt32(descriptions.count) }
    /// Number of messages between begin and end.
    public var commandCount: Int { descriptions.count - (ended ? 2 : 1) }
    public var byteCount: Int { length }
    /// What each message does, in nft words, from `batch begin` on.
    public var messageDescriptions: [String] { descriptions.map { $0(qualifiedTable) } }

    func description(ofSequence s: UInt32) -> String? {
        let i = Int(s &- firstSequence)
        return i >= 0 && i < descriptions.count ? descriptions[i](qualifiedTable) : nil
    }
    var lastCommandSequence: UInt32? { commandCount > 0 ? firstSequence &+ UInt32(descriptions.count - (ended ? 2 : 1)) : nil }

    private func reserve() {
        guard capacity - length < Self.headroom else { return }
        let bigger = max(capacity * 2, length + Self.headroom)
        let b = Self.zeroed(bigger)
        b.copyMemory(from: buffer, byteCount: length)
        buffer.deallocate()
        buffer = b; capacity = bigger
    }

    func header(_ type: nf_tables_msg_types, flags: Int32) -> UnsafeMutablePointer<nlmsghdr> {
        reserve()
        return nftnl_nlmsg_build_hdr((buffer + length).assumingMemoryBound(to: CChar.self), UInt16(type.rawValue),
                                     family.rawValue, UInt16(flags), nextSequence)
    }

    /// `inet routed`: what the descriptions say before an object's name.
    var qualifiedTable: String { "\(family.name) \(table)" }

    /// `describe` gets `qualifiedTable` and must not capture the batch (it would never be freed).
    func finish(command: Bool = true, _ describe: @escaping (_ table: String) -> String) {
        let h = (buffer + length).assumingMemoryBound(to: nlmsghdr.self)
        if command { lastCommandOffset = length }
        length += netlinkAlign(Int(h.pointee.nlmsg_len))
        precondition(length <= capacity, "nftables batch overran its buffer")
        descriptions.append(describe)
    }

    func checkOpen() throws(NFTablesError) {
        if ended { throw .invalidArgument("the batch is already closed") }
    }

    // MARK: - Tables

    /// `add table FAMILY NAME` (no error when it exists).
    public func addTable() throws(NFTablesError) {
        try checkOpen()
        let t = nftnl_table_alloc()!
        defer { nftnl_table_free(t) }
        nftnl_table_set_str(t, UInt16(NFTNL_TABLE_NAME.rawValue), table)
        nftnl_table_set_u32(t, UInt16(NFTNL_TABLE_FAMILY.rawValue), UInt32(family.rawValue))
        nftnl_table_nlmsg_build_payload(header(NFT_MSG_NEWTABLE, flags: NLM_F_CREATE), t)
        finish { "add table \($0)" }
    }

    /// `delete table FAMILY NAME` (with everything in it).
    public func deleteTable() throws(NFTablesError) {
        try checkOpen()
        let t = nftnl_table_alloc()!
        defer { nftnl_table_free(t) }
        nftnl_table_set_str(t, UInt16(NFTNL_TABLE_NAME.rawValue), table)
        nftnl_table_set_u32(t, UInt16(NFTNL_TABLE_FAMILY.rawValue), UInt32(family.rawValue))
        nftnl_table_nlmsg_build_payload(header(NFT_MSG_DELTABLE, flags: 0), t)
        finish { "delete table \($0)" }
    }

    // MARK: - Chains

    private func chainObject(_ name: String) -> OpaquePointer {
        let c = nftnl_chain_alloc()!
        nftnl_chain_set_str(c, UInt16(NFTNL_CHAIN_TABLE.rawValue), table)
        nftnl_chain_set_str(c, UInt16(NFTNL_CHAIN_NAME.rawValue), name)
        nftnl_chain_set_u32(c, UInt16(NFTNL_CHAIN_FAMILY.rawValue), UInt32(family.rawValue))
        return c
    }

    /// `add chain FAMILY TABLE NAME { type filter hook H priority P; policy accept; comment "C"; }`.
    public func addChain(_ chain: NFTChain) throws(NFTablesError) {
        try checkOpen()
        let c = chainObject(chain.name)
        defer { nftnl_chain_free(c) }
        if let hook = chain.hook {
            nftnl_chain_set_str(c, UInt16(NFTNL_CHAIN_TYPE.rawValue), "filter")
            nftnl_chain_set_u32(c, UInt16(NFTNL_CHAIN_HOOKNUM.rawValue), hook.rawValue)
            nftnl_chain_set_s32(c, UInt16(NFTNL_CHAIN_PRIO.rawValue), chain.priority)
            nftnl_chain_set_u32(c, UInt16(NFTNL_CHAIN_POLICY.rawValue), chain.acceptByDefault ? 1 : 0)
        }
        if let comment = chain.comment {
            let u = nftnl_udata_buf_alloc(256)!
            defer { nftnl_udata_buf_free(u) }
            guard nftnl_udata_put_strz(u, UInt8(NFTNL_UDATA_CHAIN_COMMENT.rawValue), String(comment.prefix(127))) else {
                throw .invalidArgument("chain \(chain.name): comment does not fit")
            }
            nftnl_chain_set_data(c, UInt16(NFTNL_CHAIN_USERDATA.rawValue), nftnl_udata_buf_data(u), nftnl_udata_buf_len(u))
        }
        nftnl_chain_nlmsg_build_payload(header(NFT_MSG_NEWCHAIN, flags: NLM_F_CREATE), c)
        let name = chain.name
        finish { "add chain \($0) \(name)" }
    }

    /// `flush chain FAMILY TABLE NAME` (deletes its rules).
    public func flushChain(_ name: String) throws(NFTablesError) {
        try checkOpen()
        let r = nftnl_rule_alloc()!
        defer { nftnl_rule_free(r) }
        nftnl_rule_set_str(r, UInt16(NFTNL_RULE_TABLE.rawValue), table)
        nftnl_rule_set_str(r, UInt16(NFTNL_RULE_CHAIN.rawValue), name)
        nftnl_rule_set_u32(r, UInt16(NFTNL_RULE_FAMILY.rawValue), UInt32(family.rawValue))
        nftnl_rule_nlmsg_build_payload(header(NFT_MSG_DELRULE, flags: 0), r)
        finish { "flush chain \($0) \(name)" }
    }

    /// `delete chain FAMILY TABLE NAME` (must be empty and unreferenced).
    public func deleteChain(_ name: String) throws(NFTablesError) {
        try checkOpen()
        let c = chainObject(name)
        defer { nftnl_chain_free(c) }
        nftnl_chain_nlmsg_build_payload(header(NFT_MSG_DELCHAIN, flags: 0), c)
        finish { "delete chain \($0) \(name)" }
    }

    // MARK: - Rules

    /// `add rule FAMILY TABLE CHAIN <expressions>` (appended).
    /// `comment`: the rule's `comment "..."` (user data, as nft writes it). Written straight
    /// into the buffer (`NFTExpressionWire.swift`), no libnftnl object.
    public func addRule(chain: String, _ expressions: [NFTExpression], comment: String? = nil,
                        summary: @autoclosure @escaping () -> String = "") throws(NFTablesError) {
        for x in expressions { try x.validate() }
        try addRule(chain: chain, comment: comment, summary: summary()) { w in for x in expressions { w.add(x) } }
    }

    /// `add rule FAMILY TABLE CHAIN ...` with the expressions `write` writes in place.
    public func addRule(chain: String, comment: String? = nil, summary: @autoclosure @escaping () -> String = "",
                        _ write: (NFTRuleWriter) -> Void) throws(NFTablesError) {
        try checkOpen()
        let nlh = header(NFT_MSG_NEWRULE, flags: NLM_F_CREATE | NLM_F_APPEND)
        mnl_attr_put_strz(nlh, UInt16(NFTA_RULE_TABLE.rawValue), table)
        mnl_attr_put_strz(nlh, UInt16(NFTA_RULE_CHAIN.rawValue), chain)
        if let comment {
            // One record: NFTNL_UDATA_RULE_COMMENT, its length, the text and its zero.
            var u: [UInt8] = [UInt8(NFTNL_UDATA_RULE_COMMENT.rawValue), 0]
            u.append(contentsOf: comment.utf8.prefix(127))
            u.append(0)
            u[1] = UInt8(u.count - 2)
            u.withUnsafeBytes { mnl_attr_put(nlh, UInt16(NFTA_RULE_USERDATA.rawValue), $0.count, $0.baseAddress) }
        }
        let list = mnl_attr_nest_start(nlh, UInt16(NFTA_RULE_EXPRESSIONS.rawValue))
        write(NFTRuleWriter(nlh: nlh))
        mnl_attr_nest_end(nlh, list)
        guard nlh.pointee.nlmsg_len < 64 * 1024 else {
            throw .invalidArgument("rule of chain \(chain): \(nlh.pointee.nlmsg_len) bytes (limit 64 KiB)")
        }
        finish { let t = summary(); return "add rule \($0) \(chain)" + (t.isEmpty ? "" : " \(t)") }
    }

    // MARK: - Sets

    private func setObject(_ name: String, id: UInt32?) -> OpaquePointer {
        let s = nftnl_set_alloc()!
        nftnl_set_set_str(s, UInt16(NFTNL_SET_TABLE.rawValue), table)
        nftnl_set_set_str(s, UInt16(NFTNL_SET_NAME.rawValue), name)
        nftnl_set_set_u32(s, UInt16(NFTNL_SET_FAMILY.rawValue), UInt32(family.rawValue))
        if let id { nftnl_set_set_u32(s, UInt16(NFTNL_SET_ID.rawValue), id) }
        return s
    }

    /// `add set|map FAMILY TABLE NAME { type K [: D]; flags interval; }`.
    public func addSet(_ set: NFTSet) throws(NFTablesError) {
        try checkOpen()
        let s = setObject(set.name, id: set.id)
        defer { nftnl_set_free(s) }
        var flags: UInt32 = 0
        if set.isMap { flags |= UInt32(NFT_SET_MAP.rawValue) }
        if set.interval { flags |= UInt32(NFT_SET_INTERVAL.rawValue) }
        if set.interval && set.concatFieldLengths.count > 1 { flags |= UInt32(NFT_SET_CONCAT.rawValue) }
        nftnl_set_set_u32(s, UInt16(NFTNL_SET_FLAGS.rawValue), flags)
        nftnl_set_set_u32(s, UInt16(NFTNL_SET_KEY_TYPE.rawValue), set.keyType)
        nftnl_set_set_u32(s, UInt16(NFTNL_SET_KEY_LEN.rawValue), set.keyLength)
        if let d = set.dataType {
            nftnl_set_set_u32(s, UInt16(NFTNL_SET_DATA_TYPE.rawValue), d)
            if set.dataLength > 0 { nftnl_set_set_u32(s, UInt16(NFTNL_SET_DATA_LEN.rawValue), set.dataLength) }
        }
        if let size = set.size { nftnl_set_set_u32(s, UInt16(NFTNL_SET_DESC_SIZE.rawValue), size) }
        if set.interval && set.concatFieldLengths.count > 1 {
            guard set.concatFieldLengths.count <= 16 else { throw .invalidArgument("set \(set.name): more than 16 concatenated fields") }
            var lengths = set.concatFieldLengths + [UInt8](repeating: 0, count: 16 - set.concatFieldLengths.count)
            _ = nftnl_set_set_data(s, UInt16(NFTNL_SET_DESC_CONCAT.rawValue), &lengths, UInt32(set.concatFieldLengths.count))
        }
        if set.dataHostOrder || set.keyHostOrder {
            let u = nftnl_udata_buf_alloc(64)!
            defer { nftnl_udata_buf_free(u) }
            if set.keyHostOrder { _ = nftnl_udata_put_u32(u, UInt8(NFTNL_UDATA_SET_KEYBYTEORDER.rawValue), 1) }  // BYTEORDER_HOST_ENDIAN
            if set.dataHostOrder { _ = nftnl_udata_put_u32(u, UInt8(NFTNL_UDATA_SET_DATABYTEORDER.rawValue), 1) }  // BYTEORDER_HOST_ENDIAN
            nftnl_set_set_data(s, UInt16(NFTNL_SET_USERDATA.rawValue), nftnl_udata_buf_data(u), nftnl_udata_buf_len(u))
        }
        nftnl_set_nlmsg_build_payload(header(NFT_MSG_NEWSET, flags: NLM_F_CREATE), s)
        let (kind, name) = (set.isMap ? "map" : "set", set.name)
        finish { "add \(kind) \($0) \(name)" }
    }

    /// `delete set|map FAMILY TABLE NAME` (no rule may still refer to it).
    public func deleteSet(_ name: String, isMap: Bool = true) throws(NFTablesError) {
        try checkOpen()
        let s = setObject(name, id: nil)
        defer { nftnl_set_free(s) }
        nftnl_set_nlmsg_build_payload(header(NFT_MSG_DELSET, flags: 0), s)
        finish { "delete \(isMap ? "map" : "set") \($0) \(name)" }
    }

    /// `add element FAMILY TABLE SET { ... }`, split into messages of `elementsPerMessage`.
    /// `setID`: the set's batch id when it is created in this batch.
    public func addElements(set: String, setID: UInt32? = nil, _ elements: [NFTElement]) throws(NFTablesError) {
        try elementMessages(set: set, setID: setID, elements, type: NFT_MSG_NEWSETELEM, verb: "add")
    }

    /// `delete element FAMILY TABLE SET { ... }` (keys and flags only are compared).
    public func deleteElements(set: String, _ elements: [NFTElement]) throws(NFTablesError) {
        try elementMessages(set: set, setID: nil, elements, type: NFT_MSG_DELSETELEM, verb: "delete")
    }

    private func elementMessages(set name: String, setID: UInt32?, _ elements: [NFTElement], type: nf_tables_msg_types, verb: String) throws(NFTablesError) {
        try checkOpen()
        var start = 0
        while start < elements.count {
            let end = min(start + Self.elementsPerMessage, elements.count)
            // Written straight into the buffer with libmnl, attribute for attribute what
            // `nftnl_set_elems_nlmsg_build_payload` writes, without a libnftnl object per
            // element (a full load has ~21,000).
            let flags = type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0
            let nlh = header(type, flags: flags)
            mnl_attr_put_strz(nlh, UInt16(NFTA_SET_ELEM_LIST_SET.rawValue), name)
            if let setID { mnl_attr_put_u32(nlh, UInt16(NFTA_SET_ELEM_LIST_SET_ID.rawValue), setID.bigEndian) }
            mnl_attr_put_strz(nlh, UInt16(NFTA_SET_ELEM_LIST_TABLE.rawValue), table)
            let list = mnl_attr_nest_start(nlh, UInt16(NFTA_SET_ELEM_LIST_ELEMENTS.rawValue))
            for (i, e) in elements[start..<end].enumerated() {
                let item = mnl_attr_nest_start(nlh, UInt16(i + 1))
                Self.putElement(nlh, e, adding: type == NFT_MSG_NEWSETELEM)
                mnl_attr_nest_end(nlh, item)
            }
            mnl_attr_nest_end(nlh, list)
            let h = (buffer + length).assumingMemoryBound(to: nlmsghdr.self)
            guard h.pointee.nlmsg_len < 64 * 1024 else {
                throw .invalidArgument("\(verb) element \(name): one message of \(end - start) elements is \(h.pointee.nlmsg_len) bytes (limit 64 KiB)")
            }
            let (first, count) = (start, elements.count)
            finish { "\(verb) element \($0) \(name) (elements \(first)..<\(end) of \(count))" }
            start = end
        }
    }

    /// The attributes of one element inside its list item (its value only when `adding`).
    static func putElement(_ nlh: UnsafeMutablePointer<nlmsghdr>, _ e: NFTElement, adding: Bool) {
        if e.intervalEnd {
            mnl_attr_put_u32(nlh, UInt16(NFTA_SET_ELEM_FLAGS.rawValue), UInt32(NFT_SET_ELEM_INTERVAL_END.rawValue).bigEndian)
        }
        putData(nlh, UInt16(NFTA_SET_ELEM_KEY.rawValue), e.key)
        if let k = e.keyEnd { putData(nlh, UInt16(NFTA_SET_ELEM_KEY_END.rawValue), k) }
        guard adding else { return }
        switch e.value {
        case .none: break
        case .data(let d): putData(nlh, UInt16(NFTA_SET_ELEM_DATA.rawValue), d)
        case .verdict(let v):
            let data = mnl_attr_nest_start(nlh, UInt16(NFTA_SET_ELEM_DATA.rawValue))
            putVerdict(nlh, v)
            mnl_attr_nest_end(nlh, data)
        }
    }

    /// `NFTA_DATA_VERDICT { NFTA_VERDICT_CODE, [NFTA_VERDICT_CHAIN] }`.
    static func putVerdict(_ nlh: UnsafeMutablePointer<nlmsghdr>, _ v: NFTVerdict) {
        let verdict = mnl_attr_nest_start(nlh, UInt16(NFTA_DATA_VERDICT.rawValue))
        mnl_attr_put_u32(nlh, UInt16(NFTA_VERDICT_CODE.rawValue), UInt32(bitPattern: v.code).bigEndian)
        if let c = v.chain { mnl_attr_put_strz(nlh, UInt16(NFTA_VERDICT_CHAIN.rawValue), c) }
        mnl_attr_nest_end(nlh, verdict)
    }

    /// `TYPE { NFTA_DATA_VALUE bytes }`: a key or a data value.
    static func putData(_ nlh: UnsafeMutablePointer<nlmsghdr>, _ type: UInt16, _ bytes: [UInt8]) {
        let nest = mnl_attr_nest_start(nlh, type)
        bytes.withUnsafeBytes { mnl_attr_put(nlh, UInt16(NFTA_DATA_VALUE.rawValue), $0.count, $0.baseAddress) }
        mnl_attr_nest_end(nlh, nest)
    }

    // MARK: - End

    /// Asks for an ACK on the last command and appends `NFNL_MSG_BATCH_END`. Idempotent.
    func close() {
        guard !ended else { return }
        if lastCommandOffset >= 0 {
            let h = (buffer + lastCommandOffset).assumingMemoryBound(to: nlmsghdr.self)
            h.pointee.nlmsg_flags |= UInt16(NLM_F_ACK)
        }
        reserve()
        _ = nftnl_batch_end((buffer + length).assumingMemoryBound(to: CChar.self), nextSequence)
        finish(command: false) { _ in "batch end" }
        ended = true
    }
}
