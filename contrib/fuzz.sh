#!/usr/bin/env bash
# Builds the BGPWire fuzz target with libFuzzer and AddressSanitizer in its own scratch path and runs it.
#   contrib/fuzz.sh [SECONDS] [extra libFuzzer flags...]
# Seeds: every fixture message (real daemons and the malformed corpus). New crashes land in
# Fixtures/bgp/fuzz-regressions/, which the test suite replays on every run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}; shift || true
scratch=.build-fuzz
swift build -c release --scratch-path "$scratch" --product BGPWireFuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFUZZING
bin="$scratch/release/BGPWireFuzz"
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
# Each input starts with a control octet (codec context and framer split), then the stream bytes.
i=0
while IFS= read -r -d '' f; do
  for c in 0 1 2; do { printf "\\x$(printf %02x $((c * 4 + i % 4)))"; cat "$f"; } > "$corpus/seed-$i-$c"; done
  i=$((i + 1))
done < <(find Fixtures/bgp -name '*.bin' -print0)
mkdir -p Fixtures/bgp/fuzz-regressions
"$bin" "$corpus" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=4096 \
  -artifact_prefix=Fixtures/bgp/fuzz-regressions/ -print_final_stats=1 "$@"
