#!/usr/bin/env bash
# RIB ingest side by side (issue 4): `routed bgp-load` feeds N IPv4 prefixes (/24, then /32) packed
# into 4 KiB UPDATEs to, one after another in the same run,
#   routed  `routed bgp-speaker --report-accepted N --no-route-events --no-rib-events`
#   bird    BIRD 2 (`bird -f -c CONF -s SOCKET -P PIDFILE`)
#   frr     FRR bgpd alone (`bgpd -Z`: no zebra, so no FIB; its RIB is what is measured)
#   gobgp   GoBGP (`gobgpd -f CONF --api-hosts 127.0.0.1:PORT`)
# and prints for each: time from Established (the load generator's) until all N are in the
# receiver's RIB, peak RSS (VmHWM), and bytes per route ((VmRSS after - VmRSS before) / N).
# Then routed advertises N prefixes to BIRD: time from routed's Established until BIRD has them all.
#
#   sudo contrib/bench-rib.sh [--prefixes N] [--runs R] [--only "routed bird frr gobgp advertise"] [--lengths "24 32"]
#   (--only routed,bird,advertise also works: the quick side by side without FRR and GoBGP)
#   ROUTED=.build/release/routed (the default; build it with swift build -c release --product routed)
#
# Lab: two network namespaces made for this run (rbNNNN-l with the load generator, rbNNNN-d with
# the receiver) joined by one veth pair created inside them (10.99.0.1/30, 10.99.0.2/30); nothing
# touches the root namespace, and everything (processes by pid, namespaces) goes on every exit.
# How counts are read: routed prints a line when its peers' paths in the Loc-RIB reach N (read on
# the RIB's event loop); BIRD `birdc show protocols all` ("Routes: N imported"), FRR `vtysh show bgp
# summary json` (pfxRcd), GoBGP `gobgp neighbor` (Accepted), at most once a second (polling stalls it).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUTED=${ROUTED:-$ROOT/.build/release/routed}
N=1000000
RUNS=3
ONLY="routed bird frr gobgp advertise"
LENGTHS="24 32"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --prefixes) N=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --only) ONLY=${2//,/ }; shift 2 ;;
        --lengths) LENGTHS=${2//,/ }; shift 2 ;;
        *) echo "usage: $0 [--prefixes N] [--runs R] [--only \"routed bird frr gobgp advertise\"] [--lengths \"24 32\"]" >&2; exit 2 ;;
    esac
done

[[ $(id -u) -eq 0 ]] || { echo "must run as root (network namespaces)" >&2; exit 1; }
[[ -x $ROUTED ]] || { echo "no routed binary at $ROUTED: swift build -c release --product routed, or set ROUTED=" >&2; exit 1; }
for w in $ONLY; do
    case "$w" in routed|bird|frr|gobgp|advertise) ;; *) echo "--only: unknown receiver '$w' (routed bird frr gobgp advertise)" >&2; exit 2 ;; esac
done
for l in $LENGTHS; do
    [[ $l =~ ^[0-9]+$ ]] && (( l >= 8 && l <= 32 )) || { echo "--lengths: '$l' is not a prefix length 8-32" >&2; exit 2; }
done
needs="ip python3 bird birdc"
[[ " $ONLY " == *" frr "* ]] && needs+=" vtysh /usr/lib/frr/bgpd"
[[ " $ONLY " == *" gobgp "* ]] && needs+=" gobgpd gobgp"
for t in $needs; do
    command -v "$t" >/dev/null || { echo "missing: $t" >&2; exit 1; }
done

# The sender (bgp-load, or routed advertising) on CPU 0 and the receiver on CPU 1, for every
# receiver alike: as two routers would, each has its own core, and a run no longer depends on
# whether the scheduler put both on one (BIRD's own ingest varied 0.25-0.42 s unpinned, 0.23-0.26 s pinned).
SENDER_CPU="" RECEIVER_CPU=""
if (( $(nproc) >= 2 )) && command -v taskset >/dev/null; then SENDER_CPU="taskset -c 0" RECEIVER_CPU="taskset -c 1"; fi

P="rb$$"
NS_L="$P-l" NS_D="$P-d"
A_L=10.99.0.1 A_D=10.99.0.2
RUN=$(mktemp -d /tmp/rib-bench.XXXXXX)
chmod 0711 "$RUN"   # bgpd drops to user frr and must reach $RUN/frr
PIDS=()

cleanup() {
    set +e
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
    done
    ip netns del "$NS_L" 2>/dev/null
    ip netns del "$NS_D" 2>/dev/null
    [[ -n ${KEEP:-} ]] && echo "kept $RUN" >&2 || rm -rf "$RUN"
}
trap cleanup EXIT INT TERM

