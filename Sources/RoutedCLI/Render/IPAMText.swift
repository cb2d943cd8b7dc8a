public import AgentAPI

/// `routed ipam show` through the agent: the same text as the direct `--datastore` read
/// (`IPAMReport.render()`), made from the API's JSON form.
public enum IPAMText {
    public static func render(_ r: IPAMReportBody) -> String {
        var out = "POOL\n"
        for p in r.pools { out += "  " + summary(p) + "\n" }
        out += "BLOCKS\n"
        out += "  " + pad("CIDR", 28) + pad("POOL", 12) + pad("HOST", 16) + pad("NETWORK", 14) + "USED\n"
        for b in r.blocks {
            out += "  " + pad(b.cidr, 28) + pad(b.pool, 12) + pad(b.host + (b.hostGone ? " (gone)" : ""), 16)
                + pad(b.network, 14) + "\(b.allocated)/\(b.size - b.reserved)\n"
        }
        if !r.leaked.isEmpty {
            out += "LEAKED (allocated, no endpoint)\n"
            for l in r.leaked { out += "  \(l.address) endpoint \(l.endpoint) host \(l.host) network \(l.network)\n" }
        }
        if !r.unbacked.isEmpty {
            out += "UNBACKED (endpoint, address not allocated to it)\n"
            for u in r.unbacked { out += "  \(u.address) endpoint \(u.endpoint)" + (u.heldBy.map { " held by \($0)" } ?? "") + "\n" }
        }
        if !r.orphanedBlocks.isEmpty {
            out += "ORPHANED (host gone)\n"
            for c in r.orphanedBlocks { out += "  \(c)\n" }
        }
        return out
    }

    /// `pool 'containers' (10.244.0.0/16, /26 blocks): 3 of 1024 blocks claimed, 5 of 65536 addresses in use`.
    public static func summary(_ p: IPAMReportBody.Pool) -> String {
        let log2Size = p.blockSize.trailingZeroBitCount
        let addresses: String
        if let blocks = Int(p.blockCapacity), blocks.trailingZeroBitCount + log2Size < 63 {
            addresses = String(blocks << log2Size - p.addressesReserved)
        } else if p.blockCapacity.hasPrefix("2^"), let n = Int(p.blockCapacity.dropFirst(2)) {
            addresses = "2^\(n + log2Size)"
        } else {
            addresses = "?"
        }
        return "pool '\(p.pool)' (\(p.cidr), /\(p.blockLength) blocks): \(p.blocksClaimed) of \(p.blockCapacity) blocks claimed, "
            + "\(p.addressesAllocated) of \(addresses) addresses in use"
    }

    private static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
}
