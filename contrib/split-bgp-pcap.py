#!/usr/bin/env python3
"""Split the BGP messages out of a classic libpcap capture (stdlib only).

    split-bgp-pcap.py CAPTURE.pcap [--from ADDR ...] [--outdir DIR]
                      [--max-keepalives N] [--list]

Reads a classic libpcap file (what `tcpdump -w` writes; micro- or
nanosecond, either byte order) with link type Ethernet, Linux cooked
(SLL, SLL2), BSD loopback or raw IP.  IPv4 and IPv6 TCP segments to or
from port 179 are grouped per direction (src, sport, dst, dport), ordered
by sequence number relative to the SYN (or the lowest sequence number seen
when the SYN was not captured), retransmitted and overlapping bytes are
dropped, and the reassembled byte stream is cut into BGP messages using the
16-byte 0xFF marker and the 2-byte length.

With --from, only streams whose *source* address is one of the given
addresses are kept (i.e. messages sent by that speaker).  The kept messages
are ordered by the capture time of the segment carrying their first byte
and, with --outdir, written as NNN-<type>[-<tag>...].bin, one whole message
(including the 19-byte header) per file.  Tags:

  addpath  an UPDATE for an AFI/SAFI for which ADD-PATH was negotiated in
           the sending direction (sender advertised "send", receiver
           advertised "receive" in the OPEN messages seen on that TCP
           connection), so its NLRI carry 4-byte path identifiers;
  as2      an UPDATE on a connection where 4-octet AS numbers were NOT
           negotiated by both sides (AS_PATH carries 2-byte ASNs).

Identical KEEPALIVEs are deduplicated: at most --max-keepalives (default 2)
are written.  With --dedupe, any other message byte-identical to one already
kept (e.g. an UPDATE re-sent after a ROUTE-REFRESH) is dropped too.  --list prints one line per kept message (with a short decode
of OPEN capabilities and UPDATE attributes) to stdout.
"""

import argparse
import ipaddress
import os
import struct
import sys

MARKER = b"\xff" * 16
TYPE_NAMES = {1: "open", 2: "update", 3: "notification", 4: "keepalive",
              5: "route-refresh"}

# ---------------------------------------------------------------------------
# pcap reading
# ---------------------------------------------------------------------------


