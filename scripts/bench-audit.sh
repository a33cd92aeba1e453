#!/usr/bin/env bash
# bench-audit: the time and peak memory of `pamctl audit list` and
# `pamctl audit verify` on a journal of 1,000,000 lines.
#
# The journal is written through pkg/audit (scripts/genjournal), so it is
# chained and rotated as pamctl writes it (64 MiB files: about 400 MB in 7
# files). Then, each timed with its peak resident memory:
#   audit list --limit 50                     the first page, newest first
#   audit list --user U --reason R -o ndjson  a filter over the whole journal
#   audit list -o ndjson                      every line, streamed
#   audit verify                              the whole chain
# Each must stay under MAX_RSS_MB: memory is bounded, whatever the size.
#
# Usage: scripts/bench-audit.sh   (or: make bench-audit)
# Env:   LINES (1000000), MAX_RSS_MB (64)
set -euo pipefail

LINES=${LINES:-1000000}
MAX_RSS_MB=${MAX_RSS_MB:-64}

cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "building pamctl and the journal generator..."
go build -o "$tmp/pamctl" ./cmd/pamctl
go build -o "$tmp/genjournal" ./scripts/genjournal
mkdir -p "$tmp/state/pamctl"
journal="$tmp/state/pamctl/audit.jsonl"
t0=$(date +%s%N)
"$tmp/genjournal" -n "$LINES" -o "$journal"
t1=$(date +%s%N)
files=$(find "$tmp/state/pamctl" -name 'audit*.jsonl' | wc -l)
bytes=$(cat "$tmp/state/pamctl"/audit*.jsonl | wc -c)
printf 'journal: %d lines, %d files, %d MB (written in %d ms)\n\n' "$LINES" "$files" $((bytes / 1048576)) $(((t1 - t0) / 1000000))

export XDG_STATE_HOME="$tmp/state" XDG_CONFIG_HOME="$tmp/config" PAMCTL_TOKEN_STORE=file

# measure LABEL ARGS...: wall time and peak RSS of one pamctl run.
status=0
measure() {
	local label=$1
	shift
	if ! /usr/bin/time -f '%e %M' true 2>/dev/null; then
		echo "bench-audit: GNU time (/usr/bin/time) is required" >&2
		exit 2
	fi
	/usr/bin/time -f '%e %M' -o "$tmp/time" "$tmp/pamctl" "$@" >"$tmp/out" 2>"$tmp/err" || {
		echo "FAIL: pamctl $*" >&2
		cat "$tmp/err" >&2
		status=1
	}
	read -r secs kb <"$tmp/time"
	printf '%-48s %7.2f s  %6.1f MB  %8d lines out\n' "$label" "$secs" "$(awk -v k="$kb" 'BEGIN {print k / 1024}')" "$(wc -l <"$tmp/out")"
	if [ "$kb" -ge $((MAX_RSS_MB * 1024)) ]; then
		echo "FAIL: peak memory of pamctl $* is not under $MAX_RSS_MB MB" >&2
		status=1
	fi
}

measure "audit list --limit 50 (first page)" audit list --limit 50
measure "audit list --user jdoe --reason INC-1234 -o ndjson" audit list --user jdoe --reason INC-1234 -o ndjson
measure "audit list -o ndjson (every line)" audit list -o ndjson
n=$(wc -l <"$tmp/out")
[ "$n" -eq "$LINES" ] || { echo "FAIL: audit list printed $n lines, want $LINES" >&2; status=1; }
measure "audit verify" audit verify
grep -q "chain intact (seq up to $LINES," "$tmp/out" || { echo "FAIL: audit verify: $(cat "$tmp/out")" >&2; status=1; }
exit $status
