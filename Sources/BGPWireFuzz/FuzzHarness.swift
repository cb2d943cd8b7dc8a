import NIOCore
import BGPWire

/// What the fuzzer checks on every input, beyond "no crash, no sanitizer report":
/// the framer gives the same messages whatever the split, and a decoded message re-encodes to
/// bytes that decode to the same message (for UPDATEs without RFC 7606 errors).
enum FuzzHarness {
    static let contexts = [CodecContext(), CodecContext(fourOctetAS: false), CodecContext(extendedMessage: true, externalPeer: true),
                           CodecContext(addPath: [.ipv4Unicast, .ipv6Unicast])]

    static func run(_ input: UnsafeRawBufferPointer) {
        guard let control = input.first else { return }
        let bytes = input.dropFirst()
        let context = contexts[Int(control) % contexts.count]
        let whole = frame(bytes, chunk: bytes.count, context: context)
        let split = frame(bytes, chunk: Int(control >> 2) % 7 + 1, context: context)
        precondition(whole.messages.count == split.messages.count && whole.failed == split.failed,
                     "the framer's output depends on how the bytes were split")
        for raw in whole.messages {
            guard let message = try? BGPMessage.decode(raw, context: context) else { continue }
            if case .update(let u) = message, !u.errors.isEmpty { continue }
            let again = try? BGPMessage.decode(bytes: message.encoded(context: context), context: context)
            precondition(again == message, "re-encoding changed \(message) into \(String(describing: again))")
        }
    }

    static func frame(_ bytes: some Collection<UInt8>, chunk: Int, context: CodecContext) -> (messages: [RawMessage], failed: Bool) {
        var framer = BGPFramer(maxMessageLength: context.maxMessageLength)
        var out: [RawMessage] = []
        var rest = bytes[...]
        while !rest.isEmpty {
            framer.append(rest.prefix(max(chunk, 1)))
            rest = rest.dropFirst(max(chunk, 1))
            do {
                while let m = try framer.next() { out.append(m) }
            } catch {
                return (out, true)
            }
        }
        return (out, false)
    }
}

#if FUZZING
import CFuzzDriver

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    FuzzHarness.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// SwiftPM links an executable with `main` aliased to `<module>_main`; hand control to libFuzzer.
@_cdecl("BGPWireFuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOne(data, size) }
}
#else
import Foundation

/// Without -DFUZZING: replays the inputs named on the command line (files or folders), so a crash
/// file reproduces in an ordinary build: `swift run BGPWireFuzz crash-xyz`.
@main
enum Replay {
    static func main() throws {
        var count = 0
        for path in CommandLine.arguments.dropFirst() {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                print("no such file: \(path)"); exit(2)
            }
            let files = isDirectory.boolValue
                ? try FileManager.default.contentsOfDirectory(atPath: path).sorted().map { path + "/" + $0 } : [path]
            for file in files {
                let data = try Data(contentsOf: URL(fileURLWithPath: file))
                data.withUnsafeBytes { FuzzHarness.run($0) }
                count += 1
            }
        }
        print("replayed \(count) inputs, no failure")
    }
}
#endif
