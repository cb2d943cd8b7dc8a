import Testing
import TestScheduling
import BGPSpeaker
import IPAddressing

/// `--peer` values: what parses, and what an operator is told when it does not.
@Suite(.blockingWork) struct PeerSpecTests {
    @Test func fullSpecification() throws {
        let p = try PeerSpec(parsing: "192.0.2.1,as=65000,port=1179,local=192.0.2.2,password=s3cret,passive,hold=30,keepalive=10,connect-retry=5,ttl-security,next-hop=192.0.2.2,next-hop6=2001:db8::2")
        #expect(p.address == IPAddress("192.0.2.1"))
        #expect(p.remoteAS == 65000 && p.port == 1179 && p.localAddress == IPAddress("192.0.2.2"))
        #expect(p.password == "s3cret" && p.passive && p.ttlSecurity)
        #expect(p.holdTime == 30 && p.keepaliveTime == 10 && p.connectRetryTime == 5)
        #expect(p.ipv4NextHop == IPv4Address("192.0.2.2") && p.ipv6NextHop == IPv6Address("2001:db8::2"))
        #expect(!p.description.contains("s3cret"))
    }

    @Test func policiesAndReflectorClient() throws {
        let p = try PeerSpec(parsing: "10.0.0.2,import=default-route,export=blocks,rr-client")
        #expect(p.importPolicy == "default-route" && p.exportPolicy == "blocks" && p.reflectorClient)
        #expect(p.description == "10.0.0.2,rr-client,import=default-route,export=blocks")
        let plain = try PeerSpec(parsing: "10.0.0.2")
        #expect(plain.importPolicy == nil && plain.exportPolicy == nil && !plain.reflectorClient)
    }

    @Test func defaultsAreInternalActiveAnd90Seconds() throws {
        let p = try PeerSpec(parsing: "2001:db8::1")
        #expect(p.remoteAS == nil && !p.passive && p.holdTime == 90 && p.port == 179)
    }

    @Test(arguments: [
        ("10.0.0", "is not an IPv4 or IPv6 address"),
        ("10.0.0.1,as=0", "needs a number in 1...4294967295"),
        ("10.0.0.1,as=abc", "needs a number"),
        ("10.0.0.1,hold=2", "0 or at least 3"),
        ("10.0.0.1,port=70000", "needs a number in 1...65535"),
        ("10.0.0.1,password=", "1 to 80 octets"),
        ("10.0.0.1,colour=blue", "unknown option 'colour=blue'"),
        ("10.0.0.1,ttl-security,multihop=2", "exclude each other"),
        ("10.0.0.1,next-hop=2001:db8::1", "next-hop needs an IPv4 address"),
        ("10.0.0.1,import=", "import needs a policy name"),
        ("10.0.0.1,export=a b", "export needs a policy name"),
        ("10.0.0.1,rr-client=yes", "unknown option 'rr-client=yes'"),
    ])
    func refusedWithAReason(text: String, problem: String) {
        do {
            _ = try PeerSpec(parsing: text)
            Issue.record("\(text) was accepted")
        } catch {
            #expect(error.description.contains(problem), "\(error.description)")
            #expect(error.description.hasPrefix("--peer \(text)"))
        }
    }
}
