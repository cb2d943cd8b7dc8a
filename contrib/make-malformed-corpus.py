#!/usr/bin/env python3
"""Build the BGP malformed-message corpus in Fixtures/bgp/malformed/.

Deterministic, stdlib only.  Run from anywhere:

    python3 contrib/make-malformed-corpus.py

It deletes every Fixtures/bgp/malformed/*.bin, writes one NAME.bin per case
(a whole BGP message including its 19-byte header) and MANIFEST.tsv
(name, expect, options, why).  See Fixtures/bgp/malformed/README.md.

Every case's expectation is written by hand below.  Before anything is
written, an independent reference classifier at the end of this file
(`classify`) re-parses every generated message from its bytes, applying the
routed/BGPWire error-handling decisions, and must reach the same verdict
(including the exact withdrawn-prefix list); the script aborts otherwise.
"""

import ipaddress
import os
import struct
import sys

# ---------------------------------------------------------------------------
# Encoding helpers
# ---------------------------------------------------------------------------

MARKER = b"\xff" * 16
OPEN, UPDATE, NOTIFICATION, KEEPALIVE, ROUTE_REFRESH = 1, 2, 3, 4, 5

# Attribute flag bits (RFC 4271 §4.3)
O = 0x80  # Optional
T = 0x40  # Transitive
P = 0x20  # Partial
E = 0x10  # Extended Length
WK = T            # well-known (mandatory or discretionary): 0x40
OPT_T = O | T     # optional transitive: 0xC0
OPT_N = O         # optional non-transitive: 0x80

# Path attribute type codes
ORIGIN_T, AS_PATH_T, NEXT_HOP_T, MED_T, LOCAL_PREF_T = 1, 2, 3, 4, 5
ATOMIC_AGG_T, AGGREGATOR_T, COMMUNITIES_T, ORIGINATOR_ID_T, CLUSTER_LIST_T = 6, 7, 8, 9, 10
MP_REACH_T, MP_UNREACH_T, EXT_COMM_T, AS4_PATH_T, AS4_AGG_T = 14, 15, 16, 17, 18
LARGE_COMM_T = 32
UNKNOWN_T = 99  # unassigned in the IANA path-attribute registry

AS_SET, AS_SEQUENCE, AS_CONFED_SEQUENCE, AS_CONFED_SET = 1, 2, 3, 4


def u8(v):
    return struct.pack("!B", v)


def u16(v):
    return struct.pack("!H", v)


def u32(v):
    return struct.pack("!I", v)


def ip4(text):
    return ipaddress.IPv4Address(text).packed


def ip6(text):
    return ipaddress.IPv6Address(text).packed


def header(msg_type, body, length=None, marker=MARKER):
    """19-byte header + body.  `length` overrides the Length field."""
    if length is None:
        length = 19 + len(body)
    return marker + u16(length) + u8(msg_type) + body


# --- prefixes (RFC 4271 §4.3 NLRI encoding; RFC 4760 §5 for MP) ------------

def raw_prefix(length, addr_bytes):
    """A prefix exactly as given: length octet + the given address octets."""
    return u8(length) + addr_bytes


def v4(text):
    """IPv4 prefix text -> length octet + ceil(len/8) octets."""
    net = ipaddress.IPv4Network(text)
    n = (net.prefixlen + 7) // 8
    return raw_prefix(net.prefixlen, net.network_address.packed[:n])


def v6(text):
    net = ipaddress.IPv6Network(text)
    n = (net.prefixlen + 7) // 8
    return raw_prefix(net.prefixlen, net.network_address.packed[:n])


def v4s(*texts):
    return b"".join(v4(t) for t in texts)


def v6s(*texts):
    return b"".join(v6(t) for t in texts)


# --- path attributes --------------------------------------------------------

def attr(flags, type_code, value, length=None):
    """One path attribute.  Extended-length flag (0x10) selects a 2-octet
    length field.  `length` overrides the Attribute Length field."""
    if length is None:
        length = len(value)
    if flags & E:
        return u8(flags) + u8(type_code) + u16(length) + value
    return u8(flags) + u8(type_code) + u8(length) + value


def seg(seg_type, asns, as2=False, count=None):
    """One AS_PATH / AS4_PATH segment; as2 -> 2-octet ASNs."""
    if count is None:
        count = len(asns)
    body = b"".join(u16(a) if as2 else u32(a) for a in asns)
    return u8(seg_type) + u8(count) + body


def origin(v=0, flags=WK):
    return attr(flags, ORIGIN_T, u8(v))


def as_path(*segs, flags=WK):
    return attr(flags, AS_PATH_T, b"".join(segs))


def next_hop(addr="192.0.2.254", flags=WK):
    return attr(flags, NEXT_HOP_T, ip4(addr))


def med(v=10, flags=OPT_N):
    return attr(flags, MED_T, u32(v))


def local_pref(v=100, flags=WK):
    return attr(flags, LOCAL_PREF_T, u32(v))


def atomic_aggregate(flags=WK):
    return attr(flags, ATOMIC_AGG_T, b"")


def aggregator(asn=65001, addr="192.0.2.1", as2=False, flags=OPT_T):
    return attr(flags, AGGREGATOR_T, (u16(asn) if as2 else u32(asn)) + ip4(addr))


def communities(*vals, flags=OPT_T):
    return attr(flags, COMMUNITIES_T, b"".join(u32(v) for v in vals))


def mp_reach(afi, safi, nh, nlri, nh_len=None, reserved=0, flags=OPT_N):
    """MP_REACH_NLRI (RFC 4760 §3): AFI, SAFI, NH len, NH, reserved, NLRI."""
    if nh_len is None:
        nh_len = len(nh)
    value = u16(afi) + u8(safi) + u8(nh_len) + nh + u8(reserved) + nlri
    return attr(flags | (E if len(value) > 255 else 0), MP_REACH_T, value)


def mp_unreach(afi, safi, withdrawn, flags=OPT_N):
    """MP_UNREACH_NLRI (RFC 4760 §4): AFI, SAFI, withdrawn routes."""
    return attr(flags, MP_UNREACH_T, u16(afi) + u8(safi) + withdrawn)


def update(withdrawn=b"", attrs=b"", nlri=b"", wlen=None, alen=None, length=None):
    """UPDATE (RFC 4271 §4.3); wlen/alen/length override the length fields."""
    if wlen is None:
        wlen = len(withdrawn)
    if alen is None:
        alen = len(attrs)
    body = u16(wlen) + withdrawn + u16(alen) + attrs + nlri
    return header(UPDATE, body, length)


# --- OPEN (RFC 4271 §4.2, RFC 5492, RFC 9072) ------------------------------

def cap(code, value=b"", length=None):
    if length is None:
        length = len(value)
    return u8(code) + u8(length) + value


def param(ptype, value, length=None):
    if length is None:
        length = len(value)
    return u8(ptype) + u8(length) + value


def cap_mp(afi=1, safi=1):
    return cap(1, u16(afi) + u8(0) + u8(safi))


def cap_as4(asn=65001):
    return cap(65, u32(asn))


def open_msg(params=b"", optlen=None, version=4, my_as=65001, hold=90,
             bgp_id="192.0.2.1", length=None):
    if optlen is None:
        optlen = len(params)
    body = u8(version) + u16(my_as) + u16(hold) + ip4(bgp_id) + u8(optlen) + params
    return header(OPEN, body, length)


def open_ext(params, ext_len=None):
    """RFC 9072 extended format: Non-Ext OP Len 255, Non-Ext OP Type 255,
    2-octet Extended Opt. Parm. Length, params with 2-octet lengths."""
    if ext_len is None:
        ext_len = len(params)
    body = (u8(4) + u16(65001) + u16(90) + ip4("192.0.2.1") + u8(255) + u8(255)
            + u16(ext_len) + params)
    return header(OPEN, body)


def ext_param(ptype, value, length=None):
    if length is None:
        length = len(value)
    return u8(ptype) + u16(length) + value


STD_CAPS = param(2, cap_mp(1, 1) + cap_mp(2, 1) + cap(2) + cap_as4(65001))

# --- common UPDATE building blocks -----------------------------------------

ORIGIN_OK = origin(0)
ASP_OK = as_path(seg(AS_SEQUENCE, [65001, 65002]))
ASP2_OK = as_path(seg(AS_SEQUENCE, [65001, 65002], as2=True))
NH_OK = next_hop("192.0.2.254")
BASE = ORIGIN_OK + ASP_OK + NH_OK          # mandatory trio, 4-octet session
BASE2 = ORIGIN_OK + ASP2_OK + NH_OK        # mandatory trio, 2-octet session
NLRI1 = v4("10.0.0.0/24")
NLRI2 = v4s("10.1.0.0/24", "10.2.0.0/16")
WD1 = v4("172.16.0.0/16")
NH6 = ip6("2001:db8::1")
NH6_LL = ip6("2001:db8::1") + ip6("fe80::1")
MPR6 = mp_reach(2, 1, NH6, v6s("2001:db8:1::/48"))
MPU6 = mp_unreach(2, 1, v6s("2001:db8:ff::/48"))

# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------

CASES = []


def case(name, msg, expect, why, options="-"):
    CASES.append((name, msg, expect, options, why))


def N(c, s):
    return "notification %d/%d" % (c, s)


def TAW(cs, prefixes):
    return "treat-as-withdraw %s %s" % (cs, prefixes)


def AD(cs, types):
    return "attribute-discard %s %s" % (cs, types)


# ===== Message header (RFC 4271 §6.1) =====================================

# RFC 4271 §6.1: marker not all ones -> Connection Not Synchronized.
case("header-bad-marker",
     header(KEEPALIVE, b"", marker=b"\xff" * 15 + b"\x00"),
     N(1, 1), "Marker field is not all ones (RFC 4271 §6.1).")

# RFC 4271 §6.1: Length < 19 -> Bad Message Length.
case("header-length-too-small",
     header(KEEPALIVE, b"", length=18),
     N(1, 2), "Length field 18 is below the 19-octet minimum (RFC 4271 §6.1).")

# RFC 4271 §6.1 / §4.1: Length > 4096 without RFC 8654 -> Bad Message Length.
_BIG_NLRI = b"".join(raw_prefix(24, bytes([10, i // 256, i % 256])) for i in range(1012)) \
    + raw_prefix(8, b"\x0b")
_BIG = update(attrs=BASE, nlri=_BIG_NLRI)
assert len(_BIG) == 4097
case("header-length-over-4096", _BIG,
     N(1, 2), "A 4097-octet UPDATE exceeds the 4096 maximum when Extended Message was not negotiated (RFC 4271 §6.1, RFC 8654 §4).")

# RFC 8654 §4: with Extended Message negotiated, up to 65535 is fine.
case("update-extmsg-4097-ok", _BIG,
     "ok", "The same 4097-octet UPDATE is valid once Extended Message is negotiated (RFC 8654 §3).",
     "extmsg")

# RFC 4271 §6.1: unknown Type -> Bad Message Type.
case("header-type-zero", header(0, b""),
     N(1, 3), "Message type 0 is not a known BGP message type (RFC 4271 §6.1).")
case("header-type-200", header(200, b""),
     N(1, 3), "Message type 200 is not a known BGP message type (RFC 4271 §6.1).")

# RFC 4271 §6.1: per-type minimum lengths.
case("open-length-28",
     header(OPEN, u8(4) + u16(65001) + u16(90) + ip4("192.0.2.1")),
     N(1, 2), "OPEN of 28 octets is shorter than the 29-octet minimum (RFC 4271 §6.1).")
case("update-length-22", header(UPDATE, b"\x00\x00\x00"),
     N(1, 2), "UPDATE of 22 octets is shorter than the 23-octet minimum (RFC 4271 §6.1).")
case("notification-length-20", header(NOTIFICATION, b"\x06"),
     N(1, 2), "NOTIFICATION of 20 octets is shorter than the 21-octet minimum (RFC 4271 §6.1).")
case("keepalive-length-20", header(KEEPALIVE, b"\x00"),
     N(1, 2), "KEEPALIVE must be exactly 19 octets (RFC 4271 §6.1, §4.4).")

# RFC 7313 §5: ROUTE-REFRESH with bad length -> ROUTE-REFRESH Message Error / Invalid Message Length.
case("route-refresh-length-24",
     header(ROUTE_REFRESH, u16(1) + u8(1) + u8(1) + b"\x00"),
     N(7, 1), "BoRR ROUTE-REFRESH of 24 octets; the body must be exactly 4 octets (RFC 7313 §5).")
case("route-refresh-length-22",
     header(ROUTE_REFRESH, u16(1) + u8(0)),
     N(7, 1), "ROUTE-REFRESH of 22 octets is too short to hold AFI/subtype/SAFI (RFC 7313 §5).")

# RFC 2918 §3 / RFC 7313 §3-§5: valid ROUTE-REFRESH variants.
case("route-refresh-ok-normal", header(ROUTE_REFRESH, u16(2) + u8(0) + u8(1)),
     "ok", "Plain ROUTE-REFRESH (subtype 0) for IPv6 unicast (RFC 2918 §3, RFC 7313 §3).")
case("route-refresh-ok-borr", header(ROUTE_REFRESH, u16(1) + u8(1) + u8(1)),
     "ok", "Beginning-of-RIB-Refresh marker, subtype 1 (RFC 7313 §3).")
case("route-refresh-ok-eorr", header(ROUTE_REFRESH, u16(1) + u8(2) + u8(1)),
     "ok", "End-of-RIB-Refresh marker, subtype 2 (RFC 7313 §3).")
case("route-refresh-ok-unknown-subtype", header(ROUTE_REFRESH, u16(1) + u8(7) + u8(1)),
     "ok", "Unknown subtype 7 decodes; the session ignores the message (RFC 7313 §5).")

# RFC 4271 §4.5: NOTIFICATION with data is fine.
case("notification-ok-with-data", header(NOTIFICATION, u8(6) + u8(2) + b"bye"),
     "ok", "NOTIFICATION Cease/Administrative Shutdown with 3 octets of data (RFC 4271 §4.5, RFC 9003 §2).")

# ===== OPEN (RFC 4271 §6.2, RFC 5492, RFC 9072) ===========================

# RFC 4271 §6.2: Version != 4 -> Unsupported Version Number.
case("open-bad-version", open_msg(STD_CAPS, version=3),
     N(2, 1), "BGP version 3 is not supported (RFC 4271 §6.2).")

# RFC 4271 §6.2: malformed optional parameters -> subcode 0 (Unspecific).
case("open-optparm-len-overrun", open_msg(STD_CAPS, optlen=len(STD_CAPS) + 4),
     N(2, 0), "Optional Parameters Length runs 4 octets past the end of the message (RFC 4271 §6.2).")
case("open-param-len-overrun",
     open_msg(param(2, cap_mp(1, 1), length=8)[:2] + cap_mp(1, 1)),
     N(2, 0), "A parameter's length (8) runs past Optional Parameters Length (RFC 4271 §6.2, RFC 5492 §4).")
case("open-cap-len-overrun",
     open_msg(param(2, cap(1, u16(1) + u8(0) + u8(1), length=9))),
     N(2, 0), "A capability's length (9) runs past its parameter (RFC 5492 §4, RFC 4271 §6.2).")
case("open-cap-as4-bad-length",
     open_msg(param(2, cap_mp(1, 1) + cap(65, u16(65001)))),
     N(2, 0), "4-octet AS capability with length 2 instead of 4 (RFC 6793 §3, RFC 4271 §6.2).")
case("open-cap-mp-bad-length",
     open_msg(param(2, cap(1, u16(1) + u8(1)) + cap_as4())),
     N(2, 0), "Multiprotocol capability with length 3 instead of 4 (RFC 4760 §8, RFC 4271 §6.2).")
case("open-cap-route-refresh-bad-length",
     open_msg(param(2, cap_mp() + cap(2, b"\x00") + cap_as4())),
     N(2, 0), "Route Refresh capability with length 1 instead of 0 (RFC 2918 §2, RFC 4271 §6.2).")
case("open-cap-graceful-restart-bad-length",
     open_msg(param(2, cap_mp() + cap(64, u16(120) + u16(1)) + cap_as4())),
     N(2, 0), "Graceful Restart capability of length 4 is not 2+4n (RFC 4724 §3, RFC 4271 §6.2).")
case("open-cap-add-path-bad-length",
     open_msg(param(2, cap_mp() + cap(69, u16(1) + u8(1) + u8(3) + u16(2)) + cap_as4())),
     N(2, 0), "ADD-PATH capability of length 6 is not a multiple of 4 (RFC 7911 §4, RFC 4271 §6.2).")
case("open-cap-extended-nexthop-bad-length",
     open_msg(param(2, cap_mp() + cap(5, u16(1) + u16(1)) + cap_as4())),
     N(2, 0), "Extended Next Hop Encoding capability of length 4 is not a multiple of 6 (RFC 8950 §4, RFC 4271 §6.2).")
case("open-cap-fqdn-bad-length",
     open_msg(param(2, cap_mp() + cap(73, u8(10) + b"node1" + u8(0)) + cap_as4())),
     N(2, 0), "FQDN capability whose hostname length (10) overruns the capability (draft-walton-bgp-hostname-capability §3, RFC 4271 §6.2).")

# RFC 9072 §2: extended format whose extended length overruns the message.
case("open-rfc9072-ext-len-overrun",
     open_ext(ext_param(2, cap_mp() + cap_as4()), ext_len=30),
     N(2, 0), "RFC 9072 Extended Opt. Parm. Length (30) runs past the message (RFC 9072 §2, RFC 4271 §6.2).")

# RFC 5492 §3 / RFC 4271 §6.2: parameter type other than Capabilities -> Unsupported Optional Parameter.
case("open-unsupported-optparam",
     open_msg(param(1, b"\x01\x02\x03\x04") + STD_CAPS),
     N(2, 4), "Optional parameter type 1 (deprecated Authentication) is unsupported (RFC 4271 §6.2, RFC 5492 §3).")

# Valid OPENs.
case("open-ok-no-optparams", open_msg(b""),
     "ok", "OPEN with no optional parameters at all is syntactically valid (RFC 4271 §4.2).")
case("open-ok-unknown-capability",
     open_msg(param(2, cap_mp() + cap(200, b"\xde\xad\xbe") + cap_as4())),
     "ok", "An unknown capability (code 200) is ignored (RFC 5492 §4).")
case("open-ok-many-capabilities",
     open_msg(param(2, cap_mp(1, 1) + cap_mp(2, 1) + cap(2) + cap(70))
              + param(2, cap(64, u16(0x8078) + u16(1) + u8(1) + u8(0x80))
                      + cap(69, u16(1) + u8(1) + u8(3) + u16(2) + u8(1) + u8(1))
                      + cap(5, u16(1) + u16(1) + u16(2))
                      + cap(73, u8(5) + b"node1" + u8(11) + b"example.net")
                      + cap(6) + cap_as4(4200000000))),
     "ok", "Every known capability with a correct length, split over two parameters (RFC 5492 §4, RFC 4724, RFC 7911, RFC 8950, RFC 8654).")
case("open-ok-rfc9072-extended",
     open_ext(ext_param(2, cap_mp(1, 1) + cap_mp(2, 1) + cap(2) + cap_as4(65001))),
     "ok", "Extended optional-parameters format: 255/255 marker, 2-octet lengths (RFC 9072 §2).")

# ===== UPDATE structure (RFC 4271 §6.3, RFC 7606 §4, §5.3) ================

case("update-withdrawn-len-overrun",
     update(withdrawn=WD1, wlen=40, attrs=b"", nlri=b""),
     N(3, 1), "Withdrawn Routes Length (40) runs past the message (RFC 4271 §6.3, RFC 7606 §4).")
case("update-attr-total-len-overrun",
     update(attrs=BASE, alen=len(BASE) + 20, nlri=NLRI1),
     N(3, 1), "Total Path Attribute Length runs past the message (RFC 4271 §6.3, RFC 7606 §4).")
case("update-withdrawn-prefix-len-33",
     update(withdrawn=WD1 + raw_prefix(33, b"\x0a\x00\x00\x00\x00")),
     N(3, 10), "Withdrawn route with prefix length 33 (RFC 4271 §6.3, RFC 7606 §5.3).")
case("update-withdrawn-prefix-truncated",
     update(withdrawn=WD1 + raw_prefix(24, b"\x0a\x00")),
     N(3, 10), "Last withdrawn /24 has only 2 of its 3 address octets (RFC 4271 §6.3, RFC 7606 §5.3).")
case("update-nlri-prefix-len-33",
     update(attrs=BASE, nlri=NLRI1 + raw_prefix(33, b"\x0a\x00\x01\x00\x00")),
     N(3, 10), "NLRI prefix length 33 exceeds 32 (RFC 4271 §6.3, RFC 7606 §5.3).")
case("update-nlri-prefix-truncated",
     update(attrs=BASE, nlri=NLRI1 + raw_prefix(20, b"\x0a")),
     N(3, 10), "Last NLRI /20 has only 1 of its 3 address octets (RFC 4271 §6.3, RFC 7606 §5.3).")
# RFC 7606 §4: attribute list inconsistent with Total Path Attribute Length -> treat-as-withdraw.
case("update-attr-header-truncated",
     update(withdrawn=WD1, attrs=BASE + b"\x40\x05", nlri=NLRI2),
     TAW("3/1", "172.16.0.0/16,10.1.0.0/24,10.2.0.0/16"),
     "Only 2 octets remain in the attribute list to start an attribute (RFC 7606 §4).")
case("update-attr-extlen-header-truncated",
     update(attrs=BASE + b"\xd0\x08\x00", nlri=NLRI1),
     TAW("3/1", "10.0.0.0/24"),
     "Only 3 octets remain for an attribute with the Extended Length flag, which needs 4 (RFC 7606 §4).")
case("update-attr-len-overruns-list",
     update(attrs=MPR6 + BASE + attr(OPT_T, COMMUNITIES_T, u32(1), length=12), nlri=NLRI1),
     TAW("3/1", "10.0.0.0/24,2001:db8:1::/48"),
     "COMMUNITIES length 12 runs past Total Path Attribute Length; NLRI still located (RFC 7606 §4).")

# ===== Attribute flags (RFC 7606 §3.c, RFC 4271 §6.3) =====================

case("update-origin-flags-optional",
     update(attrs=origin(0, flags=OPT_T) + ASP_OK + NH_OK, nlri=NLRI1),
     TAW("3/4", "10.0.0.0/24"), "ORIGIN with the Optional bit set (RFC 7606 §3.c).")
case("update-aspath-flags-nontransitive",
     update(attrs=ORIGIN_OK + as_path(seg(AS_SEQUENCE, [65001]), flags=0x00) + NH_OK, nlri=NLRI1),
     TAW("3/4", "10.0.0.0/24"), "AS_PATH with the Transitive bit clear (RFC 7606 §3.c).")
case("update-nexthop-flags-optional",
     update(attrs=ORIGIN_OK + ASP_OK + next_hop(flags=OPT_N), nlri=NLRI1),
     TAW("3/4", "10.0.0.0/24"), "NEXT_HOP flagged optional non-transitive (RFC 7606 §3.c).")
case("update-med-flags-transitive",
     update(attrs=BASE + med(flags=OPT_T), nlri=NLRI1),
     TAW("3/4", "10.0.0.0/24"), "MULTI_EXIT_DISC with the Transitive bit set (RFC 7606 §3.c).")
case("update-communities-flags-wellknown",
     update(withdrawn=WD1, attrs=BASE + communities(0xFDE80001, flags=WK), nlri=NLRI1),
     TAW("3/4", "172.16.0.0/16,10.0.0.0/24"), "COMMUNITIES with the Optional bit clear (RFC 7606 §3.c).")
case("update-atomic-aggregate-flags-optional",
     update(attrs=BASE + atomic_aggregate(flags=OPT_T), nlri=NLRI1),
     AD("3/4", "6"), "ATOMIC_AGGREGATE with the Optional bit set is discarded (RFC 7606 §3.c, §7.6).")
case("update-aggregator-flags-nontransitive",
     update(attrs=BASE + aggregator(flags=OPT_N), nlri=NLRI1),
     AD("3/4", "7"), "AGGREGATOR with the Transitive bit clear is discarded (RFC 7606 §3.c, §7.7).")
case("update-as4path-flags-wellknown",
     update(attrs=BASE2 + attr(WK, AS4_PATH_T, seg(AS_SEQUENCE, [4200000000, 65002])), nlri=NLRI1),
     AD("3/4", "17"), "AS4_PATH with the Optional bit clear from a 2-octet-AS peer is discarded (RFC 7606 §3.c, RFC 6793 §6).",
     "as2")
case("update-as4aggregator-flags-nontransitive",
     update(attrs=BASE2 + aggregator(23456, as2=True) + attr(OPT_N, AS4_AGG_T, u32(4200000000) + ip4("192.0.2.1")),
            nlri=NLRI1),
     AD("3/4", "18"), "AS4_AGGREGATOR with the Transitive bit clear from a 2-octet-AS peer is discarded (RFC 7606 §3.c, RFC 6793 §6).",
     "as2")
case("update-mpreach-flags-wellknown",
     update(attrs=mp_reach(2, 1, NH6, v6s("2001:db8:1::/48"), flags=WK) + ORIGIN_OK + ASP_OK),
     N(3, 4), "MP_REACH_NLRI with the Optional bit clear resets the session (RFC 4760 §7, RFC 7606 §3.c/§3.h).")
case("update-mpunreach-flags-transitive",
     update(attrs=mp_unreach(2, 1, v6s("2001:db8:ff::/48"), flags=OPT_T)),
     N(3, 4), "MP_UNREACH_NLRI with the Transitive bit set resets the session (RFC 4760 §7, RFC 7606 §3.c/§3.h).")
case("update-ok-partial-and-low-flag-bits",
     update(attrs=attr(WK | P | 0x0F, ORIGIN_T, b"\x00") + ASP_OK + attr(OPT_T | P, COMMUNITIES_T, u32(0xFDE80001))
            + NH_OK, nlri=NLRI1),
     "ok", "Partial bit and the four low flag bits are ignored on receipt (RFC 4271 §4.3, RFC 7606 §3.c).")

# ===== Unknown attributes (RFC 4271 §6.3, §5) =============================

case("update-unknown-wellknown",
     update(attrs=BASE + attr(WK, UNKNOWN_T, b"\x01\x02"), nlri=NLRI1),
     N(3, 2), "Unrecognized attribute type 99 with the Optional bit clear (RFC 4271 §6.3).")
case("update-ok-unknown-optional-transitive",
     update(attrs=BASE + attr(OPT_T, UNKNOWN_T, b"\x01\x02\x03"), nlri=NLRI1),
     "ok", "Unrecognized optional transitive attribute 99 is kept and passed on (RFC 4271 §5, §9).")
case("update-ok-unknown-optional-nontransitive",
     update(attrs=BASE + attr(OPT_N, UNKNOWN_T, b"\x01\x02\x03"), nlri=NLRI1),
     "ok", "Unrecognized optional non-transitive attribute 99 is quietly ignored (RFC 4271 §5, §9).")

# ===== Duplicates (RFC 7606 §3.g) =========================================

case("update-duplicate-mpreach",
     update(attrs=MPR6 + ORIGIN_OK + ASP_OK + mp_reach(2, 1, NH6, v6s("2001:db8:2::/48"))),
     N(3, 1), "MP_REACH_NLRI appears twice (RFC 7606 §3.g).")
case("update-duplicate-mpunreach",
     update(attrs=MPU6 + mp_unreach(2, 1, v6s("2001:db8:fe::/48"))),
     N(3, 1), "MP_UNREACH_NLRI appears twice (RFC 7606 §3.g).")
case("update-duplicate-origin",
     update(attrs=BASE + origin(2), nlri=NLRI1),
     AD("3/1", "1"), "ORIGIN appears twice; the second copy is discarded, the first kept (RFC 7606 §3.g).")
case("update-duplicate-communities",
     update(attrs=BASE + communities(0xFDE80001) + communities(0xFDE80002, 0xFDE80003), nlri=NLRI1),
     AD("3/1", "8"), "COMMUNITIES appears twice; the second copy is discarded (RFC 7606 §3.g).")
case("update-duplicate-unknown-optional",
     update(attrs=BASE + attr(OPT_T, UNKNOWN_T, b"\x01") + attr(OPT_T, UNKNOWN_T, b"\x02"), nlri=NLRI1),
     AD("3/1", "99"), "Unrecognized optional transitive attribute 99 appears twice; later copy discarded (RFC 7606 §3.g).")

# ===== Missing well-known mandatory (RFC 7606 §3.d, RFC 4271 §6.3) ========

case("update-missing-origin",
     update(attrs=ASP_OK + NH_OK, nlri=NLRI1),
     TAW("3/3", "10.0.0.0/24"), "NLRI present but ORIGIN missing (RFC 7606 §3.d).")
case("update-missing-aspath",
     update(withdrawn=WD1, attrs=ORIGIN_OK + NH_OK, nlri=NLRI2),
     TAW("3/3", "172.16.0.0/16,10.1.0.0/24,10.2.0.0/16"), "NLRI present but AS_PATH missing (RFC 7606 §3.d).")
case("update-missing-nexthop",
     update(attrs=ORIGIN_OK + ASP_OK, nlri=NLRI1),
     TAW("3/3", "10.0.0.0/24"), "NLRI field non-empty but NEXT_HOP missing (RFC 7606 §3.d).")
case("update-missing-nexthop-nlri-and-mpreach",
     update(attrs=MPR6 + ORIGIN_OK + ASP_OK, nlri=NLRI1),
     TAW("3/3", "10.0.0.0/24,2001:db8:1::/48"),
     "NEXT_HOP missing while the NLRI field is non-empty, even though MP_REACH_NLRI is present (RFC 7606 §3.d).")
case("update-mpreach-missing-origin",
     update(attrs=MPR6 + ASP_OK),
     TAW("3/3", "2001:db8:1::/48"), "MP_REACH_NLRI present but ORIGIN missing (RFC 7606 §3.d, RFC 4760 §3).")
case("update-ok-mpreach-without-nexthop",
     update(attrs=MPR6 + ORIGIN_OK + ASP_OK),
     "ok", "Only MP_REACH_NLRI reachability: NEXT_HOP is not required (RFC 4760 §3, RFC 7606 §3.d).")
case("update-ok-withdraw-only",
     update(withdrawn=v4s("172.16.0.0/16", "10.9.0.0/24")),
     "ok", "Withdrawals only, no path attributes needed (RFC 4271 §4.3).")
case("update-ok-mpunreach-only",
     update(attrs=MPU6),
     "ok", "Only MP_UNREACH_NLRI, no other attributes needed (RFC 4760 §4).")

# ===== ORIGIN (RFC 7606 §7.1) =============================================

case("update-origin-bad-length",
     update(attrs=attr(WK, ORIGIN_T, b"\x00\x00") + ASP_OK + NH_OK, nlri=NLRI1),
     TAW("3/5", "10.0.0.0/24"), "ORIGIN of length 2 (RFC 7606 §7.1, RFC 4271 §6.3).")
case("update-origin-zero-length",
     update(attrs=attr(WK, ORIGIN_T, b"") + ASP_OK + NH_OK, nlri=NLRI1),
     TAW("3/5", "10.0.0.0/24"), "ORIGIN of length 0 (RFC 7606 §7.1, RFC 4271 §6.3).")
case("update-origin-bad-value",
     update(attrs=origin(3) + ASP_OK + NH_OK, nlri=NLRI1),
     TAW("3/6", "10.0.0.0/24"), "ORIGIN value 3 is undefined (RFC 7606 §7.1, RFC 4271 §6.3).")

# ===== AS_PATH (RFC 7606 §7.2, RFC 4271 §6.3, RFC 5065 §5, RFC 6793) ======

case("update-aspath-segment-overrun",
     update(attrs=ORIGIN_OK + as_path(seg(AS_SEQUENCE, [65001, 65002], count=3)) + NH_OK, nlri=NLRI1),
     TAW("3/11", "10.0.0.0/24"), "AS_SEQUENCE claims 3 ASNs but only 2 fit in the attribute (RFC 7606 §7.2).")
case("update-aspath-trailing-octet",
     update(attrs=ORIGIN_OK + attr(WK, AS_PATH_T, seg(AS_SEQUENCE, [65001]) + b"\x02") + NH_OK, nlri=NLRI1),
     TAW("3/11", "10.0.0.0/24"), "One lone octet left after the last AS_PATH segment (RFC 7606 §7.2).")
case("update-aspath-zero-segment-length",
     update(attrs=ORIGIN_OK + as_path(seg(AS_SEQUENCE, [65001]), seg(AS_SET, [])) + NH_OK, nlri=NLRI1),
     TAW("3/11", "10.0.0.0/24"), "AS_PATH segment with length 0 (RFC 7606 §7.2).")
case("update-aspath-unknown-segment-type",
     update(withdrawn=WD1, attrs=MPR6 + ORIGIN_OK + as_path(seg(5, [65001])) + NH_OK, nlri=NLRI1),
     TAW("3/11", "172.16.0.0/16,10.0.0.0/24,2001:db8:1::/48"),
     "AS_PATH segment type 5 is undefined (RFC 7606 §7.2).")
case("update-aspath-confed-sequence-ebgp",
     update(attrs=ORIGIN_OK + as_path(seg(AS_CONFED_SEQUENCE, [65010]), seg(AS_SEQUENCE, [65001])) + NH_OK,
            nlri=NLRI1),
     TAW("3/11", "10.0.0.0/24"), "AS_CONFED_SEQUENCE received from an external peer (RFC 5065 §5, RFC 7606 §7.2).",
     "ebgp")
case("update-aspath-confed-set-ebgp",
     update(attrs=ORIGIN_OK + as_path(seg(AS_SEQUENCE, [65001]), seg(AS_CONFED_SET, [65010, 65011])) + NH_OK,
            nlri=NLRI1),
     TAW("3/11", "10.0.0.0/24"), "AS_CONFED_SET received from an external peer (RFC 5065 §5, RFC 7606 §7.2).",
     "ebgp")
case("update-ok-aspath-confed-ibgp",
     update(attrs=ORIGIN_OK + as_path(seg(AS_CONFED_SEQUENCE, [65010]), seg(AS_SEQUENCE, [65001])) + NH_OK,
            nlri=NLRI1),
     "ok", "Confederation segments from an internal peer are acceptable to the codec (RFC 5065 §3).")
case("update-aspath-4octet-content-as2",
     update(attrs=ORIGIN_OK + as_path(seg(AS_SEQUENCE, [65536])) + NH_OK, nlri=NLRI1),
     TAW("3/11", "10.0.0.0/24"),
     "4-octet-encoded AS_PATH on a 2-octet session: after one 2-octet ASN the leftover octets form segment type 0 (RFC 6793 §4.2.3, RFC 7606 §7.2).",
     "as2")
case("update-aspath-2octet-content-as4",
     update(attrs=ORIGIN_OK + as_path(seg(AS_SEQUENCE, [65001, 65002, 65003], as2=True)) + NH_OK, nlri=NLRI1),
     TAW("3/11", "10.0.0.0/24"),
     "2-octet-encoded AS_PATH on a 4-octet session: 3 ASNs need 12 octets but only 6 are there (RFC 6793 §4.1, RFC 7606 §7.2).")
case("update-ok-aspath-empty-ibgp",
     update(attrs=ORIGIN_OK + as_path() + NH_OK + local_pref(), nlri=NLRI1),
     "ok", "Empty AS_PATH from an internal peer (locally originated route) (RFC 4271 §5.1.2).")

# ===== NEXT_HOP (RFC 7606 §7.3, RFC 4271 §6.3) ============================

case("update-nexthop-bad-length",
     update(attrs=ORIGIN_OK + ASP_OK + attr(WK, NEXT_HOP_T, ip4("192.0.2.254") + b"\x00"), nlri=NLRI1),
     TAW("3/5", "10.0.0.0/24"), "NEXT_HOP of length 5 (RFC 7606 §7.3, RFC 4271 §6.3).")
case("update-nexthop-zero",
     update(attrs=ORIGIN_OK + ASP_OK + next_hop("0.0.0.0"), nlri=NLRI1),
     TAW("3/8", "10.0.0.0/24"), "NEXT_HOP 0.0.0.0 is not a valid host address (RFC 4271 §6.3, RFC 7606 §7.3).")
case("update-nexthop-loopback",
     update(withdrawn=WD1, attrs=ORIGIN_OK + ASP_OK + next_hop("127.0.0.1"), nlri=NLRI2),
     TAW("3/8", "172.16.0.0/16,10.1.0.0/24,10.2.0.0/16"),
     "NEXT_HOP 127.0.0.1 (loopback) is not a valid host address (RFC 4271 §6.3, RFC 7606 §7.3).")
case("update-nexthop-multicast",
     update(attrs=ORIGIN_OK + ASP_OK + next_hop("224.0.0.5"), nlri=NLRI1),
     TAW("3/8", "10.0.0.0/24"), "NEXT_HOP 224.0.0.5 (multicast) is not a valid host address (RFC 4271 §6.3, RFC 7606 §7.3).")
case("update-nexthop-broadcast",
     update(attrs=ORIGIN_OK + ASP_OK + next_hop("255.255.255.255"), nlri=NLRI1),
     TAW("3/8", "10.0.0.0/24"), "NEXT_HOP 255.255.255.255 is not a valid host address (RFC 4271 §6.3, RFC 7606 §7.3).")

# ===== MULTI_EXIT_DISC (RFC 7606 §7.4) ====================================

case("update-med-bad-length",
     update(attrs=BASE + attr(OPT_N, MED_T, b"\x00\x00\x0a"), nlri=NLRI1),
     TAW("3/5", "10.0.0.0/24"), "MULTI_EXIT_DISC of length 3 (RFC 7606 §7.4).")

# ===== LOCAL_PREF (RFC 7606 §7.5) =========================================

case("update-localpref-bad-length",
     update(attrs=BASE + attr(WK, LOCAL_PREF_T, b"\x00\x64"), nlri=NLRI1),
     TAW("3/5", "10.0.0.0/24"), "LOCAL_PREF of length 2 from an internal peer (RFC 7606 §7.5).")
case("update-localpref-bad-length-ebgp",
     update(attrs=BASE + attr(WK, LOCAL_PREF_T, b"\x00\x64"), nlri=NLRI1),
     AD("3/5", "5"), "Malformed LOCAL_PREF from an external peer is discarded (RFC 7606 §7.5, RFC 4271 §5.1.5).",
     "ebgp")

# ===== ATOMIC_AGGREGATE (RFC 7606 §7.6) ===================================

case("update-atomic-aggregate-bad-length",
     update(attrs=BASE + attr(WK, ATOMIC_AGG_T, b"\x01"), nlri=NLRI1),
     AD("3/5", "6"), "ATOMIC_AGGREGATE of length 1 is discarded (RFC 7606 §7.6).")

# ===== AGGREGATOR (RFC 7606 §7.7, RFC 6793) ===============================

case("update-aggregator-bad-length",
     update(attrs=BASE + aggregator(65001, as2=True), nlri=NLRI1),
     AD("3/5", "7"), "AGGREGATOR of length 6 on a 4-octet-AS session (needs 8) is discarded (RFC 7606 §7.7, RFC 6793 §3).")
case("update-aggregator-bad-length-as2",
     update(attrs=BASE2 + aggregator(65001), nlri=NLRI1),
     AD("3/5", "7"), "AGGREGATOR of length 8 on a 2-octet-AS session (needs 6) is discarded (RFC 7606 §7.7).",
     "as2")

# ===== COMMUNITIES (RFC 7606 §7.8) ========================================

case("update-communities-zero-length",
     update(attrs=BASE + attr(OPT_T, COMMUNITIES_T, b""), nlri=NLRI1),
     TAW("3/5", "10.0.0.0/24"), "COMMUNITIES of length 0 (RFC 7606 §7.8).")
case("update-communities-bad-length",
     update(attrs=BASE + attr(OPT_T, COMMUNITIES_T, u32(0xFDE80001) + b"\x00\x01"), nlri=NLRI1),
     TAW("3/5", "10.0.0.0/24"), "COMMUNITIES of length 6 is not a multiple of 4 (RFC 7606 §7.8).")

# ===== ORIGINATOR_ID (RFC 7606 §7.9, RFC 4456) ============================

case("update-originator-id-bad-length",
     update(attrs=BASE + local_pref() + attr(OPT_N, ORIGINATOR_ID_T, ip4("192.0.2.9") + b"\x00"), nlri=NLRI1),
     TAW("3/5", "10.0.0.0/24"), "ORIGINATOR_ID of length 5 from an internal peer (RFC 7606 §7.9, RFC 4456 §8).")
case("update-originator-id-bad-length-ebgp",
     update(attrs=BASE + attr(OPT_N, ORIGINATOR_ID_T, ip4("192.0.2.9") + b"\x00"), nlri=NLRI1),
     AD("3/5", "9"), "ORIGINATOR_ID of length 5 from an external peer is discarded (RFC 7606 §7.9).",
     "ebgp")

# ===== CLUSTER_LIST (RFC 7606 §7.10, RFC 4456) ============================

case("update-cluster-list-zero-length",
     update(attrs=BASE + local_pref() + attr(OPT_N, CLUSTER_LIST_T, b""), nlri=NLRI1),
     TAW("3/5", "10.0.0.0/24"), "CLUSTER_LIST of length 0 from an internal peer (RFC 7606 §7.10, RFC 4456 §8).")
case("update-cluster-list-bad-length",
     update(attrs=BASE + local_pref() + attr(OPT_N, CLUSTER_LIST_T, ip4("192.0.2.9") + b"\x00\x00"), nlri=NLRI1),
     TAW("3/5", "10.0.0.0/24"), "CLUSTER_LIST of length 6 is not a multiple of 4 (RFC 7606 §7.10).")
case("update-cluster-list-bad-length-ebgp",
     update(attrs=BASE + attr(OPT_N, CLUSTER_LIST_T, ip4("192.0.2.9") + b"\x00\x00"), nlri=NLRI1),
     AD("3/5", "10"), "CLUSTER_LIST of length 6 from an external peer is discarded (RFC 7606 §7.10).",
     "ebgp")

# ===== MP_REACH_NLRI (RFC 4760 §3, §7; RFC 7606 §7.11; RFC 8950) ==========

case("update-mpreach-too-short",
     update(attrs=attr(OPT_N, MP_REACH_T, u16(2) + u8(1) + u8(0)) + ORIGIN_OK + ASP_OK),
     N(3, 9), "MP_REACH_NLRI of 4 octets cannot hold AFI, SAFI, next-hop length and reserved octet (RFC 4760 §3, §7).")
case("update-mpreach-nexthop-overrun",
     update(attrs=attr(OPT_N, MP_REACH_T, u16(2) + u8(1) + u8(32) + NH6) + ORIGIN_OK + ASP_OK),
     N(3, 9), "MP_REACH_NLRI next-hop length 32 runs past the attribute (RFC 4760 §7, RFC 7606 §7.11).")
case("update-mpreach-ipv6-nexthop-len-4",
     update(attrs=mp_reach(2, 1, ip4("192.0.2.1"), v6s("2001:db8:1::/48")) + ORIGIN_OK + ASP_OK),
     N(3, 9), "IPv6 unicast MP_REACH_NLRI with a 4-octet next hop (RFC 2545 §3, RFC 7606 §7.11).")
case("update-mpreach-ipv6-nexthop-len-24",
     update(attrs=mp_reach(2, 1, NH6 + ip4("192.0.2.1") * 2, v6s("2001:db8:1::/48")) + ORIGIN_OK + ASP_OK),
     N(3, 9), "IPv6 unicast MP_REACH_NLRI with a 24-octet next hop (RFC 2545 §3, RFC 7606 §7.11).")
case("update-mpreach-ipv4-nexthop-len-12",
     update(attrs=mp_reach(1, 1, ip4("192.0.2.1") * 3, v4s("10.5.0.0/16")) + ORIGIN_OK + ASP_OK),
     N(3, 9), "IPv4 unicast MP_REACH_NLRI with a 12-octet next hop (RFC 4760 §3, RFC 8950 §3, RFC 7606 §7.11).")
case("update-mpreach-ipv6-prefix-len-129",
     update(attrs=mp_reach(2, 1, NH6, v6s("2001:db8:1::/48") + raw_prefix(129, b"\x20" + b"\x00" * 16))
            + ORIGIN_OK + ASP_OK),
     N(3, 10), "IPv6 prefix length 129 inside MP_REACH_NLRI (RFC 4760 §5, RFC 7606 §7.11).")
case("update-mpreach-ipv6-prefix-truncated",
     update(attrs=mp_reach(2, 1, NH6, v6s("2001:db8:1::/48") + raw_prefix(64, b"\x20\x01\x0d\xb8"))
            + ORIGIN_OK + ASP_OK),
     N(3, 10), "Last IPv6 /64 inside MP_REACH_NLRI has only 4 of its 8 octets (RFC 4760 §5, RFC 7606 §7.11).")
case("update-mpreach-ipv4-prefix-len-33",
     update(attrs=mp_reach(1, 1, ip4("192.0.2.1"), raw_prefix(33, b"\x0a\x00\x00\x00\x00")) + ORIGIN_OK + ASP_OK),
     N(3, 10), "IPv4 prefix length 33 inside MP_REACH_NLRI (RFC 4760 §5, RFC 7606 §7.11).")
case("update-ok-mpreach-reserved-nonzero",
     update(attrs=mp_reach(2, 1, NH6, v6s("2001:db8:1::/48"), reserved=5) + ORIGIN_OK + ASP_OK),
     "ok", "The reserved (former SNPA count) octet is ignored on receipt (RFC 4760 §3).")
case("update-ok-mpreach-unknown-afi-safi",
     update(attrs=mp_reach(25, 65, ip4("192.0.2.1"), b"\x00\x11\x22\x33\x44\x55\x66") + ORIGIN_OK + ASP_OK),
     "ok", "MP_REACH_NLRI for AFI 25 / SAFI 65 (VPLS) is kept as opaque bytes (RFC 4760 §3, §7).")
case("update-ok-ipv6-link-local-nexthop",
     update(attrs=mp_reach(2, 1, NH6_LL, v6s("2001:db8:1::/48", "2001:db8:2::/64")) + ORIGIN_OK + ASP_OK),
     "ok", "IPv6 unicast with global + link-local next hop (next-hop length 32) (RFC 2545 §3).")
case("update-ok-rfc8950-ipv4-nlri-ipv6-nexthop",
     update(attrs=mp_reach(1, 1, NH6, v4s("10.5.0.0/16", "10.6.1.0/24")) + ORIGIN_OK + ASP_OK),
     "ok", "IPv4 unicast NLRI with a 16-octet IPv6 next hop (RFC 8950 §3).")

# ===== MP_UNREACH_NLRI (RFC 4760 §4, §7; RFC 7606 §7.11) ==================

case("update-mpunreach-too-short",
     update(attrs=attr(OPT_N, MP_UNREACH_T, u16(2))),
     N(3, 9), "MP_UNREACH_NLRI of 2 octets cannot hold AFI and SAFI (RFC 4760 §4, §7).")
case("update-mpunreach-ipv6-prefix-len-129",
     update(attrs=mp_unreach(2, 1, v6s("2001:db8:ff::/48") + raw_prefix(129, b"\x20" + b"\x00" * 16))),
     N(3, 10), "IPv6 prefix length 129 inside MP_UNREACH_NLRI (RFC 4760 §5, RFC 7606 §7.11).")
case("update-mpunreach-ipv4-prefix-truncated",
     update(attrs=mp_unreach(1, 1, v4s("10.5.0.0/16") + raw_prefix(24, b"\x0a\x06"))),
     N(3, 10), "Last IPv4 /24 inside MP_UNREACH_NLRI has only 2 of its 3 octets (RFC 4760 §5, RFC 7606 §7.11).")

# ===== EXTENDED_COMMUNITIES (RFC 7606 §7.14) ==============================

case("update-ext-communities-zero-length",
     update(attrs=BASE + attr(OPT_T, EXT_COMM_T, b""), nlri=NLRI1),
     TAW("3/5", "10.0.0.0/24"), "EXTENDED_COMMUNITIES of length 0 (RFC 7606 §7.14, RFC 4360 §2).")
case("update-ext-communities-bad-length",
     update(attrs=BASE + attr(OPT_T, EXT_COMM_T, bytes(range(12))), nlri=NLRI1),
     TAW("3/5", "10.0.0.0/24"), "EXTENDED_COMMUNITIES of length 12 is not a multiple of 8 (RFC 7606 §7.14).")

# ===== AS4_PATH / AS4_AGGREGATOR (RFC 6793 §6, RFC 7606 §7.2) =============

case("update-as4path-segment-overrun",
     update(attrs=BASE2 + attr(OPT_T, AS4_PATH_T, seg(AS_SEQUENCE, [4200000000], count=2)), nlri=NLRI1),
     AD("3/11", "17"), "AS4_PATH segment claims 2 ASNs but holds 1 (RFC 6793 §6).", "as2")
case("update-as4path-zero-segment-length",
     update(attrs=BASE2 + attr(OPT_T, AS4_PATH_T, seg(AS_SEQUENCE, [4200000000]) + seg(AS_SEQUENCE, [])),
            nlri=NLRI1),
     AD("3/11", "17"), "AS4_PATH segment of length 0 (RFC 6793 §6).", "as2")
case("update-as4path-unknown-segment-type",
     update(attrs=BASE2 + attr(OPT_T, AS4_PATH_T, seg(9, [4200000000])), nlri=NLRI1),
     AD("3/11", "17"), "AS4_PATH segment type 9 is undefined (RFC 6793 §6).", "as2")
case("update-as4path-confed-segment",
     update(attrs=BASE2 + attr(OPT_T, AS4_PATH_T, seg(AS_CONFED_SEQUENCE, [4200000001])
                               + seg(AS_SEQUENCE, [4200000000, 65002])), nlri=NLRI1),
     AD("3/11", "17"), "AS4_PATH carrying an AS_CONFED_SEQUENCE segment (RFC 6793 §6).", "as2")
case("update-as4aggregator-bad-length",
     update(attrs=BASE2 + aggregator(23456, as2=True) + attr(OPT_T, AS4_AGG_T, u16(23456) + ip4("192.0.2.1")),
            nlri=NLRI1),
     AD("3/5", "18"), "AS4_AGGREGATOR of length 6 instead of 8 (RFC 6793 §6).", "as2")
case("update-ok-as2-session",
     update(attrs=ORIGIN_OK + as_path(seg(AS_SEQUENCE, [65001, 23456], as2=True)) + NH_OK
            + aggregator(23456, as2=True)
            + attr(OPT_T, AS4_PATH_T, seg(AS_SEQUENCE, [65001, 4200000000]))
            + attr(OPT_T, AS4_AGG_T, u32(4200000000) + ip4("192.0.2.1")), nlri=NLRI1),
     "ok", "2-octet session: AS_PATH/AGGREGATOR with 2-octet ASNs plus valid AS4_PATH/AS4_AGGREGATOR (RFC 6793 §4.2.3).",
     "as2")

# ===== LARGE_COMMUNITY (RFC 8092 §5) ======================================

case("update-large-community-zero-length",
     update(attrs=BASE + attr(OPT_T, LARGE_COMM_T, b""), nlri=NLRI1),
     TAW("3/5", "10.0.0.0/24"), "LARGE_COMMUNITY of length 0 (RFC 8092 §5).")
case("update-large-community-bad-length",
     update(attrs=BASE + attr(OPT_T, LARGE_COMM_T, u32(65001) + u32(1)), nlri=NLRI1),
     TAW("3/5", "10.0.0.0/24"), "LARGE_COMMUNITY of length 8 is not a multiple of 12 (RFC 8092 §5).")

# ===== Combinations (RFC 7606 §3, "strongest action wins") ================

case("update-combo-discard-then-withdraw",
     update(attrs=aggregator(flags=OPT_N) + origin(7) + ASP_OK + NH_OK, nlri=NLRI1),
     TAW("3/6", "10.0.0.0/24"),
     "AGGREGATOR flags error (discard) plus ORIGIN value 7 (treat-as-withdraw): treat-as-withdraw wins (RFC 7606 §3).")
case("update-combo-two-withdraw-errors",
     update(withdrawn=WD1, attrs=MPU6 + next_hop("127.0.0.1") + origin(5) + ASP_OK + MPR6, nlri=NLRI1),
     TAW("3/8", "172.16.0.0/16,2001:db8:ff::/48,10.0.0.0/24,2001:db8:1::/48"),
     "NEXT_HOP loopback met before ORIGIN value 5: the first treat-as-withdraw error is recorded; all four prefix sources withdrawn (RFC 7606 §2, §3).")
case("update-combo-withdraw-before-missing",
     update(attrs=origin(7) + NH_OK, nlri=NLRI1),
     TAW("3/6", "10.0.0.0/24"),
     "ORIGIN value 7 is met before the missing AS_PATH is noticed at the end of the list (RFC 7606 §3.d, §7.1).")
case("update-combo-two-discards",
     update(attrs=BASE + aggregator(flags=OPT_N) + attr(WK, ATOMIC_AGG_T, b"\x00"), nlri=NLRI1),
     AD("3/4", "7,6"),
     "AGGREGATOR flags error then ATOMIC_AGGREGATE length error: both discarded, first error recorded (RFC 7606 §7.6, §7.7).")
case("update-combo-withdraw-and-bad-nlri",
     update(attrs=origin(3) + ASP_OK + NH_OK, nlri=NLRI1 + raw_prefix(40, b"\x0a\x00\x00\x00\x00")),
     N(3, 10),
     "ORIGIN value 3 (treat-as-withdraw) plus NLRI prefix length 40: session reset wins (RFC 7606 §3.h, §5.3).")
case("update-combo-withdraw-and-mpreach-nexthop",
     update(attrs=origin(1) + attr(WK, ATOMIC_AGG_T, b"\x00") + ASP_OK
            + mp_reach(2, 1, ip4("192.0.2.1") * 2, v6s("2001:db8:1::/48")) + communities(), nlri=b""),
     N(3, 9),
     "ATOMIC_AGGREGATE discard and empty COMMUNITIES treat-as-withdraw are overridden by an 8-octet IPv6 next hop (RFC 7606 §7.11).")
case("update-combo-discard-withdraw-attrlist-overrun",
     update(withdrawn=WD1, attrs=MPR6 + attr(WK, ATOMIC_AGG_T, b"\x00") + BASE + b"\x80\x04\x04\x00", nlri=NLRI2),
     TAW("3/1", "172.16.0.0/16,10.1.0.0/24,10.2.0.0/16,2001:db8:1::/48"),
     "ATOMIC_AGGREGATE discard then a MED whose length runs past the attribute list: treat-as-withdraw (RFC 7606 §4).")
case("update-combo-host-bits-withdraw",
     update(withdrawn=raw_prefix(12, b"\xac\x1f"), attrs=ORIGIN_OK + ASP_OK + next_hop("0.0.0.0"),
            nlri=raw_prefix(20, b"\x0a\x01\x1f")),
     TAW("3/8", "172.16.0.0/12,10.1.16.0/20"),
     "Host bits in withdrawn 172.31/12 and NLRI 10.1.31/20 are masked in the withdrawal list (RFC 4271 §4.3, RFC 7606 §7.3).")

# ===== Valid edge cases ====================================================

case("update-ok-eor-ipv4", update(),
     "ok", "End-of-RIB for IPv4 unicast: an empty 23-octet UPDATE (RFC 4724 §2).")
case("update-ok-eor-ipv6", update(attrs=mp_unreach(2, 1, b"")),
     "ok", "End-of-RIB for IPv6 unicast: only an empty MP_UNREACH_NLRI for AFI 2/SAFI 1 (RFC 4724 §2).")
case("update-ok-extended-length-short-attr",
     update(attrs=attr(WK | E, ORIGIN_T, b"\x00") + attr(WK | E, AS_PATH_T, seg(AS_SEQUENCE, [65001]))
            + NH_OK, nlri=NLRI1),
     "ok", "Extended Length flag on attributes shorter than 256 octets is legal (RFC 4271 §4.3).")
case("update-ok-attributes-out-of-order",
     update(attrs=communities(0xFDE80001) + NH_OK + med() + ASP_OK + ORIGIN_OK + MPR6, nlri=NLRI1),
     "ok", "Attributes in descending type order, MP_REACH_NLRI last; receivers must accept any order (RFC 4271 §5, RFC 7606 §5.1).")
case("update-ok-host-bits-set",
     update(attrs=BASE, nlri=raw_prefix(20, b"\x0a\x01\x1f") + raw_prefix(9, b"\xc0\xff")),
     "ok", "NLRI 10.1.31.0/20 and 192.255.0.0/9 have host bits set; they decode as 10.1.16.0/20 and 192.128.0.0/9 (RFC 4271 §4.3).")
case("update-ok-prefix-0-and-32",
     update(attrs=BASE, nlri=v4s("0.0.0.0/0", "192.0.2.1/32")),
     "ok", "Default route /0 (no address octets) and a host /32 (RFC 4271 §4.3).")
case("update-ok-all-attributes",
     update(attrs=BASE + med(20) + local_pref(200) + atomic_aggregate() + aggregator()
            + communities(0xFDE80001, 0xFFFFFF01) + attr(OPT_N, ORIGINATOR_ID_T, ip4("192.0.2.9"))
            + attr(OPT_N, CLUSTER_LIST_T, ip4("192.0.2.10") + ip4("192.0.2.11"))
            + attr(OPT_T, EXT_COMM_T, bytes([0, 2, 0xfd, 0xe9, 0, 0, 0, 1]))
            + attr(OPT_T, LARGE_COMM_T, u32(4200000000) + u32(1) + u32(2)),
            nlri=NLRI2),
     "ok", "Every known attribute, well-formed, from an internal peer (RFC 4271 §5, RFC 1997, RFC 4360, RFC 4456, RFC 8092).")


# ---------------------------------------------------------------------------
# Independent reference classifier (re-parses the bytes; no shared helpers)
# ---------------------------------------------------------------------------

KNOWN_FLAGS = {1: 0x40, 2: 0x40, 3: 0x40, 4: 0x80, 5: 0x40, 6: 0x40, 7: 0xC0, 8: 0xC0,
               9: 0x80, 10: 0x80, 14: 0x80, 15: 0x80, 16: 0xC0, 17: 0xC0, 18: 0xC0, 32: 0xC0}


class Ambiguous(Exception):
    pass


def be(b):
    return int.from_bytes(b, "big")


def parse_prefixes(buf, maxbits, v6):
    """Returns canonical text list, or None when malformed."""
    out, i = [], 0
    while i < len(buf):
        plen = buf[i]
        n = (plen + 7) // 8
        if plen > maxbits or i + 1 + n > len(buf):
            return None
        raw = buf[i + 1:i + 1 + n] + bytes((16 if v6 else 4) - n)
        cls = ipaddress.IPv6Network if v6 else ipaddress.IPv4Network
        out.append(cls((be(raw), plen), strict=False).compressed)
        i += 1 + n
    return out


def aspath_ok(val, width, reject_confed):
    i = 0
    while i < len(val):
        if len(val) - i < 2:
            return False
        st, sl = val[i], val[i + 1]
        if st not in (1, 2, 3, 4) or sl == 0 or i + 2 + sl * width > len(val):
            return False
        if st in (3, 4) and reject_confed:
            return False
        i += 2 + sl * width
    return True


def bad_nexthop(v):
    a = be(v)
    return a == 0 or a == 0xFFFFFFFF or (a >> 24) == 127 or 224 <= (a >> 24) <= 239


def classify_open(b):
    if b[0] != 4:
        return "notification 2/1"
    optlen, rest = b[9], b[10:]
    if optlen == 255 and len(rest) >= 1 and rest[0] == 255:
        if len(rest) < 3:
            return "notification 2/0"
        elen = be(rest[1:3])
        if 3 + elen > len(rest):
            return "notification 2/0"
        assert 3 + elen == len(rest), "trailing octets after RFC 9072 params"
        plist, lw = rest[3:3 + elen], 2
    else:
        if optlen > len(rest):
            return "notification 2/0"
        assert optlen == len(rest), "trailing octets after optional parameters"
        plist, lw = rest, 1
    i = 0
    while i < len(plist):
        if len(plist) - i < 1 + lw:
            return "notification 2/0"
        ptype, plen = plist[i], be(plist[i + 1:i + 1 + lw])
        i += 1 + lw
        if i + plen > len(plist):
            return "notification 2/0"
        pval = plist[i:i + plen]
        i += plen
        if ptype != 2:
            return "notification 2/4"
        j = 0
        while j < len(pval):
            if len(pval) - j < 2:
                return "notification 2/0"
            code, clen = pval[j], pval[j + 1]
            if j + 2 + clen > len(pval):
                return "notification 2/0"
            cv = pval[j + 2:j + 2 + clen]
            j += 2 + clen
            bad = {65: clen != 4, 1: clen != 4, 2: clen != 0, 64: clen < 2 or (clen - 2) % 4,
                   69: clen % 4, 5: clen % 6}.get(code, False)
            if code == 73:
                h = cv[0] if clen >= 1 else None
                bad = (h is None or 1 + h + 1 > clen or 1 + h + 1 + cv[1 + h] != clen)
            if bad:
                return "notification 2/0"
    return "ok"


def classify_update(b, as2, ebgp):
    wlen = be(b[0:2])
    if 2 + wlen + 2 > len(b):
        return "notification 3/1"
    alen = be(b[2 + wlen:4 + wlen])
    if 4 + wlen + alen > len(b):
        return "notification 3/1"
    attrs, nlri_raw = b[4 + wlen:4 + wlen + alen], b[4 + wlen + alen:]
    notif, taw, disc = [], [], []
    wd = parse_prefixes(b[2:2 + wlen], 32, False)
    nlri = parse_prefixes(nlri_raw, 32, False)
    if wd is None or nlri is None:
        notif.append("3/10")
    seen, present, mpr, mpu = set(), set(), [], []
    i = 0
    while i < len(attrs):
        rem = len(attrs) - i
        if rem < 3 or (attrs[i] & 0x10 and rem < 4):
            taw.append("3/1")
            break
        fl, t = attrs[i], attrs[i + 1]
        hl = 4 if fl & 0x10 else 3
        ln = be(attrs[i + 2:i + hl])
        if i + hl + ln > len(attrs):
            taw.append("3/1")
            break
        v = attrs[i + hl:i + hl + ln]
        i += hl + ln
        if t in seen:
            if t in (14, 15):
                notif.append("3/1")
            else:
                disc.append((t, "3/1"))
            continue
        seen.add(t)
        if t not in KNOWN_FLAGS:
            if not fl & 0x80:
                notif.append("3/2")
            continue
        present.add(t)
        if fl & 0xC0 != KNOWN_FLAGS[t]:
            if t in (6, 7, 17, 18):
                disc.append((t, "3/4"))
            elif t in (14, 15):
                notif.append("3/4")
            else:
                taw.append("3/4")
            continue
        if t == 1:
            if ln != 1:
                taw.append("3/5")
            elif v[0] > 2:
                taw.append("3/6")
        elif t == 2:
            if not aspath_ok(v, 2 if as2 else 4, ebgp):
                taw.append("3/11")
        elif t == 3:
            if ln != 4:
                taw.append("3/5")
            elif bad_nexthop(v):
                taw.append("3/8")
        elif t == 4 and ln != 4:
            taw.append("3/5")
        elif t == 5 and ln != 4:
            (disc.append((5, "3/5")) if ebgp else taw.append("3/5"))
        elif t == 6 and ln != 0:
            disc.append((6, "3/5"))
        elif t == 7 and ln != (6 if as2 else 8):
            disc.append((7, "3/5"))
        elif t in (8, 16, 32) and (ln == 0 or ln % {8: 4, 16: 8, 32: 12}[t]):
            taw.append("3/5")
        elif t == 9 and ln != 4:
            (disc.append((9, "3/5")) if ebgp else taw.append("3/5"))
        elif t == 10 and (ln == 0 or ln % 4):
            (disc.append((10, "3/5")) if ebgp else taw.append("3/5"))
        elif t == 14:
            if ln < 5 or 5 + v[3] > ln:
                notif.append("3/9")
                continue
            afi, safi, nhl = be(v[0:2]), v[2], v[3]
            fam = (afi, safi)
            if fam == (1, 1) and nhl not in (4, 16, 32) or fam == (2, 1) and nhl not in (16, 32):
                notif.append("3/9")
                continue
            if fam in ((1, 1), (2, 1)):
                p = parse_prefixes(v[5 + nhl:], 128 if afi == 2 else 32, afi == 2)
                if p is None:
                    notif.append("3/10")
                else:
                    mpr = p
        elif t == 15:
            if ln < 3:
                notif.append("3/9")
                continue
            afi, safi = be(v[0:2]), v[2]
            if (afi, safi) in ((1, 1), (2, 1)):
                p = parse_prefixes(v[3:], 128 if afi == 2 else 32, afi == 2)
                if p is None:
                    notif.append("3/10")
                else:
                    mpu = p
        elif t == 17 and not aspath_ok(v, 4, True):
            disc.append((17, "3/11"))
        elif t == 18 and ln != 8:
            disc.append((18, "3/5"))
    if nlri or (14 in present and "3/9" not in notif):
        if 1 not in present or 2 not in present or (nlri and 3 not in present):
            taw.append("3/3")
    if notif:
        if len(set(notif)) > 1:
            raise Ambiguous("several notification-level errors: %r" % notif)
        return "notification " + notif[0]
    if taw:
        pfx = (wd or []) + mpu + (nlri or []) + mpr
        return "treat-as-withdraw %s %s" % (taw[0], ",".join(pfx) or "-")
    if disc:
        return "attribute-discard %s %s" % (disc[0][1], ",".join(str(t) for t, _ in disc))
    return "ok"


def classify(msg, options):
    opts = set() if options == "-" else set(options.split(","))
    maxlen = 65535 if "extmsg" in opts else 4096
    assert len(msg) >= 19
    if msg[:16] != MARKER:
        return "notification 1/1"
    length, mtype = be(msg[16:18]), msg[18]
    if length < 19 or length > maxlen:
        return "notification 1/2"
    if mtype not in (1, 2, 3, 4, 5):
        return "notification 1/3"
    if mtype == 5 and length != 23:
        return "notification 7/1"
    if (mtype == 1 and length < 29 or mtype == 2 and length < 23 or mtype == 3 and length < 21
            or mtype == 4 and length != 19):
        return "notification 1/2"
    # Past the header checks the file must hold exactly one whole message.
    assert length == len(msg), "length field %d != file size %d" % (length, len(msg))
    body = msg[19:]
    if mtype == 1:
        return classify_open(body)
    if mtype == 2:
        return classify_update(body, "as2" in opts, "ebgp" in opts)
    return "ok"


# ---------------------------------------------------------------------------
# Self-check and output
# ---------------------------------------------------------------------------

def self_check():
    errors = []
    names = set()
    for name, msg, expect, options, why in CASES:
        if name in names:
            errors.append("%s: duplicate name" % name)
        names.add(name)
        if not all(c.islower() or c.isdigit() or c == "-" for c in name):
            errors.append("%s: name is not kebab-case" % name)
        if options != "-" and not set(options.split(",")) <= {"as2", "ebgp", "extmsg"}:
            errors.append("%s: bad options %r" % (name, options))
        if "\t" in why or "\n" in why:
            errors.append("%s: tab/newline in why" % name)
        if expect.startswith("treat-as-withdraw") and expect.endswith(" -"):
            errors.append("%s: treat-as-withdraw case without prefixes" % name)
        try:
            got = classify(msg, options)
        except (Ambiguous, AssertionError, IndexError) as e:
            errors.append("%s: reference classifier failed: %r" % (name, e))
            continue
        if got != expect:
            errors.append("%s: declared %r but reference classifier says %r" % (name, expect, got))
    if errors:
        sys.exit("self-check failed:\n  " + "\n  ".join(errors))


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    outdir = os.path.join(root, "Fixtures", "bgp", "malformed")
    self_check()
    os.makedirs(outdir, exist_ok=True)
    for f in sorted(os.listdir(outdir)):
        if f.endswith(".bin"):
            os.remove(os.path.join(outdir, f))
    lines = ["name\texpect\toptions\twhy"]
    for name, msg, expect, options, why in CASES:
        with open(os.path.join(outdir, name + ".bin"), "wb") as fh:
            fh.write(msg)
        lines.append("\t".join((name, expect, options, why)))
    with open(os.path.join(outdir, "MANIFEST.tsv"), "w", newline="\n") as fh:
        fh.write("\n".join(lines) + "\n")
    kinds = {}
    for _, _, expect, _, _ in CASES:
        k = expect.split()[0]
        kinds[k] = kinds.get(k, 0) + 1
    print("wrote %d cases to %s (%s)" % (len(CASES), os.path.relpath(outdir, root),
                                         ", ".join("%s %d" % kv for kv in sorted(kinds.items()))))


if __name__ == "__main__":
    main()
