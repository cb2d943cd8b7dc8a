import Testing
import IPAddressing

@Suite struct IPPrefixTests {
    @Test(arguments: [
        ("10.0.0.0/24", "10.0.0.0/24"),
        ("0.0.0.0/0", "0.0.0.0/0"),
        ("192.0.2.1", "192.0.2.1/32"),
        ("2001:db8::/32", "2001:db8::/32"),
        ("2001:db8:0:0:1:0:0:1/128", "2001:db8::1:0:0:1/128"),
        ("::/0", "::/0"),
        ("fe80::1", "fe80::1/128"),
    ])
    func parsesAndPrints(text: String, printed: String) {
        #expect(IPPrefix(text)?.description == printed)
    }

    @Test(arguments: ["10.0.0.1/24", "10.0.0.0/33", "256.0.0.0/8", "10.0.0/8", "01.0.0.0/8",
                      "2001:db8::1/32", "2001:db8::/129", "1:2:3:4:5:6:7:8:9", "::1::", "", "/24"])
    func refusesMalformedText(text: String) {
        #expect(IPPrefix(text) == nil)
    }

    @Test func maskingAndContainment() {
        let p = IPv4Prefix(IPv4Address(10, 1, 2, 3), length: 16)
        #expect(p.description == "10.1.0.0/16")
        #expect(p.contains(IPv4Address(10, 1, 255, 255)))
        #expect(!p.contains(IPv4Address(10, 2, 0, 0)))
        #expect(p.contains(IPv4Prefix("10.1.4.0/24")!))
        #expect(!IPv4Prefix("10.1.4.0/24")!.contains(p))
        #expect(p.lastAddress.description == "10.1.255.255")
        let v6 = IPv6Prefix(IPv6Address("2001:db8:ffff::1")!, length: 36)
        #expect(v6.description == "2001:db8:f000::/36")
        #expect(v6.contains(IPv6Address("2001:db8:f123::9")!))
        #expect(IPv6Address("::ffff:192.0.2.1")?.description == "::ffff:c000:201")
        #expect(IPv6Address("fe80::1")!.isLinkLocal)
    }
}
