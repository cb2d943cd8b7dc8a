import Testing
import TestScheduling
import Policy

@Suite(.blockingWork) struct NetworkNameAndIDTests {
    /// FNV-1a 32-bit reference values (draft-eastlake-fnv test vectors).
    @Test(arguments: [("", UInt32(0x811C_9DC5)), ("a", 0xE40C_292C), ("foobar", 0xBF9C_F968)])
    func fnv1aMatchesReferenceVectors(text: String, hash: UInt32) {
        #expect(NetworkID.fnv1a32(text.utf8) == hash)
    }

    @Test(arguments: [("lamp", UInt32(0x6BF0_EF3B)), ("lnmp", 0x44CB_AD52)])
    func idIsTheNameHashSoEveryHostAgrees(name: String, id: UInt32) throws {
        #expect(NetworkID(deriving: try NetworkName(validating: name)).rawValue == id)
    }

    @Test func pseudoNetworksHaveReservedIDs() {
        #expect(NetworkID(deriving: .world) == .world && NetworkID.world.rawValue == 1)
        #expect(NetworkID(deriving: .host) == .host && NetworkID.host.rawValue == 2)
        #expect(NetworkID.host.description == "0x00000002")
    }

    @Test(arguments: ["lamp", "lnmp", "a", "web-1", "db_2", "x0123456789012345678901234567890"])
    func acceptsValidNames(name: String) throws {
        #expect(try NetworkName(validating: name).rawValue == name)
    }

    @Test(arguments: [
        ("", "1 to 32"), ("x01234567890123456789012345678901", "1 to 32"),
        ("Lamp", "lower-case"), ("la mp", "lower-case"), ("lamp.x", "lower-case"), ("läm", "lower-case"),
        ("1lamp", "starts with a letter"), ("-x", "starts with a letter"), ("lamp-", "does not end"),
        ("block", "reserved"), ("gw", "reserved"), ("fwd", "reserved"), ("world", "reserved"), ("host", "reserved"),
    ])
    func refusesInvalidNamesSayingWhy(name: String, reasonContains: String) {
        #expect {
            try NetworkName(validating: name)
        } throws: { error in
            guard case PolicyError.invalidNetworkName(let n, let reason) = error else { return false }
            return n == name && reason.contains(reasonContains)
        }
    }

    @Test func collisionIsRefusedNamingBothNetworks() throws {
        // "nzrux" and "nffijb" share FNV-1a hash 0x7907caf4 (found by exhaustive search).
        var book = PolicyBook()
        try book.createNetwork("nzrux")
        let before = book
        #expect(throws: PolicyError.networkIDCollision(
            new: try NetworkName(validating: "nffijb"), existing: try NetworkName(validating: "nzrux"),
            id: NetworkID(rawValue: 0x7907_CAF4))) {
            try book.createNetwork("nffijb")
        }
        #expect(book == before)
        let message = PolicyError.networkIDCollision(new: try NetworkName(validating: "nffijb"),
                                                     existing: try NetworkName(validating: "nzrux"),
                                                     id: NetworkID(rawValue: 0x7907_CAF4)).description
        #expect(message.contains("nffijb") && message.contains("nzrux") && message.contains("0x7907caf4"))
    }

    @Test func pseudoNetworksCannotBeCreatedOrDeleted() {
        var book = PolicyBook()
        #expect(throws: PolicyError.pseudoNetwork(.world)) { try book.createNetwork("world") }
        #expect(throws: PolicyError.pseudoNetwork(.host)) { try book.deleteNetwork(.host) }
    }
}
