#!/usr/bin/env bash
# Capture real BGP messages sent by BIRD 2, GoBGP and FRR into
# Fixtures/bgp/{bird,gobgp,frr}/NNN-<type>[-tag].bin.  See Fixtures/bgp/README.md.
#
#   sudo contrib/capture-fixtures.sh            # regenerate the fixtures
#   sudo contrib/capture-fixtures.sh --keep-pcap DIR   # also keep the pcaps
#
# Needs root, iproute2, tcpdump, python3, bird2 (bird/birdc), gobgpd
# (gobgpd/gobgp) and frr (zebra/bgpd/vtysh).
#
# Lab: three network namespaces created for this run only (rdfx-<pid>-b/g/f),
# joined by veth pairs created directly inside them.  Nothing is configured in
# the root namespace: all addresses, routes and daemons live in the lab
# namespaces and everything is removed again on exit (trap EXIT).
#
#   BIRD  (ns b)  AS 4200000001 on eBGP, "local as 64512" + route reflector
#                 on iBGP, separate RR tables rr4/rr6
#   GoBGP (ns g)  AS 64512
#   FRR   (ns f)  AS 64512
#
#   link bg-i  192.0.2.0/30   2001:db8:0:1::/64  B-G iBGP v4 (add-path) + v6
#   link bg-e  192.0.2.4/30   2001:db8:0:2::/64  B-G eBGP v4 + v6 (v6: BIRD "enable as4 off")
#   link bf-i  192.0.2.8/30   2001:db8:0:3::/64  B-F iBGP, v4+v6 over IPv4
#   link bf-e  192.0.2.12/30  2001:db8:0:4::/64  B-F eBGP, v6+v4 (RFC 8950)
#                                                over IPv6, BGP roles

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT="$ROOT/Fixtures/bgp"
SPLIT="$ROOT/contrib/split-bgp-pcap.py"
KEEP_PCAP=""
if [[ "${1:-}" == "--keep-pcap" ]]; then
    KEEP_PCAP=$(realpath -m "${2:?--keep-pcap needs a directory}")
fi

[[ $(id -u) -eq 0 ]] || { echo "must run as root (network namespaces)" >&2; exit 1; }
for t in ip tcpdump python3 bird birdc gobgpd gobgp vtysh /usr/lib/frr/bgpd /usr/lib/frr/zebra; do
    command -v "$t" >/dev/null || { echo "missing: $t" >&2; exit 1; }
done

P="rdfx-$$"
NS_B="$P-b" NS_G="$P-g" NS_F="$P-f"
NSS=()
PIDS=()           # every background process we started, killed by pid
TCPDUMP_PIDS=()
RUN=$(mktemp -d /tmp/rdfx.XXXXXX)
chmod 0711 "$RUN"   # FRR drops privileges to user frr and must reach $RUN/frr

