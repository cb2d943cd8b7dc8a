import NIOCore
@testable import BGPWire
import IPAddressing

/// The 16-octet all-ones marker that starts every message.
let marker = [UInt8](repeating: 0xFF, count: 16)

/// A whole message: marker, length, type, body.
func message(_ type: UInt8, _ body: [UInt8]) -> [UInt8] {
    let length = 19 + body.count
    return marker + [UInt8(length >> 8), UInt8(length & 0xFF), type] + body
}

func v4(_ s: String) -> IPv4Prefix { IPv4Prefix(s)! }
func v6(_ s: String) -> IPv6Prefix { IPv6Prefix(s)! }
func addr(_ s: String) -> IPv4Address { IPv4Address(s)! }
func addr6(_ s: String) -> IPv6Address { IPv6Address(s)! }

extension BGPMessage {
    var update: UpdateMessage? { if case .update(let u) = self { u } else { nil } }
    var open: OpenMessage? { if case .open(let o) = self { o } else { nil } }
}

/// Decodes bytes as one message, returning the error instead of throwing.
func decodeResult(_ bytes: [UInt8], _ context: CodecContext = CodecContext()) -> Result<BGPMessage, BGPError> {
    do { return .success(try BGPMessage.decode(bytes: bytes, context: context)) } catch { return .failure(error) }
}