now() { date +%s.%N; }
# stop PID: TERM, a bounded wait, then KILL; forget it.
stop() {
    local pid=$1
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    local kept=()
    for p in "${PIDS[@]}"; do [[ $p == "$pid" ]] || kept+=("$p"); done
    PIDS=("${kept[@]}")
}
# Empty an output file before a background command writes it: the command's own redirection
# happens in the forked child, after the parent may already be reading the file.
fresh() { : > "$1"; }
kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
# cpu PID: seconds the process (all its threads) has run on a CPU, from /proc/PID/schedstat (ns).
cpu() { local t=0 ns; for f in /proc/"$1"/task/*/schedstat; do read -r ns _ < "$f" && t=$((t + ns)); done; python3 -c "print($t / 1e9)"; }
# wait_for DESCRIPTION SECONDS COMMAND...: poll every 10 ms until COMMAND succeeds.
wait_for() {
    local what=$1 limit=$2; shift 2
    local end=$(( $(date +%s) + limit ))
    until "$@" >/dev/null 2>&1; do
        (( $(date +%s) < end )) || { echo "timed out after ${limit}s waiting for $what" >&2; return 1; }
        sleep 0.01
    done
}

ip netns add "$NS_L"
ip netns add "$NS_D"
ip -n "$NS_L" link add "${P}a" type veth peer name "${P}b" netns "$NS_D"
ip -n "$NS_L" addr add $A_L/30 dev "${P}a"
ip -n "$NS_D" addr add $A_D/30 dev "${P}b"
for ns in "$NS_L" "$NS_D"; do ip -n "$ns" link set lo up; done
ip -n "$NS_L" link set "${P}a" up
ip -n "$NS_D" link set "${P}b" up

# --- the receivers: start_X launches and waits until ready (sets RPID); count_X prints its RIB count.
start_routed() {
    fresh "$RUN/routed.out"
    ip netns exec "$NS_D" $RECEIVER_CPU "$ROUTED" bgp-speaker --as 65000 --router-id $A_D --listen $A_D \
        --peer "$A_L,as=65001,passive" --report-accepted "$N" --no-route-events --no-rib-events > "$RUN/routed.out" 2> "$RUN/routed.err" &
    RPID=$!; PIDS+=("$RPID")
    wait_for "routed listening" 20 grep -q '"listening"' "$RUN/routed.out"
}
count_routed() { grep -q '"event":"accepted"' "$RUN/routed.out" && echo "$N" || echo 0; }
done_wall_routed() { sed -n 's/.*"event":"accepted".*"wall":\([0-9.]*\).*/\1/p' "$RUN/routed.out"; }

start_bird() {
    cat > "$RUN/bird.conf" <<EOF
router id $A_D;
protocol device { }
protocol bgp load {
    local $A_D as 65000;
    neighbor $A_L as 65001;
    passive on;
    ipv4 { import all; export none; };
}
EOF
    ip netns exec "$NS_D" $RECEIVER_CPU bird -f -c "$RUN/bird.conf" -s "$RUN/bird.ctl" -P "$RUN/bird.pid" > "$RUN/bird.out" 2>&1 &
    RPID=$!; PIDS+=("$RPID")
    wait_for "bird control socket" 20 sh -c "birdc -s '$RUN/bird.ctl' show status | grep -q 'up and running'"
}
# birdc talks to the daemon over its unix socket only.
count_bird() { birdc -s "$RUN/bird.ctl" show protocols all load | awk '$1 == "Routes:" { print $2; f=1 } END { if (!f) print 0 }'; }

start_frr() {
    install -d -o frr -g frr -m 0755 "$RUN/frr"
    cat > "$RUN/frr/bgpd.conf" <<EOF
frr defaults traditional
hostname rib-bench
log file $RUN/frr/bgpd.log
!
router bgp 65000
 bgp router-id $A_D
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 neighbor $A_L remote-as 65001
 neighbor $A_L passive
 neighbor $A_L disable-connected-check
 address-family ipv4 unicast
  neighbor $A_L activate
 exit-address-family
!
EOF
    chown frr:frr "$RUN/frr/bgpd.conf"
    ip netns exec "$NS_D" $RECEIVER_CPU /usr/lib/frr/bgpd -Z -f "$RUN/frr/bgpd.conf" -i "$RUN/frr/bgpd.pid" -z "$RUN/frr/zserv.api" \
        --vty_socket "$RUN/frr" -P 0 -p 179 -u frr -g frr > "$RUN/frr/bgpd.out" 2>&1 &
    RPID=$!; PIDS+=("$RPID")
    wait_for "bgpd vty" 30 sh -c "vtysh --vty_socket '$RUN/frr' -c 'show bgp summary json' | grep -q '{'"
}
count_frr() {
    vtysh --vty_socket "$RUN/frr" -c "show bgp ipv4 unicast summary json" 2>/dev/null |
        python3 -c 'import json,sys
try: print(json.load(sys.stdin)["peers"]["'$A_L'"]["pfxRcd"])
except Exception: print(0)'
}

start_gobgp() {
    cat > "$RUN/gobgpd.toml" <<EOF
[global.config]
  as = 65000
  router-id = "$A_D"
  port = 179
  local-address-list = ["$A_D"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "$A_L"
    peer-as = 65001
  [neighbors.transport.config]
    passive-mode = true
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
EOF
    ip netns exec "$NS_D" $RECEIVER_CPU gobgpd -f "$RUN/gobgpd.toml" --api-hosts 127.0.0.1:50051 > "$RUN/gobgpd.out" 2>&1 &
    RPID=$!; PIDS+=("$RPID")
    wait_for "gobgpd API" 30 ip netns exec "$NS_D" gobgp --port 50051 global
}
count_gobgp() {
    ip netns exec "$NS_D" gobgp --port 50051 neighbor $A_L 2>/dev/null | awk '$1 == "Accepted:" { print $2; f=1 } END { if (!f) print 0 }'
}

# measure RECEIVER LENGTH: one ingest; prints "seconds peak-KiB bytes-per-route".
measure() {
    local who=$1 length=$2 interval=0.005
    [[ $who == gobgp ]] && interval=1
    "start_$who"
    local pid=$RPID
    sleep 0.5
    local rss0; rss0=$(kib "$pid" VmRSS)
    local cpu0; cpu0=$(cpu "$pid")
    fresh "$RUN/load.out"
    ip netns exec "$NS_L" $SENDER_CPU "$ROUTED" bgp-load --peer $A_D --as 65001 --router-id $A_L --local $A_L \
        --prefixes "$N" --start "10.0.0.0/$length" --hold 600 > "$RUN/load.out" 2> "$RUN/load.err" &
    local lpid=$!; PIDS+=("$lpid")
    wait_for "Established ($who)" 60 grep -q '"event":"established".*"wall":[0-9]' "$RUN/load.out"
    local established; established=$(sed -n 's/.*"event":"established".*"wall":\([0-9.e+]*\).*/\1/p' "$RUN/load.out" | head -1)
    [[ -n $established ]] || { echo "$who /$length: no Established time in $(cat "$RUN/load.out")" >&2; return 1; }
    local end=$(( $(date +%s) + 300 )) count=0 done_at=""
    while (( $(date +%s) < end )); do
        count=$("count_$who")
        if [[ ${count:-0} -ge $N ]]; then done_at=$(now); break; fi
        sleep "$interval"
    done
    [[ -n $done_at ]] || { echo "$who /$length: only ${count:-0} of $N prefixes after 300 s" >&2; stop "$lpid"; stop "$pid"; return 1; }
    [[ $who == routed ]] && done_at=$(done_wall_routed)
    # The receiver's CPU time for the load (polling included): with the wall time it says whether
    # the receiver worked all along or waited for the sender.
    echo "# $who /$length: receiver CPU $(python3 -c "print(f'{$(cpu "$pid") - $cpu0:.3f}')") s for the load" >&2
    sleep 0.5   # let the heap settle before reading it
    local hwm rss1
    hwm=$(kib "$pid" VmHWM); rss1=$(kib "$pid" VmRSS)
    stop "$lpid"
    stop "$pid"
    python3 -c "print(f'{$done_at - $established:.3f} {$hwm} {($rss1 - $rss0) * 1024 / $N:.0f}')"
}

# advertise LENGTH: routed originates N prefixes to BIRD; prints "seconds" from routed's Established
# until BIRD has them all.
advertise() {
    local length=$1
    python3 - "$N" "$length" > "$RUN/originate.txt" <<'EOF'
import sys, ipaddress
n, length = int(sys.argv[1]), int(sys.argv[2])
step, base = 1 << (32 - length), int(ipaddress.IPv4Address("10.0.0.0"))
sys.stdout.write("".join(f"{ipaddress.IPv4Address(base + i * step)}/{length}\n" for i in range(n)))
EOF
    start_bird
    local bpid=$RPID
    local cpu0; cpu0=$(cpu "$bpid")
    fresh "$RUN/adv.out"
    ip netns exec "$NS_L" $SENDER_CPU "$ROUTED" bgp-speaker --as 65001 --router-id $A_L --peer "$A_D,as=65000,local=$A_L" \
        --originate-file "$RUN/originate.txt" --no-route-events --no-rib-events > "$RUN/adv.out" 2> "$RUN/adv.err" &
    local spid=$!; PIDS+=("$spid")
    wait_for "routed Established with BIRD" 120 grep -q '"event":"established"' "$RUN/adv.out"
    local established; established=$(now)
    local end=$(( $(date +%s) + 300 )) count=0 done_at=""
    while (( $(date +%s) < end )); do
        count=$(count_bird)
        if [[ ${count:-0} -ge $N ]]; then done_at=$(now); break; fi
        sleep 0.005
    done
    echo "# advertise /$length: BIRD CPU $(python3 -c "print(f'{$(cpu "$bpid") - $cpu0:.3f}')") s for the load" >&2
    stop "$spid"
    stop "$bpid"
    [[ -n $done_at ]] || { echo "advertise /$length: BIRD has ${count:-0} of $N after 300 s" >&2; return 1; }
    python3 -c "print(f'{$done_at - $established:.3f}')"
}

echo "# $(date -u +%FT%TZ) $(uname -r), $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)${SENDER_CPU:+, sender on CPU 0 and receiver on CPU 1}"
echo "# N=$N prefixes, $RUNS runs, receivers: $ONLY; routed $("$ROUTED" --version 2>/dev/null || echo '?'), $(bird --version 2>&1)$([[ " $ONLY " == *" frr "* ]] && echo ", bgpd $(/usr/lib/frr/bgpd --version | head -1 | awk '{print $3}')")$([[ " $ONLY " == *" gobgp "* ]] && echo ", $(gobgpd --version)")"
declare -A T M B
for run in $(seq "$RUNS"); do
    for length in $LENGTHS; do
        for who in routed bird frr gobgp; do
            [[ " $ONLY " == *" $who "* ]] || continue
            measure "$who" "$length" > "$RUN/result"   # not in a subshell: cleanup must see its pids
            read -r t m b < "$RUN/result"
            echo "run $run /$length $who: ${t} s, peak RSS ${m} KiB, ${b} B/route" >&2
            T[$who/$length]+="$t "; M[$who/$length]+="$m "; B[$who/$length]+="$b "
        done
        if [[ " $ONLY " == *" advertise "* ]]; then
            advertise "$length" > "$RUN/result"
            read -r t < "$RUN/result"
            echo "run $run /$length advertise routed -> bird: ${t} s" >&2
            T[advertise/$length]+="$t "
        fi
    done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo
echo "| receiver | prefixes | Established → all in RIB (median s) | runs (s) | peak RSS (MiB) | bytes/route |"
echo "|---|---|---|---|---|---|"
for length in $LENGTHS; do
    for who in routed bird frr gobgp; do
        [[ -n ${T[$who/$length]:-} ]] || continue
        m=$(echo "${M[$who/$length]}" | median); b=$(echo "${B[$who/$length]}" | median)
        printf '| %s | %s /%s | %s | %s | %.0f | %s |\n' "$who" "$N" "$length" "$(echo "${T[$who/$length]}" | median)" \
            "$(echo "${T[$who/$length]}" | xargs)" "$(python3 -c "print($m/1024)")" "$b"
    done
    if [[ -n ${T[advertise/$length]:-} ]]; then
        printf '| routed → BIRD (advertise) | %s /%s | %s | %s | | |\n' "$N" "$length" \
            "$(echo "${T[advertise/$length]}" | median)" "$(echo "${T[advertise/$length]}" | xargs)"
    fi
done
# Per run, within the run: routed's ingest and the advertisement to BIRD, each over BIRD's ingest.
ratios() { python3 -c 'import sys; a, b = sys.argv[1].split(), sys.argv[2].split(); print(" ".join(f"{float(x) / float(y):.2f}" for x, y in zip(a, b)))' "$1" "$2"; }
for length in $LENGTHS; do
    [[ -n ${T[bird/$length]:-} ]] || continue
    [[ -n ${T[routed/$length]:-} ]] && echo "# /$length routed ÷ BIRD ingest, per run: $(ratios "${T[routed/$length]}" "${T[bird/$length]}")"
    [[ -n ${T[advertise/$length]:-} ]] && echo "# /$length advertise to BIRD ÷ BIRD ingest, per run: $(ratios "${T[advertise/$length]}" "${T[bird/$length]}")"
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