def read_pcap(path):
    """Yield (timestamp_float, linktype, frame_bytes)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise SystemExit("%s: too short for a pcap header" % path)
    magic = data[:4]
    if magic == b"\xd4\xc3\xb2\xa1":
        endian, nano = "<", False
    elif magic == b"\xa1\xb2\xc3\xd4":
        endian, nano = ">", False
    elif magic == b"\x4d\x3c\xb2\xa1":
        endian, nano = "<", True
    elif magic == b"\xa1\xb2\x3c\x4d":
        endian, nano = ">", True
    elif magic == b"\x0a\x0d\x0d\x0a":
        raise SystemExit("%s: pcapng is not supported; use tcpdump -w "
                         "(classic pcap)" % path)
    else:
        raise SystemExit("%s: not a pcap file" % path)
    _vmaj, _vmin, _tz, _sig, _snap, linktype = struct.unpack(
        endian + "HHiIII", data[4:24])
    linktype &= 0x0FFFFFFF
    off = 24
    div = 1e9 if nano else 1e6
    while off + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack(endian + "IIII",
                                               data[off:off + 16])
        off += 16
        frame = data[off:off + incl]
        off += incl
        if len(frame) < incl:
            break  # truncated last record
        yield sec + frac / div, linktype, frame


def l3_from_frame(linktype, frame):
    """Return (ethertype, l3_bytes) or None."""
    if linktype == 1:  # Ethernet
        if len(frame) < 14:
            return None
        et = struct.unpack("!H", frame[12:14])[0]
        off = 14
        while et in (0x8100, 0x88A8) and len(frame) >= off + 4:
            et = struct.unpack("!H", frame[off + 2:off + 4])[0]
            off += 4
        return et, frame[off:]
    if linktype == 113:  # Linux cooked v1
        if len(frame) < 16:
            return None
        return struct.unpack("!H", frame[14:16])[0], frame[16:]
    if linktype == 276:  # Linux cooked v2
        if len(frame) < 20:
            return None
        return struct.unpack("!H", frame[0:2])[0], frame[20:]
    if linktype == 0:  # BSD loopback, host byte order AF
        if len(frame) < 4:
            return None
        af = struct.unpack("<I", frame[:4])[0]
        if af > 0xFFFF:
            af = struct.unpack(">I", frame[:4])[0]
        return (0x0800 if af == 2 else 0x86DD), frame[4:]
    if linktype in (12, 14, 101, 228, 229):  # raw IP
        if not frame:
            return None
        v = frame[0] >> 4
        return (0x0800 if v == 4 else 0x86DD), frame
    return None


def tcp_from_l3(ethertype, pkt):
    """Return (src, dst, tcp_bytes) or None."""
    if ethertype == 0x0800:
        if len(pkt) < 20 or pkt[0] >> 4 != 4:
            return None
        ihl = (pkt[0] & 0x0F) * 4
        total = struct.unpack("!H", pkt[2:4])[0]
        frag = struct.unpack("!H", pkt[6:8])[0]
        if pkt[9] != 6 or (frag & 0x1FFF) or (frag & 0x2000):
            return None  # not TCP, or a fragment
        if total >= ihl:
            pkt = pkt[:total]  # strip Ethernet padding (TSO sets 0: keep)
        src = ipaddress.IPv4Address(pkt[12:16])
        dst = ipaddress.IPv4Address(pkt[16:20])
        return src, dst, pkt[ihl:]
    if ethertype == 0x86DD:
        if len(pkt) < 40 or pkt[0] >> 4 != 6:
            return None
        plen = struct.unpack("!H", pkt[4:6])[0]
        nh = pkt[6]
        src = ipaddress.IPv6Address(pkt[8:24])
        dst = ipaddress.IPv6Address(pkt[24:40])
        body = pkt[40:40 + plen] if plen else pkt[40:]
        while nh in (0, 43, 60):  # hop-by-hop, routing, destination opts
            if len(body) < 2:
                return None
            nh, hlen = body[0], (body[1] + 1) * 8
            body = body[hlen:]
        if nh != 6:
            return None
        return src, dst, body
    return None


# ---------------------------------------------------------------------------
# TCP reassembly
# ---------------------------------------------------------------------------


class Stream:
    def __init__(self, key):
        self.key = key  # (src, sport, dst, dport)
        self.isn = None  # sequence number of the SYN
        self.segments = []  # (seq, ts, payload)

    def add(self, ts, seq, flags, payload):
        if flags & 0x02:  # SYN
            self.isn = seq
        if payload:
            self.segments.append((seq, ts, payload))

    def reassemble(self):
        """Return (bytes, [(offset, ts)]) with ts per contiguous chunk."""
        if not self.segments:
            return b"", []
        base = (self.isn + 1) & 0xFFFFFFFF if self.isn is not None else None
        if base is None:
            # No SYN: use the earliest segment (by capture order) and take
            # offsets modulo 2^32 relative to it, allowing for wrap.
            base = self.segments[0][0]
            rel = [((s - base) & 0xFFFFFFFF, ts, p)
                   for s, ts, p in self.segments]
            # segments "before" base show up near 2^32: shift them.
            lo = min(r if r < 0x80000000 else r - 0x100000000
                     for r, _, _ in rel)
            rel = [((r if r < 0x80000000 else r - 0x100000000) - lo, ts, p)
                   for r, ts, p in rel]
        else:
            rel = [((s - base) & 0xFFFFFFFF, ts, p)
                   for s, ts, p in self.segments]
        rel.sort(key=lambda x: (x[0], x[1]))
        buf = bytearray()
        times = []  # (offset where this chunk's new bytes start, ts)
        gaps = 0
        for off, ts, p in rel:
            end = off + len(p)
            if end <= len(buf):
                continue  # pure retransmission
            if off > len(buf):
                gaps += 1
                break  # hole in the capture: stop here
            new = p[len(buf) - off:]
            times.append((len(buf), ts))
            buf += new
        if gaps:
            print("warning: %s: gap in TCP stream after %d bytes; "
                  "rest ignored" % (fmt_key(self.key), len(buf)),
                  file=sys.stderr)
        return bytes(buf), times


def fmt_key(k):
    s, sp, d, dp = k

    def a(x, p):
        return ("[%s]:%d" if x.version == 6 else "%s:%d") % (x, p)
    return "%s -> %s" % (a(s, sp), a(d, dp))


def load_streams(path, port=179):
    streams = {}
    order = []
    for ts, lt, frame in read_pcap(path):
        r = l3_from_frame(lt, frame)
        if r is None:
            continue
        r = tcp_from_l3(*r)
        if r is None:
            continue
        src, dst, tcp = r
        if len(tcp) < 20:
            continue
        sport, dport, seq, _ack, offflags = struct.unpack(
            "!HHIIH", tcp[:14])
        if port not in (sport, dport):
            continue
        doff = (offflags >> 12) * 4
        flags = offflags & 0x3F
        key = (src, sport, dst, dport)
        st = streams.get(key)
        if st is None:
            st = streams[key] = Stream(key)
            order.append(key)
        st.add(ts, seq, flags, tcp[doff:])
    return streams, order


def split_messages(buf, times):
    """Yield (offset, ts, message_bytes)."""
    off = 0
    ti = 0
    while off + 19 <= len(buf):
        if buf[off:off + 16] != MARKER:
            print("warning: lost BGP framing at offset %d" % off,
                  file=sys.stderr)
            return
        length = struct.unpack("!H", buf[off + 16:off + 18])[0]
        if length < 19 or off + length > len(buf):
            if length >= 19:
                print("warning: incomplete last message (%d of %d bytes)"
                      % (len(buf) - off, length), file=sys.stderr)
            return
        while ti + 1 < len(times) and times[ti + 1][0] <= off:
            ti += 1
        yield off, times[ti][1], buf[off:off + length]
        off += length


# ---------------------------------------------------------------------------
# OPEN / UPDATE inspection (for tags and --list)
# ---------------------------------------------------------------------------


def open_caps(msg):
    """Return (my_as, hold, bgp_id, [(code, value)]) from an OPEN."""
    body = msg[19:]
    _ver, my_as, hold = struct.unpack("!BHH", body[:5])
    bgp_id = str(ipaddress.IPv4Address(body[5:9]))
    optlen = body[9]
    params = body[10:10 + optlen]
    ext = False
    if optlen == 255 and len(body) > 10 and body[10] == 255:  # RFC 9072
        optlen = struct.unpack("!H", body[11:13])[0]
        params = body[13:13 + optlen]
        ext = True
    caps = []
    i = 0
    while i < len(params):
        ptype = params[i]
        if ext:
            plen = struct.unpack("!H", params[i + 1:i + 3])[0]
            pval = params[i + 3:i + 3 + plen]
            i += 3 + plen
        else:
            plen = params[i + 1]
            pval = params[i + 2:i + 2 + plen]
            i += 2 + plen
        if ptype != 2:
            continue
        j = 0
        while j + 2 <= len(pval):
            code, clen = pval[j], pval[j + 1]
            caps.append((code, pval[j + 2:j + 2 + clen]))
            j += 2 + clen
    return my_as, hold, bgp_id, caps


def addpath_modes(caps):
    """{(afi, safi): send_receive_bits}"""
    res = {}
    for code, val in caps:
        if code == 69:
            for k in range(0, len(val) - 3, 4):
                afi, safi, sr = struct.unpack("!HBB", val[k:k + 4])
                res[(afi, safi)] = sr
    return res


def has_as4(caps):
    return any(code == 65 for code, _ in caps)


def update_families(msg):
    """AFI/SAFIs an UPDATE carries routes (or withdrawals/EoR) for."""
    body = msg[19:]
    fams = set()
    wlen = struct.unpack("!H", body[:2])[0]
    alen = struct.unpack("!H", body[2 + wlen:4 + wlen])[0]
    attrs = body[4 + wlen:4 + wlen + alen]
    nlri = body[4 + wlen + alen:]
    if wlen or nlri or not attrs:
        fams.add((1, 1))
    for flags, code, val in iter_attrs(attrs):
        if code in (14, 15) and len(val) >= 3:
            afi, safi = struct.unpack("!HB", val[:3])
            fams.add((afi, safi))
    return fams


def iter_attrs(attrs):
    i = 0
    while i + 3 <= len(attrs):
        flags, code = attrs[i], attrs[i + 1]
        if flags & 0x10:
            alen = struct.unpack("!H", attrs[i + 2:i + 4])[0]
            val = attrs[i + 4:i + 4 + alen]
            i += 4 + alen
        else:
            alen = attrs[i + 2]
            val = attrs[i + 3:i + 3 + alen]
            i += 3 + alen
        yield flags, code, val


ATTR_NAMES = {1: "ORIGIN", 2: "AS_PATH", 3: "NEXT_HOP", 4: "MED",
              5: "LOCAL_PREF", 6: "ATOMIC_AGGREGATE", 7: "AGGREGATOR",
              8: "COMMUNITIES", 9: "ORIGINATOR_ID", 10: "CLUSTER_LIST",
              14: "MP_REACH", 15: "MP_UNREACH", 16: "EXT_COMMUNITIES",
              17: "AS4_PATH", 18: "AS4_AGGREGATOR", 32: "LARGE_COMMUNITY",
              35: "OTC"}
CAP_NAMES = {1: "MP", 2: "RR", 5: "EXTNH", 6: "EXTMSG", 9: "ROLE", 64: "GR",
             65: "AS4", 69: "ADDPATH", 70: "ERR", 71: "LLGR", 73: "FQDN",
             128: "RR-old", 131: "ORF-old"}
NOTIF = {1: "header", 2: "open", 3: "update", 4: "hold", 5: "fsm",
         6: "cease"}


def fmt_aspath(val, as4):
    w = 4 if as4 else 2
    out, i = [], 0
    while i + 2 <= len(val):
        st, n = val[i], val[i + 1]
        asns = [int.from_bytes(val[i + 2 + k * w:i + 2 + (k + 1) * w], "big")
                for k in range(n)]
        i += 2 + n * w
        if st == 1:
            out.append("{" + ",".join(map(str, asns)) + "}")
        else:
            out.append(" ".join(map(str, asns)))
    return "[" + " ".join(out) + "]"


def describe(msg, tags, as4=True):
    t = msg[18]
    name = TYPE_NAMES.get(t, "type%d" % t)
    out = "%-13s len=%-5d" % (name, len(msg))
    try:
        if t == 1:
            my_as, hold, bid, caps = open_caps(msg)
            cs = []
            for code, val in caps:
                n = CAP_NAMES.get(code, str(code))
                if code == 1:
                    n += "(%d/%d)" % struct.unpack("!HxB", val[:4])
                elif code == 65:
                    n += "(%d)" % struct.unpack("!I", val[:4])[0]
                elif code == 69:
                    n += "(" + ",".join("%d/%d:%d" % (a, s, m) for (a, s), m
                                        in addpath_modes([(69, val)]).items()) + ")"
                cs.append(n)
            out += " as=%d hold=%d id=%s caps=%s" % (my_as, hold, bid,
                                                     " ".join(cs))
        elif t == 2:
            body = msg[19:]
            wlen = struct.unpack("!H", body[:2])[0]
            alen = struct.unpack("!H", body[2 + wlen:4 + wlen])[0]
            attrs = body[4 + wlen:4 + wlen + alen]
            nlri = body[4 + wlen + alen:]
            parts = []
            for flags, code, val in iter_attrs(attrs):
                a = ATTR_NAMES.get(code, "attr%d" % code)
                if flags & 0x10:
                    a += "[X]"  # extended length flag set
                if code in (14, 15):
                    a += "(%d/%d)" % struct.unpack("!HB", val[:3])
                if code == 14:
                    a += "nh%d" % val[3]
                if code == 2:
                    a += fmt_aspath(val, as4)
                if code == 35:
                    a += "(%d)" % struct.unpack("!I", val[:4])[0]
                parts.append(a)
            out += " wd=%d nlri=%d attrs=%s" % (wlen, len(nlri),
                                                ",".join(parts) or "-")
            if not wlen and not alen and not nlri:
                out += " EoR(1/1)"
            elif not wlen and not nlri and len(parts) == 1 and \
                    attrs[1] == 15 and len(attrs) in (6, 7):
                out += " EoR"
        elif t == 3:
            code, sub = msg[19], msg[20]
            out += " %s/%d data=%s" % (NOTIF.get(code, code), sub,
                                       msg[21:].hex())
        elif t == 5:
            afi, sub, safi = struct.unpack("!HBB", msg[19:23])
            out += " afi=%d safi=%d subtype=%d" % (afi, safi, sub)
    except (struct.error, IndexError):
        out += " (undecodable)"
    if tags:
        out += " tags=" + ",".join(tags)
    return out


# ---------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pcap")
    ap.add_argument("--from", dest="src", action="append", default=[],
                    help="keep only messages sent from this address "
                         "(repeatable)")
    ap.add_argument("--outdir", help="write NNN-<type>.bin files here")
    ap.add_argument("--max-keepalives", type=int, default=2)
    ap.add_argument("--port", type=int, default=179)
    ap.add_argument("--dedupe", action="store_true",
                    help="drop any message byte-identical to an earlier "
                         "kept one (keepalives: see --max-keepalives)")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()

    srcs = {ipaddress.ip_address(a) for a in args.src}
    streams, order = load_streams(args.pcap, args.port)

    # Per direction: messages; per connection: the two OPENs.
    per_stream = {}
    for key in order:
        buf, times = streams[key].reassemble()
        per_stream[key] = list(split_messages(buf, times))

    def first_open(key):
        for _o, _t, m in per_stream.get(key, []):
            if m[18] == 1:
                return open_caps(m)[3]
        return None

    kept = []
    for idx, key in enumerate(order):
        if srcs and key[0] not in srcs:
            continue
        s, sp, d, dp = key
        mine = first_open(key)
        theirs = first_open((d, dp, s, sp))
        addpath_fams = set()
        as2 = False
        if mine is not None and theirs is not None:
            m_ap, t_ap = addpath_modes(mine), addpath_modes(theirs)
            for fam, sr in m_ap.items():
                if sr & 2 and t_ap.get(fam, 0) & 1:
                    addpath_fams.add(fam)
            as2 = not (has_as4(mine) and has_as4(theirs))
        for off, ts, msg in per_stream[key]:
            tags = []
            if msg[18] == 2:
                if update_families(msg) & addpath_fams:
                    tags.append("addpath")
                if as2:
                    tags.append("as2")
            kept.append((ts, idx, off, msg, tags, (key, not as2)))
    kept.sort(key=lambda x: (x[0], x[1], x[2]))

    out = []
    ka_seen = 0
    seen = set()
    for ts, _idx, _off, msg, tags, key in kept:
        if msg[18] == 4:
            if ka_seen >= args.max_keepalives:
                continue
            ka_seen += 1
        elif args.dedupe:
            if msg in seen:
                continue
            seen.add(msg)
        out.append((ts, msg, tags, key))

    if args.outdir:
        os.makedirs(args.outdir, exist_ok=True)
    t0 = out[0][0] if out else 0.0
    for n, (ts, msg, tags, (key, as4)) in enumerate(out, 1):
        tname = TYPE_NAMES.get(msg[18], "type%d" % msg[18])
        fname = "%03d-%s%s.bin" % (n, tname, "".join("-" + t for t in tags))
        if args.outdir:
            with open(os.path.join(args.outdir, fname), "wb") as f:
                f.write(msg)
        if args.list:
            print("%-24s +%6.2fs %-34s %s" % (
                fname, ts - t0, "%s > %s" % (key[0], key[2]),
                describe(msg, tags, as4)))
    if not out:
        print("warning: no BGP messages found", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
