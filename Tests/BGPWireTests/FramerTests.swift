import Testing
import NIOCore
@testable import BGPWire

/// The incremental framer (RFC 4271 section 4.1): any split of the stream gives the same messages.
@Suite struct FramerTests {
    let stream: [UInt8] = message(4, []) + message(5, [0x00, 0x01, 0x00, 0x01]) + message(2, [0, 0, 0, 0]) + message(4, [])

    func frame(_ bytes: [UInt8], chunk: Int, max: Int = 4096) throws -> [UInt8] {
        var framer = BGPFramer(maxMessageLength: max)
        var types: [UInt8] = []
        var i = 0
        while i < bytes.count {
            framer.append(bytes[i..<min(i + chunk, bytes.count)])
            i += chunk
            while let m = try framer.next() { types.append(m.typeCode) }
        }
        #expect(framer.bufferedBytes == 0)
        return types
    }

    @Test(arguments: [1, 2, 3, 7, 19, 20, 1000])
    func anySplitGivesTheSameMessages(chunk: Int) throws {
        #expect(try frame(stream, chunk: chunk) == [4, 5, 2, 4])
    }

    @Test func oneByteAtATimeWaitsForTheWholeMessage() throws {
        var framer = BGPFramer()
        let keepalive = message(4, [])
        for b in keepalive.dropLast() {
            framer.append([b])
            #expect(try framer.next() == nil)
        }
        framer.append([keepalive.last!])
        let m = try #require(try framer.next())
        #expect(m.typeCode == 4 && m.bytes.readableBytes == 19)
    }

    struct BadHeader: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var subcode: HeaderErrorSubcode
        var data: [UInt8]
        var testDescription: String { name }
    }

    static let badHeaders: [BadHeader] = [
        BadHeader(name: "marker with a zero octet", bytes: [0xFF] + [0x00] + [UInt8](repeating: 0xFF, count: 14) + [0x00, 0x13, 0x04],
                  subcode: .connectionNotSynchronized, data: []),
        BadHeader(name: "length 18", bytes: marker + [0x00, 0x12, 0x04], subcode: .badMessageLength, data: [0x00, 0x12]),
        BadHeader(name: "length 4097", bytes: marker + [0x10, 0x01, 0x02], subcode: .badMessageLength, data: [0x10, 0x01]),
        BadHeader(name: "length 0", bytes: marker + [0x00, 0x00, 0x04], subcode: .badMessageLength, data: [0x00, 0x00]),
    ]

    @Test(arguments: badHeaders)
    func badHeaderIsRefusedAndPoisonsTheFramer(_ c: BadHeader) {
        var framer = BGPFramer()
        framer.append(c.bytes)
        let error = #expect(throws: BGPError.self) { _ = try framer.next() }
        #expect(error?.code == .messageHeaderError)
        #expect(error?.subcode == c.subcode.rawValue)
        #expect(error?.data == c.data)
        // Once broken, the stream stays broken: later good bytes are not trusted.
        framer.append(message(4, []))
        #expect(throws: BGPError.self) { _ = try framer.next() }
    }

    @Test func extendedMessagesNeedTheLargerLimit() throws {
        let big = message(2, [0, 0, 0, 0] + [UInt8](repeating: 0x18, count: 0) + [UInt8](repeating: 0, count: 5000))
        #expect(throws: BGPError.self) { try frame(big, chunk: 512) }
        #expect(try frame(big, chunk: 512, max: 65535) == [2])
    }

    @Test func unknownTypeIsABadMessageTypeWithTheTypeAsData() {
        let result = decodeResult(message(9, []))
        guard case .failure(let e) = result else { Issue.record("decoded"); return }
        #expect(e.code == .messageHeaderError && e.subcode == HeaderErrorSubcode.badMessageType.rawValue && e.data == [9])
    }
}
