/// `GET /v1/ipam`: the IPAM report as `routed ipam show -o json` prints it (the JSON form of
/// `IPAMReport` in the IPAM target), decodable on the client side without the IPAM target.
public struct IPAMReportBody: Codable, Hashable, Sendable {
    public struct Pool: Codable, Hashable, Sendable {
        public var pool: String
        public var cidr: String
        public var blockLength: Int
        public var blocksClaimed: Int
        /// A count, or `2^N` for pools holding more blocks than an Int.
        public var blockCapacity: String
        public var addressesAllocated: Int
        public var addressesReserved: Int
        public var blockSize: Int

        public init(pool: String, cidr: String, blockLength: Int, blocksClaimed: Int, blockCapacity: String,
                    addressesAllocated: Int, addressesReserved: Int, blockSize: Int) {
            self.pool = pool; self.cidr = cidr; self.blockLength = blockLength; self.blocksClaimed = blocksClaimed
            self.blockCapacity = blockCapacity; self.addressesAllocated = addressesAllocated
            self.addressesReserved = addressesReserved; self.blockSize = blockSize
        }
    }

    public struct Block: Codable, Hashable, Sendable {
        public var cidr: String
        public var pool: String
        public var host: String
        public var network: String
        public var allocated: Int
        public var reserved: Int
        public var size: Int
        /// The host holding the block is no longer registered.
        public var hostGone: Bool

        public init(cidr: String, pool: String, host: String, network: String, allocated: Int, reserved: Int, size: Int,
                    hostGone: Bool) {
            self.cidr = cidr; self.pool = pool; self.host = host; self.network = network
            self.allocated = allocated; self.reserved = reserved; self.size = size; self.hostGone = hostGone
        }
    }

    /// An address allocated to an endpoint that no longer exists.
    public struct Leak: Codable, Hashable, Sendable {
        public var address: String
        public var endpoint: String
        public var host: String
        public var network: String
        /// Unix time of the allocation.
        public var since: Int64

        public init(address: String, endpoint: String, host: String, network: String, since: Int64) {
            self.address = address; self.endpoint = endpoint; self.host = host; self.network = network; self.since = since
        }
    }

    /// An endpoint whose address is not allocated to it.
    public struct Unbacked: Codable, Hashable, Sendable {
        public var endpoint: String
        public var address: String
        public var heldBy: String?

        public init(endpoint: String, address: String, heldBy: String?) {
            self.endpoint = endpoint; self.address = address; self.heldBy = heldBy
        }
    }

    public var pools: [Pool]
    public var blocks: [Block]
    public var leaked: [Leak]
    public var orphanedBlocks: [String]
    public var unbacked: [Unbacked]

    public init(pools: [Pool], blocks: [Block], leaked: [Leak], orphanedBlocks: [String], unbacked: [Unbacked]) {
        self.pools = pools; self.blocks = blocks; self.leaked = leaked; self.orphanedBlocks = orphanedBlocks
        self.unbacked = unbacked
    }
}
