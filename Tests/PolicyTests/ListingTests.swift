import Testing
import TestScheduling
import Policy

/// `routed policy list`: the policies with the hits their chains counted.
@Suite(.blockingWork) struct ListingTests {
    @Test func countersAreReadFromTheNftListing() {
        let listing = """
        table inet routed {
        \tchain pass {
        \t\tmeta mark set 0x00000000 ct mark set 0x00000000 accept
        \t}

        \tchain p1 {
        \t\tcomment "deny lamp lnmp"
        \t\tcounter packets 12 bytes 1008 drop
        \t}

        \tchain p23 {
        \t\tcounter packets 0 bytes 0 log prefix "routed p23 allow " goto pass
        \t}

        \tchain classify {
        \t\tcounter packets 99 bytes 9999 drop
        \t}
        }
        """
        let c = Ruleset.policyCounters(fromListing: listing)
        #expect(c == [PolicyID(rawValue: 1): PolicyCounter(packets: 12, bytes: 1008),
                      PolicyID(rawValue: 23): PolicyCounter(packets: 0, bytes: 0)])
    }

    @Test func listingShowsIDRuleAndHits() throws {
        let book = try PolicyBook.make(["deny lamp lnmp", "allow lamp lnmp --proto tcp --port 80"])
        let text = book.listingText(counters: [PolicyID(rawValue: 1): PolicyCounter(packets: 12, bytes: 1008)])
        #expect(text == """
        ID  POLICY                                 PACKETS   BYTES
        1   deny lamp lnmp                         12        1008
        2   allow lamp lnmp --proto tcp --port 80  -         -
        default: allow

        """)
    }
}
