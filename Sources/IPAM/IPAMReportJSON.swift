import IPAddressing

// `routed ipam show -o json`: the report as JSON, addresses and prefixes as their text forms.

extension IPAMReport: Encodable {
    enum Keys: String, CodingKey { case pools, blocks, leaked, orphanedBlocks, unbacked }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(pools, forKey: .pools)
        try c.encode(blocks, forKey: .blocks)
        try c.encode(leaked, forKey: .leaked)
        try c.encode(orphanedBlocks.map(\.description), forKey: .orphanedBlocks)
        try c.encode(unbacked, forKey: .unbacked)
    }
}

extension PoolUsage: Encodable {
    enum Keys: String, CodingKey {
        case pool, cidr, blockLength, blocksClaimed, blockCapacity, addressesAllocated, addressesReserved, blockSize
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(pool, forKey: .pool)
        try c.encode(cidr.description, forKey: .cidr)
        try c.encode(blockLength, forKey: .blockLength)
        try c.encode(blocksClaimed, forKey: .blocksClaimed)
        // Large IPv6 pools hold more blocks than an Int: "2^N" then.
        try c.encode(blockCapacity.map(String.init) ?? "2^\(blockCountLog2)", forKey: .blockCapacity)
        try c.encode(addressesAllocated, forKey: .addressesAllocated)
        try c.encode(addressesReserved, forKey: .addressesReserved)
        try c.encode(blockSize, forKey: .blockSize)
    }
}

extension IPAMReport.BlockLine: Encodable {
    enum Keys: String, CodingKey { case cidr, pool, host, network, allocated, reserved, size, hostGone }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(cidr.description, forKey: .cidr)
        try c.encode(pool, forKey: .pool)
        try c.encode(host, forKey: .host)
        try c.encode(network, forKey: .network)
        try c.encode(allocated, forKey: .allocated)
        try c.encode(reserved, forKey: .reserved)
        try c.encode(size, forKey: .size)
        try c.encode(hostGone, forKey: .hostGone)
    }
}

extension IPAMReport.Leak: Encodable {
    enum Keys: String, CodingKey { case address, endpoint, host, network, since }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(address.description, forKey: .address)
        try c.encode(endpoint, forKey: .endpoint)
        try c.encode(host, forKey: .host)
        try c.encode(network, forKey: .network)
        try c.encode(since, forKey: .since)
    }
}

extension IPAMReport.Unbacked: Encodable {
    enum Keys: String, CodingKey { case endpoint, address, heldBy }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(endpoint, forKey: .endpoint)
        try c.encode(address.description, forKey: .address)
        try c.encodeIfPresent(heldBy, forKey: .heldBy)
    }
}
