import NIOCore

/// The NOTIFICATION message (RFC 4271 section 4.5).
public struct NotificationMessage: Hashable, Sendable, CustomStringConvertible {
    public var code: NotificationCode
    public var subcode: UInt8
    public var data: [UInt8]

    public init(code: NotificationCode, subcode: UInt8, data: [UInt8] = []) {
        self.code = code
        self.subcode = subcode
        self.data = data
    }

    /// A Cease with an optional Shutdown Communication (RFC 9003 section 2): allowed with
    /// Administrative Shutdown and Administrative Reset; UTF-8, at most 255 octets, cut on a character boundary.
    public static func cease(_ subcode: CeaseSubcode, message: String? = nil) -> NotificationMessage {
        guard let message, subcode == .administrativeShutdown || subcode == .administrativeReset else {
            return NotificationMessage(code: .cease, subcode: subcode.rawValue)
        }
        var text = Array(message.utf8)
        if text.count > 255 {
            text = Array(text.prefix(255))
            while !text.isEmpty, String(validating: text, as: UTF8.self) == nil { text.removeLast() }
        }
        return NotificationMessage(code: .cease, subcode: subcode.rawValue, data: [UInt8(text.count)] + text)
    }

    /// The Shutdown Communication of an Administrative Shutdown/Reset Cease (RFC 9003), if well formed.
    public var shutdownCommunication: String? {
        guard code == .cease,
              subcode == CeaseSubcode.administrativeShutdown.rawValue || subcode == CeaseSubcode.administrativeReset.rawValue,
              let length = data.first, data.count == Int(length) + 1 else { return nil }
        return String(validating: data.dropFirst(), as: UTF8.self)
    }

    public var description: String {
        var s = "\(code) subcode \(subcode)"
        if let text = shutdownCommunication { s += " \"\(text)\"" } else if !data.isEmpty { s += " data \(data.hexString)" }
        return s
    }

    static func decode(body: inout ByteBuffer) -> NotificationMessage {
        let code = body.readInteger(as: UInt8.self)!, subcode = body.readInteger(as: UInt8.self)!
        return NotificationMessage(code: NotificationCode(rawValue: code), subcode: subcode,
                                   data: body.readBytes(length: body.readableBytes) ?? [])
    }

    func encodeBody(into buffer: inout ByteBuffer) {
        buffer.writeInteger(code.rawValue)
        buffer.writeInteger(subcode)
        buffer.writeBytes(data)
    }
}

extension Sequence<UInt8> {
    /// Lower-case hex, no separators (`0a0b`).
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in self { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0xF)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
