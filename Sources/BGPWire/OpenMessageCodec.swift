import NIOCore
import IPAddressing

extension OpenMessage {
    /// Decodes an OPEN body (the octets after the header), RFC 4271 section 6.2 and RFC 9072 section 3.
    static func decode(body: inout ByteBuffer) throws(BGPError) -> OpenMessage {
        guard let version = body.readInteger(as: UInt8.self),
              let myAS = body.readInteger(as: UInt16.self),
              let hold = body.readInteger(as: UInt16.self),
              let identifier = body.readInteger(as: UInt32.self),
              let parametersLength = body.readInteger(as: UInt8.self) else {
            throw BGPError.header(.badMessageLength, "OPEN shorter than 29 octets")
        }
        guard version == 4 else {
            // Data: the largest version we support (RFC 4271 section 6.2).
            throw BGPError.open(.unsupportedVersionNumber, data: [0, 4], "BGP version \(version) is not supported; only 4")
        }
        var extended = false
        var total = Int(parametersLength)
        // RFC 9072 section 2: a non-extended length of 255 with a first parameter type of 255 announces
        // the extended encoding, with a 2-octet total and 2-octet parameter lengths.
        if parametersLength == 255, body.getInteger(at: body.readerIndex, as: UInt8.self) == 255 {
            body.moveReaderIndex(forwardBy: 1)
            guard let extendedLength = body.readInteger(as: UInt16.self) else {
                throw BGPError.open(.unspecific, "extended optional parameters length is truncated")
            }
            extended = true
            total = Int(extendedLength)
        }
        guard body.readableBytes == total, var parameters = body.readSlice(length: total) else {
            throw BGPError.open(.unspecific,
                                "optional parameters length \(total) does not match the \(body.readableBytes) octets that follow")
        }
        var result: [OptionalParameter] = []
        while parameters.readableBytes > 0 {
            guard let type = parameters.readInteger(as: UInt8.self),
                  let length = extended ? parameters.readInteger(as: UInt16.self).map(Int.init)
                                        : parameters.readInteger(as: UInt8.self).map(Int.init),
                  var value = parameters.readSlice(length: length) else {
                throw BGPError.open(.unspecific, "an optional parameter overruns the optional parameters")
            }
            guard type == 2 else {
                throw BGPError.open(.unsupportedOptionalParameter, "optional parameter type \(type) is not supported")
            }
            var capabilities: [Capability] = []
            while value.readableBytes > 0 {
                guard let code = value.readInteger(as: UInt8.self), let capLength = value.readInteger(as: UInt8.self),
                      var capValue = value.readSlice(length: Int(capLength)) else {
                    throw BGPError.open(.unspecific, "a capability overruns its optional parameter")
                }
                capabilities.append(try Capability.decode(code: code, value: &capValue))
            }
            result.append(.capabilities(capabilities))
        }
        return OpenMessage(version: version, myAutonomousSystem: myAS, holdTime: hold,
                           bgpIdentifier: IPv4Address(identifier), optionalParameters: result,
                           extendedParameters: extended)
    }

    func encodeBody(into buffer: inout ByteBuffer) {
        buffer.writeInteger(version)
        buffer.writeInteger(myAutonomousSystem)
        buffer.writeInteger(holdTime)
        buffer.writeInteger(bgpIdentifier.value)
        var parameters = ByteBufferAllocator().buffer(capacity: 64)
        var values: [ByteBuffer] = []
        for case .capabilities(let caps) in optionalParameters {
            var v = ByteBufferAllocator().buffer(capacity: 32)
            for c in caps { c.encode(into: &v) }
            values.append(v)
        }
        let needsExtended = extendedParameters || values.contains { $0.readableBytes > 255 }
            || values.reduce(0) { $0 + 2 + $1.readableBytes } > 254
        for var v in values {
            parameters.writeInteger(UInt8(2))
            if needsExtended { parameters.writeInteger(UInt16(v.readableBytes)) } else { parameters.writeInteger(UInt8(v.readableBytes)) }
            parameters.writeBuffer(&v)
        }
        if needsExtended {
            buffer.writeInteger(UInt8(255))
            buffer.writeInteger(UInt8(255))
            buffer.writeInteger(UInt16(parameters.readableBytes))
        } else {
            buffer.writeInteger(UInt8(parameters.readableBytes))
        }
        buffer.writeBuffer(&parameters)
    }
}
