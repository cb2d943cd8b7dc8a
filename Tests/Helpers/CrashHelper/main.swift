// routed-ipam-crash-helper DB HOST NETWORK START [PAUSE]
//
// Plays an agent adding and deleting endpoints against a SQLite datastore as fast as it can, so a
// test can `kill -9` it at an arbitrary point. Orders each step the way the agent must:
//   add:    allocate the address, then record the endpoint   (a crash between leaves a leak GC repairs)
//   delete: delete the endpoint record, then release         (same)
// so that a crash never leaves an endpoint record whose address is not allocated to it.
// Prints "add NAME ADDR" / "del NAME" after each step completes ("deleting NAME" before a delete), and runs until killed. With
// PAUSE, the PAUSE-th add stops between its allocation and its record ("allocated NAME ADDR"),
// so that a kill lands exactly in the middle of an allocation.
import Datastore
import IPAM
import IPAddressing
#if canImport(Glibc)
import Glibc
#endif

/// One unbuffered write per line, so what the test reads is exactly what completed.
func say(_ line: String, fd: Int32 = 1) {
    var bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress, $0.count) }
}

let args = CommandLine.arguments
guard args.count == 5 || args.count == 6, let start = Int(args[4]) else {
    say("usage: routed-ipam-crash-helper DB HOST NETWORK START [PAUSE]", fd: 2)
    exit(2)
}
let (db, host, network) = (args[1], args[2], args[3])
let pause = args.count == 6 ? Int(args[5]) : nil
do {
    let store = try SQLiteDatastore(path: db)
    let alloc = IPAllocator(store: store)
    var live: [String] = []
    var k = start
    while true {
        let name = "\(host)-e\(k)"
        k += 1
        let a = try await alloc.allocate(endpoint: name, network: network, host: host)
        if k - start == pause {
            say("allocated \(name) \(a)")
            while true { sleep(1) }     // until killed (the test kills it at once)
        }
        try await store.putEndpoint(EndpointRecord(name: name, network: network, host: host, addresses: [a]))
        say("add \(name) \(a)")
        live.append(name)
        if live.count > 20 {
            let old = live.removeFirst()
            say("deleting \(old)")
            try await store.deleteEndpoint(named: old)
            try await alloc.release(endpoint: old, host: host)
            say("del \(old)")
        }
    }
} catch {
    say("crash helper: \(error)", fd: 2)
    exit(1)
}
