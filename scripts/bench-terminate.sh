#!/usr/bin/env bash
# bench-terminate: 200 sessions at 50 ms latency, terminated by pamctl
# (selector, confirmation skipped, verified, containment re-listed) against
# the same 200 POSTs sent by `xargs -P4 curl` with no read and no check.
# Floor (issue "Contained means contained"): pamctl within 1.2x.
#
# Usage: scripts/bench-terminate.sh   (make bench-terminate runs it after the Go benchmarks)
# Env:   N (200), LATENCY (50ms), RUNS (3), MAX_RATIO (1.2)
set -euo pipefail

N=${N:-200}
LATENCY=${LATENCY:-50ms}
RUNS=${RUNS:-3}
MAX_RATIO=${MAX_RATIO:-1.2}

cd "$(dirname "$0")/.."
command -v curl >/dev/null || { echo "bench-terminate: curl is required" >&2; exit 2; }

tmp=$(mktemp -d)
sim_pid=
cleanup() {
	if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/pamctl" ./cmd/pamctl
go build -o "$tmp/pamsim" ./cmd/pamsim
"$tmp/pamsim" --listen 127.0.0.1:0 --quiet --latency "$LATENCY" --env-file "$tmp/env" >/dev/null &
sim_pid=$!
for _ in $(seq 1 300); do [ -s "$tmp/env" ] && break; sleep 0.1; done
[ -s "$tmp/env" ] || { echo "bench-terminate: pamsim did not start" >&2; exit 1; }
# shellcheck disable=SC1091
. "$tmp/env"
export PAMCTL_SERVER PAMCTL_TOKEN XDG_STATE_HOME="$tmp/state" XDG_CONFIG_HOME="$tmp/config" PAMCTL_TOKEN_STORE=file
host=${PAMCTL_SERVER%%/ztna/*}

# sessions USER: N new Active web sessions of USER (pamsim's admin endpoint,
# which adds no latency); their IDs, one a line, in $tmp/ids.
sessions() {
	: >"$tmp/ids"
	for _ in $(seq 1 "$N"); do
		id=$(curl -fsS -X POST "$host/_pamsim/sessions" -d "{\"user\":\"$1\",\"assetName\":\"web-02\",\"channels\":[\"SSH\"]}" |
			sed -n 's/.*"id": *"\([^"]*\)".*/\1/p')
		echo "$id" >>"$tmp/ids"
	done
}
now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

p_ms=() c_ms=()
for run in $(seq 1 "$RUNS"); do
	sessions "bench$run"
	t0=$(now_ns)
	"$tmp/pamctl" sessions terminate --user "bench$run" --yes --max "$N" -o json >"$tmp/out" 2>"$tmp/err" ||
		{ cat "$tmp/err" >&2; echo "bench-terminate: pamctl failed" >&2; exit 1; }
	t1=$(now_ns)
	p_ms+=($(((t1 - t0) / 1000000)))
	verified=$(grep -c '"verified": true' "$tmp/out" || true)
	[ "$verified" -eq "$N" ] || { echo "bench-terminate: $verified of $N verified" >&2; exit 1; }

	sessions "curl$run"
	t0=$(now_ns)
	xargs -P4 -I{} curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $PAMCTL_TOKEN" "$PAMCTL_SERVER/api/session/terminate/{}" <"$tmp/ids"
	t1=$(now_ns)
	c_ms+=($(((t1 - t0) / 1000000)))
done
p=$(printf '%s\n' "${p_ms[@]}" | median)
c=$(printf '%s\n' "${c_ms[@]}" | median)
ratio=$(awk -v p="$p" -v c="$c" 'BEGIN {printf "%.2f", p / c}')
echo "terminate $N sessions at $LATENCY latency (median of $RUNS runs):"
printf '  pamctl, verified + containment check   %6d ms   (runs: %s)\n' "$p" "${p_ms[*]}"
printf '  xargs -P4 curl, POSTs only             %6d ms   (runs: %s)\n' "$c" "${c_ms[*]}"
echo "  ratio $ratio (floor $MAX_RATIO)"
awk -v r="$ratio" -v m="$MAX_RATIO" 'BEGIN {exit !(r <= m)}' || { echo "FAIL: pamctl is more than ${MAX_RATIO}x the bare POSTs" >&2; exit 1; }
