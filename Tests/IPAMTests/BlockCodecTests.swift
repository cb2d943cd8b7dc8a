import IPAddressing
@testable import IPAM
import Testing

@Suite struct BlockCodecTests {
    @Test func roundTrip() throws {
        let p = try Pool(name: "p", cidr: "10.0.0.0/24", blockLength: 26, reserved: ["10.0.0.63"])
        var b = Block(cidr: cidr("10.0.0.0/26"), pool: p, host: "h", network: "n", now: 5)
        _ = b.assignFirstFree(to: "a", now: 6)
        b.assign(ip("10.0.0.9"), to: "ünïcode", now: 7)
        b.revision = 3
        let bytes = b.encodedState()
        let back = try Block(cidr: b.cidr, pool: "p", host: "h", network: "n", revision: 3, updatedAt: 7, encodedState: bytes)
        #expect(back == b)
    }

    @Test func encodingOfOneHolder() throws {
        let p = try Pool(name: "p", cidr: "10.0.0.0/24", blockLength: 30)
        var b = Block(cidr: cidr("10.0.0.4/30"), pool: p, host: "h", network: "n", now: 0)
        b.assign(ip("10.0.0.6"), to: "ab", now: 1)
        #expect(b.encodedState() == [
            1,                                  // version
            1, 0, 0, 0,                         // one word per bitmap
            0b100, 0, 0, 0, 0, 0, 0, 0,         // allocated: offset 2
            0, 0, 0, 0, 0, 0, 0, 0,             // reserved: none
            1, 0, 0, 0,                         // one holder
            2, 0, 0, 0,                         // offset 2
            1, 0, 0, 0, 0, 0, 0, 0,             // allocated at t=1
            2, 0, 0x61, 0x62,                   // "ab"
        ])
    }

    @Test(arguments: [
        ([UInt8]([2]), "unknown state version"),
        ([1, 2, 0, 0, 0], "bitmap size does not match"),
        // version, 1 word, allocated word cut short
        ([1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0], "truncated"),
        // version, 1 word, allocated = offset 0, reserved = none, 0 holders: a bit nobody holds
        ([1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "owners do not match"),
        // allocated = offset 4 in a block of 4
        ([1, 1, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "past the end"),
        // a valid empty state plus one byte
        ([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9], "trailing bytes"),
    ] as [([UInt8], String)])
    func corruptStateIsRefused(bytes: [UInt8], reason: String) {
        do {
            _ = try Block(cidr: cidr("10.0.0.4/30"), pool: "p", host: "h", network: "n", revision: 1, updatedAt: 0, encodedState: bytes)
            Issue.record("decoded corrupt bytes")
        } catch {
            #expect(error.description.contains(reason), "\(error.description)")
            #expect(error.description.hasPrefix("block 10.0.0.4/30 in the datastore is corrupt"))
        }
    }
}