log() { printf '[%5.1fs] %s\n' "$(( $(date +%s%N) / 1000000 - T0 ))e-3" "$*" >&2; }
T0=$(( $(date +%s%N) / 1000000 ))

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}" "${TCPDUMP_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null
    done
    # bounded wait for them to go away, then SIGKILL the stragglers
    for _ in $(seq 1 30); do
        local alive=0
        for pid in "${PIDS[@]}" "${TCPDUMP_PIDS[@]}"; do
            kill -0 "$pid" 2>/dev/null && alive=1
        done
        [[ $alive -eq 0 ]] && break
        sleep 0.1
    done
    for pid in "${PIDS[@]}" "${TCPDUMP_PIDS[@]}"; do
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    for ns in "${NSS[@]}"; do
        ip netns delete "$ns" 2>/dev/null
    done
    if [[ $rc -ne 0 ]]; then
        echo "capture failed (rc=$rc); daemon logs:" >&2
        for f in "$RUN"/*.log "$RUN"/*.out "$RUN"/frr/*.log "$RUN"/frr/*.out; do
            [[ -f "$f" ]] && { echo "== $f" >&2; tail -n 30 "$f" >&2; }
        done
    fi
    rm -rf "$RUN"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_for DESCRIPTION TIMEOUT_SECONDS INTERVAL CMD...  (bounded poll)
wait_for() {
    local what=$1 timeout=$2 interval=$3; shift 3
    local deadline=$(( $(date +%s) + timeout ))
    until "$@" >/dev/null 2>&1; do
        if (( $(date +%s) >= deadline )); then
            echo "timeout after ${timeout}s waiting for: $what" >&2
            return 1
        fi
        sleep "$interval"
    done
}

inb() { ip netns exec "$NS_B" "$@"; }
ing() { ip netns exec "$NS_G" "$@"; }
inf() { ip netns exec "$NS_F" "$@"; }
birdc_() { inb birdc -s "$RUN/bird.ctl" "$@"; }
gobgp_() { ing timeout 10 gobgp --port 50051 "$@"; }
vtysh_() { inf timeout 10 vtysh --vty_socket "$RUN/frr" "$@"; }

# ---------------------------------------------------------------------------
# namespaces and links
# ---------------------------------------------------------------------------
for ns in "$NS_B" "$NS_G" "$NS_F"; do
    ip netns add "$ns"
    NSS+=("$ns")
    ip -n "$ns" link set lo up
done

# link NAME_IN_A NS_A ADDR4_A ADDR6_A NAME_IN_B NS_B ADDR4_B ADDR6_B
mklink() {
    ip -n "$2" link add "$1" type veth peer name "$5" netns "$6"
    ip -n "$2" addr add "$3" dev "$1"
    ip -n "$2" addr add "$4" dev "$1" nodad
    ip -n "$6" addr add "$7" dev "$5"
    ip -n "$6" addr add "$8" dev "$5" nodad
    ip -n "$2" link set "$1" up
    ip -n "$6" link set "$5" up
}
mklink gi "$NS_B" 192.0.2.1/30  2001:db8:0:1::1/64 bi "$NS_G" 192.0.2.2/30  2001:db8:0:1::2/64
mklink ge "$NS_B" 192.0.2.5/30  2001:db8:0:2::1/64 be "$NS_G" 192.0.2.6/30  2001:db8:0:2::2/64
mklink fi "$NS_B" 192.0.2.9/30  2001:db8:0:3::1/64 bi "$NS_F" 192.0.2.10/30 2001:db8:0:3::2/64
mklink fe "$NS_B" 192.0.2.13/30 2001:db8:0:4::1/64 be "$NS_F" 192.0.2.14/30 2001:db8:0:4::2/64
log "namespaces $NS_B $NS_G $NS_F ready"

# ---------------------------------------------------------------------------
# capture: one tcpdump per namespace, all interfaces, BGP only
# ---------------------------------------------------------------------------
for ns in "$NS_B" "$NS_G" "$NS_F"; do
    ip netns exec "$ns" tcpdump -i any -U -s 0 -w "$RUN/${ns##*-}.pcap" \
        'tcp port 179' >"$RUN/tcpdump-${ns##*-}.log" 2>&1 &
    TCPDUMP_PIDS+=($!)
done
for ns in b g f; do
    wait_for "tcpdump in $ns" 10 0.1 grep -q 'listening on' "$RUN/tcpdump-$ns.log"
done

# ---------------------------------------------------------------------------
# configurations
# ---------------------------------------------------------------------------
cat >"$RUN/bird.conf" <<EOF
log "$RUN/bird.log" all;
router id 192.0.2.1;
ipv4 table rr4;
ipv6 table rr6;

protocol device { scan time 10; }

# Routes for the eBGP sessions (master4/master6).
protocol static s_e4 {
  ipv4;
  route 198.51.100.0/25 blackhole {
    bgp_med = 50;
    bgp_path.prepend(65011); bgp_path.prepend(65010);
    bgp_community.add((64512, 100)); bgp_community.add((65535, 65283));
    bgp_ext_community.add((rt, 64512, 100)); bgp_ext_community.add((ro, 4200000001, 7));
    bgp_large_community.add((4200000001, 1, 42));
  };
  route 10.30.1.0/24 blackhole { bgp_path.prepend(65010); bgp_origin = ORIGIN_EGP; };
  route 10.30.2.0/24 blackhole { bgp_path.prepend(65020); bgp_path.prepend(65021); };
}
protocol static s_e4w {
  ipv4;
  route 198.51.100.128/25 blackhole { bgp_community.add((64512, 999)); };
}
protocol static s_e6 {
  ipv6;
  route 2001:db8:1::/48 blackhole {
    bgp_med = 60; bgp_community.add((64512, 600));
    bgp_large_community.add((4200000001, 2, 43));
  };
  route 2001:db8:1:100::/56 blackhole { bgp_path.prepend(65010); };
}
protocol static s_e6w {
  ipv6;
  route 2001:db8:1:ff00::/56 blackhole;
}

# Routes for the iBGP (route reflector) sessions (rr4/rr6).
protocol static s_i4 {
  ipv4 { table rr4; };
  route 10.1.0.0/16 blackhole {
    bgp_local_pref = 200; bgp_community.add((65535, 65281));
    bgp_large_community.add((64512, 1, 42));
  };
  route 10.9.0.0/24 blackhole { bgp_local_pref = 90; bgp_med = 5; };
  route 198.51.100.0/24 blackhole {
    bgp_origin = ORIGIN_INCOMPLETE; bgp_ext_community.add((rt, 64512, 200));
  };
}
protocol static s_i4w {
  ipv4 { table rr4; };
  route 10.1.255.0/24 blackhole;
}
protocol static s_i6 {
  ipv6 { table rr6; };
  route 2001:db8:10::/48 blackhole { bgp_local_pref = 200; bgp_community.add((65535, 65282)); };
}
protocol static s_i6w {
  ipv6 { table rr6; };
  route 2001:db8:10:ff00::/56 blackhole;
}

filter ebgp_out {
  if net ~ [ 198.51.100.0/25 ] then bgp_path.prepend(4200000001);
  accept;
}

template bgp common {
  graceful restart on;
  long lived graceful restart on;
  enable route refresh on;
  enable as4 on;
  connect delay time 1;
  connect retry time 30;   # no reconnect storm after the shutdowns below
  hold time 90;
  keepalive time 30;
}

protocol bgp g_ibgp4 from common {
  description "GoBGP iBGP IPv4 (RR client, add-path)";
  local 192.0.2.1 as 64512;
  neighbor 192.0.2.2 as 64512;
  rr client; rr cluster id 192.0.2.1;
  ipv4 { table rr4; import all; export all; add paths on; };
}
protocol bgp g_ibgp6 from common {
  description "GoBGP iBGP IPv6 (RR client)";
  local 2001:db8:0:1::1 as 64512;
  neighbor 2001:db8:0:1::2 as 64512;
  rr client; rr cluster id 192.0.2.1;
  ipv6 { table rr6; import all; export all; };
}
protocol bgp g_ebgp4 from common {
  description "GoBGP eBGP IPv4";
  local 192.0.2.5 as 4200000001;
  neighbor 192.0.2.6 as 64512;
  ipv4 { import all; export filter ebgp_out; };
}
protocol bgp g_ebgp6 from common {
  description "GoBGP eBGP IPv6, no 4-octet AS (AS_TRANS + AS4_PATH)";
  enable as4 off;
  local 2001:db8:0:2::1 as 4200000001;
  neighbor 2001:db8:0:2::2 as 64512;
  ipv6 { import all; export filter ebgp_out; };
}
protocol bgp f_ibgp from common {
  description "FRR iBGP IPv4+IPv6 over IPv4 (RR client)";
  local 192.0.2.9 as 64512;
  neighbor 192.0.2.10 as 64512;
  rr client; rr cluster id 192.0.2.1;
  enable extended messages on;
  ipv4 { table rr4; import all; export all; };
  ipv6 { table rr6; import all; export all; next hop address 2001:db8:0:3::1; add paths rx; };
}
protocol bgp f_ebgp from common {
  description "FRR eBGP IPv6+IPv4 (extended next hop) over IPv6";
  local 2001:db8:0:4::1 as 4200000001;
  neighbor 2001:db8:0:4::2 as 64512;
  local role customer;
  enable extended messages on;
  ipv4 { extended next hop on; import all; export filter ebgp_out; };
  ipv6 { import all; export filter ebgp_out; };
}
EOF

cat >"$RUN/gobgpd.toml" <<'EOF'
[global.config]
  as = 64512
  router-id = "192.0.2.2"
  port = 179

# iBGP IPv4 to BIRD (route reflector), ADD-PATH both ways
[[neighbors]]
  [neighbors.config]
    neighbor-address = "192.0.2.1"
    peer-as = 64512
  [neighbors.transport.config]
    passive-mode = true
    local-address = "192.0.2.2"
  [neighbors.graceful-restart.config]
    enabled = true
    restart-time = 120
    long-lived-enabled = true
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
    [neighbors.afi-safis.mp-graceful-restart.config]
      enabled = true
    [neighbors.afi-safis.long-lived-graceful-restart.config]
      enabled = true
      restart-time = 3600
    [neighbors.afi-safis.add-paths.config]
      receive = true
      send-max = 4

# iBGP IPv6 to BIRD
[[neighbors]]
  [neighbors.config]
    neighbor-address = "2001:db8:0:1::1"
    peer-as = 64512
  [neighbors.transport.config]
    passive-mode = true
    local-address = "2001:db8:0:1::2"
  [neighbors.graceful-restart.config]
    enabled = true
    restart-time = 120
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
    [neighbors.afi-safis.mp-graceful-restart.config]
      enabled = true

# eBGP IPv4 to BIRD (4-octet AS 4200000001)
[[neighbors]]
  [neighbors.config]
    neighbor-address = "192.0.2.5"
    peer-as = 4200000001
  [neighbors.transport.config]
    passive-mode = true
    local-address = "192.0.2.6"
  [neighbors.graceful-restart.config]
    enabled = true
    restart-time = 120
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
    [neighbors.afi-safis.mp-graceful-restart.config]
      enabled = true

# eBGP IPv6 to BIRD.  BIRD runs this session with "enable as4 off", so it
# presents itself as AS_TRANS (23456) and the session uses 2-octet AS_PATHs
# plus AS4_PATH.
[[neighbors]]
  [neighbors.config]
    neighbor-address = "2001:db8:0:2::1"
    peer-as = 23456
  [neighbors.transport.config]
    passive-mode = true
    local-address = "2001:db8:0:2::2"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
EOF

install -d -o frr -g frr -m 0755 "$RUN/frr"
cat >"$RUN/frr/zebra.conf" <<EOF
hostname rdfx-frr
log file $RUN/frr/zebra.log
EOF
cat >"$RUN/frr/bgpd.conf" <<EOF
frr defaults traditional
hostname rdfx-frr
log file $RUN/frr/bgpd.log
!
route-map ORIG4 permit 10
 set community 64512:300 no-export
 set extcommunity rt 64512:100 64512:101
 set large-community 64512:1:42 64512:2:7
 set metric 30
 set origin incomplete
 set as-path prepend 64512 64512
!
route-map ORIG6 permit 10
 set community 64512:600 65535:0
 set large-community 64512:6:6
 set metric 60
!
router bgp 64512
 bgp router-id 192.0.2.10
 no bgp ebgp-requires-policy
 no bgp network import-check
 no bgp default ipv4-unicast
 bgp graceful-restart
 bgp log-neighbor-changes
 neighbor 192.0.2.9 remote-as 64512
 neighbor 192.0.2.9 passive
 neighbor 192.0.2.9 update-source 192.0.2.10
 neighbor 192.0.2.9 advertisement-interval 0
 neighbor 2001:db8:0:4::1 remote-as 4200000001
 neighbor 2001:db8:0:4::1 passive
 neighbor 2001:db8:0:4::1 update-source 2001:db8:0:4::2
 neighbor 2001:db8:0:4::1 advertisement-interval 0
 neighbor 2001:db8:0:4::1 capability extended-nexthop
 neighbor 2001:db8:0:4::1 local-role provider
 !
 address-family ipv4 unicast
  network 10.3.1.0/24 route-map ORIG4
  network 10.3.2.0/24
  network 10.9.0.0/24
  aggregate-address 10.3.0.0/16
  aggregate-address 10.30.0.0/16 as-set
  neighbor 192.0.2.9 activate
  neighbor 2001:db8:0:4::1 activate
 exit-address-family
 !
 address-family ipv6 unicast
  network 2001:db8:3::/48 route-map ORIG6
  network 2001:db8:3:ff::/64
  neighbor 192.0.2.9 activate
  neighbor 192.0.2.9 addpath-tx-all-paths
  neighbor 2001:db8:0:4::1 activate
 exit-address-family
!
EOF
chown frr:frr "$RUN/frr"/*.conf

# ---------------------------------------------------------------------------
# daemons (foreground, backgrounded here so we own their pids; started with
# `ip netns exec` directly -- it execs the daemon, so $! is the daemon itself)
# ---------------------------------------------------------------------------
ip netns exec "$NS_F" /usr/lib/frr/zebra -f "$RUN/frr/zebra.conf" -i "$RUN/frr/zebra.pid" \
    -z "$RUN/frr/zserv.api" --vty_socket "$RUN/frr" -P 0 -u frr -g frr \
    >"$RUN/frr/zebra.out" 2>&1 &
PIDS+=($!)
wait_for "zebra socket" 15 0.2 test -S "$RUN/frr/zserv.api"
ip netns exec "$NS_F" /usr/lib/frr/bgpd -f "$RUN/frr/bgpd.conf" -i "$RUN/frr/bgpd.pid" \
    -z "$RUN/frr/zserv.api" --vty_socket "$RUN/frr" -P 0 -u frr -g frr \
    >"$RUN/frr/bgpd.out" 2>&1 &
PIDS+=($!)

ip netns exec "$NS_G" gobgpd -f "$RUN/gobgpd.toml" --api-hosts 127.0.0.1:50051 \
    -l info >"$RUN/gobgpd.log" 2>&1 &
PIDS+=($!)
sleep 1
wait_for "gobgpd API" 20 1 gobgp_ global
# GoBGP originates its routes over the API before any session is up.
gobgp_ global rib add -a ipv4 203.0.113.0/25 origin igp med 20 \
    community 64512:200,no-export large-community 64512:1:42,64512:3:3 \
    aggregator 64512:192.0.2.2
gobgp_ global rib add -a ipv4 203.0.113.128/25 origin egp community 64512:201
gobgp_ global rib add -a ipv4 10.2.0.0/16 local-pref 300 aspath 65030,65031
gobgp_ global rib add -a ipv4 10.9.0.0/24 identifier 1 med 1
gobgp_ global rib add -a ipv4 10.9.0.0/24 identifier 2 med 2 nexthop 192.0.2.6
gobgp_ global rib add -a ipv6 2001:db8:2::/48 origin igp med 40 \
    community 64512:400 large-community 64512:4:4
gobgp_ global rib add -a ipv6 2001:db8:2:ff::/64 origin incomplete
log "gobgpd routes added"

wait_for "bgpd vty" 20 0.5 vtysh_ -c 'show bgp summary'

ip netns exec "$NS_B" bird -f -c "$RUN/bird.conf" -s "$RUN/bird.ctl" -P "$RUN/bird.pid" \
    >"$RUN/bird.out" 2>&1 &
PIDS+=($!)
wait_for "bird control socket" 15 0.2 test -S "$RUN/bird.ctl"

all_established() {
    [[ $(birdc_ show protocols | grep -c 'Established') -eq 6 ]]
}
wait_for "all 6 BGP sessions Established" 60 1 all_established
log "all sessions established"
sleep 6   # initial UPDATEs and End-of-RIB

# ---------------------------------------------------------------------------
# phase 2: withdrawals
# ---------------------------------------------------------------------------
log "withdrawing routes"
birdc_ disable s_e4w >/dev/null
birdc_ disable s_e6w >/dev/null
birdc_ disable s_i4w >/dev/null
birdc_ disable s_i6w >/dev/null
gobgp_ global rib del -a ipv4 203.0.113.128/25
gobgp_ global rib del -a ipv6 2001:db8:2:ff::/64
vtysh_ -c 'configure terminal' -c 'router bgp 64512' \
    -c 'address-family ipv4 unicast' -c 'no network 10.3.2.0/24' \
    -c 'exit-address-family' -c 'address-family ipv6 unicast' \
    -c 'no network 2001:db8:3:ff::/64' >/dev/null
sleep 4

# ---------------------------------------------------------------------------
# phase 3: route refresh (enhanced route refresh where negotiated)
# ---------------------------------------------------------------------------
log "route refresh"
birdc_ reload in g_ebgp4 >/dev/null
birdc_ reload in f_ebgp >/dev/null
birdc_ reload in f_ibgp >/dev/null
sleep 2
gobgp_ neighbor 192.0.2.5 softresetin -a ipv4
gobgp_ neighbor 2001:db8:0:1::1 softreset -a ipv6
sleep 2
vtysh_ -c 'clear bgp * soft in' >/dev/null
sleep 3

# ---------------------------------------------------------------------------
# phase 4: NOTIFICATION Cease from each implementation
# ---------------------------------------------------------------------------
log "shutting sessions down"
vtysh_ -c 'configure terminal' -c 'router bgp 64512' \
    -c 'neighbor 2001:db8:0:4::1 shutdown message "rdfx: FRR fixture capture done"' >/dev/null
sleep 1
# (`disable --reason` sends an empty Cease in gobgp 3.10; the deprecated
# `shutdown --reason` carries the shutdown communication)
gobgp_ neighbor 192.0.2.5 shutdown --reason "rdfx: GoBGP fixture capture done" >/dev/null 2>&1
sleep 1
birdc_ disable g_ibgp6 '"rdfx: BIRD fixture capture done"' >/dev/null
sleep 1
birdc_ disable f_ibgp >/dev/null
sleep 1
birdc_ down >/dev/null || true
sleep 2

# stop the captures so the pcaps are complete
for pid in "${TCPDUMP_PIDS[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
for pid in "${TCPDUMP_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
TCPDUMP_PIDS=()
log "capture stopped"

if [[ -n "$KEEP_PCAP" ]]; then
    mkdir -p "$KEEP_PCAP"
    cp "$RUN"/b.pcap "$RUN"/g.pcap "$RUN"/f.pcap "$KEEP_PCAP"/
fi

# ---------------------------------------------------------------------------
# split: each implementation's directory holds what it sent, in send order
# ---------------------------------------------------------------------------
for impl in bird gobgp frr; do
    rm -rf "${OUT:?}/$impl"
done
B_ADDRS=(--from 192.0.2.1 --from 192.0.2.5 --from 192.0.2.9 --from 192.0.2.13
         --from 2001:db8:0:1::1 --from 2001:db8:0:2::1 --from 2001:db8:0:3::1 --from 2001:db8:0:4::1)
G_ADDRS=(--from 192.0.2.2 --from 192.0.2.6 --from 2001:db8:0:1::2 --from 2001:db8:0:2::2)
F_ADDRS=(--from 192.0.2.10 --from 192.0.2.14 --from 2001:db8:0:3::2 --from 2001:db8:0:4::2)
python3 "$SPLIT" "$RUN/b.pcap" "${B_ADDRS[@]}" --outdir "$OUT/bird"  --dedupe --list
python3 "$SPLIT" "$RUN/g.pcap" "${G_ADDRS[@]}" --outdir "$OUT/gobgp" --dedupe --list
python3 "$SPLIT" "$RUN/f.pcap" "${F_ADDRS[@]}" --outdir "$OUT/frr"   --dedupe --list
for impl in bird gobgp frr; do
    for t in open keepalive update notification; do
        compgen -G "$OUT/$impl/*-$t*.bin" >/dev/null ||
            { echo "no $t message captured from $impl" >&2; exit 1; }
    done
done
log "fixtures written to $OUT/{bird,gobgp,frr}"
