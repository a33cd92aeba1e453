#!/usr/bin/env bash
# bench-list: how fast `pamctl sessions list` pages through a large Sessions
# Report, and how much memory it needs.
#
#  1. 10,000 sessions (plus the fixtures) from pamsim over loopback, with
#     `--state all -o json`, against fetching the same pages one after
#     another with curl (one curl per page, as a shell script would). pamctl
#     must be faster.
#  2. Peak resident memory of the same listing over 200,000 sessions with
#     -o json, -o ndjson and -o csv, which stream page by page: each must
#     stay under 32 MB, whatever the count.
#
# Usage: scripts/bench-list.sh   (or: make bench-list)
# Env:   SESSIONS (10000), BIG_SESSIONS (200000), RUNS (5), MAX_RSS_MB (32)
set -euo pipefail

SESSIONS=${SESSIONS:-10000}
BIG_SESSIONS=${BIG_SESSIONS:-200000}
RUNS=${RUNS:-5}
MAX_RSS_MB=${MAX_RSS_MB:-32}
PAGE=500

cd "$(dirname "$0")/.."
command -v curl >/dev/null || { echo "bench-list: curl is required" >&2; exit 2; }

tmp=$(mktemp -d)
sim_pid=
cleanup() {
	if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "building pamctl and pamsim..."
go build -o "$tmp/pamctl" ./cmd/pamctl
go build -o "$tmp/pamsim" ./cmd/pamsim

# start_sim N: a fresh pamsim with N generated sessions; sources its env.
start_sim() {
	if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
	rm -f "$tmp/env"
	"$tmp/pamsim" --listen 127.0.0.1:0 --quiet --sessions "$1" --env-file "$tmp/env" >/dev/null &
	sim_pid=$!
	for _ in $(seq 1 300); do [ -s "$tmp/env" ] && break; sleep 0.1; done
	[ -s "$tmp/env" ] || { echo "bench-list: pamsim did not start" >&2; exit 1; }
	# shellcheck disable=SC1091
	. "$tmp/env"
	export PAMCTL_SERVER PAMCTL_TOKEN
	export PAMCTL_CONFIG="$tmp/config.yaml" PAMCTL_TOKEN_STORE=file
}

now_ns() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }

# median of the numbers on stdin
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

start_sim "$SESSIONS"
list_url="$PAMCTL_SERVER/api/session/list"
auth="Authorization: Bearer $PAMCTL_TOKEN"
total=$(curl -sf -H "$auth" "$list_url?offset=0&limit=1" | sed -n 's/.*"total": *\([0-9]*\).*/\1/p')
pages=$(( (total + PAGE - 1) / PAGE ))
echo "pamsim: $total sessions, $pages pages of $PAGE"

# Warm up both paths (sort index, page cache, connection setup).
"$tmp/pamctl" sessions list --state all -o json >/dev/null
curl -sf -H "$auth" "$list_url?offset=0&limit=$PAGE" >/dev/null

got=$("$tmp/pamctl" sessions list --state all -o json | grep -c '^    "id": ' || true)
[ "$got" -eq "$total" ] || { echo "bench-list: pamctl listed $got sessions, want $total" >&2; exit 1; }

pamctl_ms=() curl_ms=()
for _ in $(seq 1 "$RUNS"); do
	t0=$(now_ns)
	"$tmp/pamctl" sessions list --state all -o json >/dev/null
	t1=$(now_ns)
	pamctl_ms+=("$(ms "$t0" "$t1")")

	t0=$(now_ns)
	for ((p = 0; p < pages; p++)); do
		curl -sf -H "$auth" "$list_url?offset=$((p * PAGE))&limit=$PAGE" >/dev/null
	done
	t1=$(now_ns)
	curl_ms+=("$(ms "$t0" "$t1")")
done
p_med=$(printf '%s\n' "${pamctl_ms[@]}" | median)
c_med=$(printf '%s\n' "${curl_ms[@]}" | median)
echo
echo "list $total sessions, --state all -o json (median of $RUNS runs):"
printf '  pamctl sessions list        %6d ms   (runs: %s)\n' "$p_med" "${pamctl_ms[*]}"
printf '  sequential curl, %3d pages  %6d ms   (runs: %s)\n' "$pages" "$c_med" "${curl_ms[*]}"

status=0
if [ "$p_med" -ge "$c_med" ]; then
	echo "FAIL: pamctl is not faster than the sequential curl loop" >&2
	status=1
fi

start_sim "$BIG_SESSIONS"
"$tmp/pamctl" sessions list --state all --limit 1 -o json >/dev/null
# peak_kb FORMAT: the peak resident memory of one listing, in KiB.
peak_kb() {
	if /usr/bin/time -f %M true 2>/dev/null; then
		/usr/bin/time -f %M -o "$tmp/rss" "$tmp/pamctl" sessions list --state all -o "$1" >"$tmp/out"
		tail -n1 "$tmp/rss"
	elif command -v python3 >/dev/null; then
		python3 -c '
import resource, subprocess, sys
with open(sys.argv[1], "wb") as out:
    subprocess.run(sys.argv[2:], stdout=out, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$tmp/out" "$tmp/pamctl" sessions list --state all -o "$1"
	else
		echo "bench-list: neither GNU time nor python3 to measure peak memory" >&2
		exit 2
	fi
}
echo
for format in json ndjson csv; do
	rss_kb=$(peak_kb "$format")
	case $format in
	json) n=$(grep -c '^    "id": ' "$tmp/out" || true) ;;
	ndjson) n=$(wc -l <"$tmp/out") ;;
	csv) n=$(($(wc -l <"$tmp/out") - 1)) ;;
	esac
	rss_mb=$(awk -v k="$rss_kb" 'BEGIN {printf "%.1f", k / 1024}')
	printf 'peak RSS, %d sessions, --state all -o %-6s %5s MB (limit %d MB)\n' "$n" "$format" "$rss_mb" "$MAX_RSS_MB"
	if [ "$n" -lt "$BIG_SESSIONS" ]; then
		echo "FAIL: -o $format listed $n sessions, want at least $BIG_SESSIONS" >&2
		status=1
	fi
	if [ "$rss_kb" -ge $((MAX_RSS_MB * 1024)) ]; then
		echo "FAIL: peak memory of -o $format is not under $MAX_RSS_MB MB" >&2
		status=1
	fi
done
exit $status
