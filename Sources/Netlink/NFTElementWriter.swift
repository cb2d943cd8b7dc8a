import CMNL
import CNFTNL

extension NFTBatch {
    /// `add element FAMILY TABLE SET { ... }` with the elements `write` writes in place, cut
    /// into messages of `elementsPerMessage` as `addElements(set:setID:_:)` cuts them, with the
    /// same bytes (`NFTElementWriterTests`), and without an `NFTElement` and its key arrays per
    /// element (a full load writes ~25,000).
    public func addElements(set name: String, setID: UInt32? = nil, _ write: (inout NFTElementWriter) -> Void) throws(NFTablesError) {
        try checkOpen()
        var w = NFTElementWriter(batch: self, set: name, setID: setID)
        write(&w)
        try w.close()
    }
}

/// Writes the elements of one set into the batch (`NFTBatch.addElements(set:setID:_:)`).
public struct NFTElementWriter {
    let batch: NFTBatch
    let set: String
    let setID: UInt32?
    private var nlh: UnsafeMutablePointer<nlmsghdr>?
    private var list: UnsafeMutablePointer<nlattr>?
    private var inMessage = 0, written = 0, firstInMessage = 0
    private var oversized: Int?
    private let total = Total()
    /// How many were written in all, for the messages' descriptions (known at the end).
    final class Total { var count = 0 }

    init(batch: NFTBatch, set: String, setID: UInt32?) { self.batch = batch; self.set = set; self.setID = setID }

    /// An `ipv4_addr` key (an interval start with its verdict, or an interval end).
    public mutating func add(ipv4 a: UInt32, intervalEnd: Bool = false, verdict: NFTVerdict? = nil) {
        element(intervalEnd: intervalEnd, verdict: verdict) { p in p.storeBytes(of: a.bigEndian, as: UInt32.self); return 4 }
    }
    /// An `ipv6_addr` key.
    public mutating func add(ipv6 a: UInt128, intervalEnd: Bool = false, verdict: NFTVerdict? = nil) {
        element(intervalEnd: intervalEnd, verdict: verdict) { p in p.storeBytes(of: a.bigEndian, as: UInt128.self); return 16 }
    }
    /// An `ifname` key: 16 bytes, zero padded.
    public mutating func add(ifname n: String) {
        element(intervalEnd: false, verdict: nil) { p in Self.name(n, p); return 16 }
    }
    /// An `ifname . ipv4_addr` key.
    public mutating func add(ifname n: String, ipv4 a: UInt32) {
        element(intervalEnd: false, verdict: nil) { p in Self.name(n, p); p.storeBytes(of: a.bigEndian, toByteOffset: 16, as: UInt32.self); return 20 }
    }
    /// An `ifname . ipv6_addr` key.
    public mutating func add(ifname n: String, ipv6 a: UInt128) {
        element(intervalEnd: false, verdict: nil) { p in Self.name(n, p); p.storeBytes(of: a.bigEndian, toByteOffset: 16, as: UInt128.self); return 32 }
    }
    /// Any element.
    public mutating func add(_ e: NFTElement) {
        let item = open()
        NFTBatch.putElement(nlh!, e, adding: true)
        closeItem(item)
    }

    private static func name(_ n: String, _ p: UnsafeMutableRawPointer) {
        var i = 0
        for c in n.utf8.prefix(15) { p.storeBytes(of: c, toByteOffset: i, as: UInt8.self); i += 1 }
        while i < 16 { p.storeBytes(of: UInt8(0), toByteOffset: i, as: UInt8.self); i += 1 }
    }

    private mutating func element(intervalEnd: Bool, verdict: NFTVerdict?, _ key: (UnsafeMutableRawPointer) -> Int) {
        let item = open()
        let nlh = nlh!
        if intervalEnd {
            mnl_attr_put_u32(nlh, UInt16(NFTA_SET_ELEM_FLAGS.rawValue), UInt32(NFT_SET_ELEM_INTERVAL_END.rawValue).bigEndian)
        }
        // NFTA_SET_ELEM_KEY { NFTA_DATA_VALUE key }, the value written in place (the buffer is
        // zeroed, so the padding is 0 as libmnl's copy would leave it).
        let nest = mnl_attr_nest_start(nlh, UInt16(NFTA_SET_ELEM_KEY.rawValue))
        let attr = UnsafeMutableRawPointer(mnl_nlmsg_get_payload_tail(nlh)!)
        let n = key(attr + 4)
        attr.storeBytes(of: UInt16(4 + n), as: UInt16.self)
        attr.storeBytes(of: UInt16(NFTA_DATA_VALUE.rawValue), toByteOffset: 2, as: UInt16.self)
        nlh.pointee.nlmsg_len += UInt32((4 + n + 3) & ~3)
        mnl_attr_nest_end(nlh, nest)
        if let verdict {
            let data = mnl_attr_nest_start(nlh, UInt16(NFTA_SET_ELEM_DATA.rawValue))
            NFTBatch.putVerdict(nlh, verdict)
            mnl_attr_nest_end(nlh, data)
        }
        closeItem(item)
    }

    /// Opens a message when none is open, and the next element's nest.
    private mutating func open() -> UnsafeMutablePointer<nlattr> {
        if nlh == nil {
            let h = batch.header(NFT_MSG_NEWSETELEM, flags: NLM_F_CREATE)
            mnl_attr_put_strz(h, UInt16(NFTA_SET_ELEM_LIST_SET.rawValue), set)
            if let setID { mnl_attr_put_u32(h, UInt16(NFTA_SET_ELEM_LIST_SET_ID.rawValue), setID.bigEndian) }
            mnl_attr_put_strz(h, UInt16(NFTA_SET_ELEM_LIST_TABLE.rawValue), batch.table)
            list = mnl_attr_nest_start(h, UInt16(NFTA_SET_ELEM_LIST_ELEMENTS.rawValue))
            nlh = h; firstInMessage = written; inMessage = 0
        }
        return mnl_attr_nest_start(nlh!, UInt16(inMessage + 1))
    }

    private mutating func closeItem(_ item: UnsafeMutablePointer<nlattr>) {
        mnl_attr_nest_end(nlh!, item)
        inMessage += 1; written += 1
        if inMessage == NFTBatch.elementsPerMessage { endMessage() }
    }

    private mutating func endMessage() {
        guard let h = nlh else { return }
        mnl_attr_nest_end(h, list)
        if h.pointee.nlmsg_len >= 64 * 1024 { oversized = Int(h.pointee.nlmsg_len) }
        let (name, first, end, total) = (set, firstInMessage, written, total)
        batch.finish { "add element \($0) \(name) (elements \(first)..<\(end) of \(total.count))" }
        nlh = nil; list = nil
    }

    mutating func close() throws(NFTablesError) {
        endMessage()
        total.count = written
        if let oversized { throw .invalidArgument("add element \(set): one message is \(oversized) bytes (limit 64 KiB); the batch is unusable") }
    }
}
