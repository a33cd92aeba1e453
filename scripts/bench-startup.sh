#!/usr/bin/env bash
# bench-startup: how long `pamctl version` takes to start, against a Go
# hello world built the same way (issue "The house", item 9: at most 2.5x).
#
#  1. Builds bin/pamctl with the release flags (make build: -trimpath
#     -ldflags '-s -w -X ...') and a hello world with the same flags, in a
#     temp dir.
#  2. Runs the two alternately RUNS times each (after WARMUP rounds), timed
#     by a small Go program (fork+exec+wait, no shell in between), and
#     reports the medians and their ratio. Alternating and medians keep the
#     result steady on a loaded machine: both see the same load.
#  3. Prints the ten costliest package inits (GODEBUG=inittrace=1), each
#     the median of INIT_RUNS runs.
#
# Exits 1 when the ratio is over MAX_RATIO, 2 when it cannot measure.
#
# Usage: scripts/bench-startup.sh   (or: make bench-startup)
# Env:   RUNS (200), WARMUP (20), INIT_RUNS (15), MAX_RATIO (2.5), PAMCTL (a prebuilt
#        binary to measure instead of building bin/pamctl)
set -euo pipefail

RUNS=${RUNS:-200}
WARMUP=${WARMUP:-20}
INIT_RUNS=${INIT_RUNS:-15}
MAX_RATIO=${MAX_RATIO:-2.5}

cd "$(dirname "$0")/.."
GO=${GO:-go}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -z "${PAMCTL:-}" ]; then
	echo "building bin/pamctl (make build's flags)..."
	make --no-print-directory -s build GO="$GO" >/dev/null
	PAMCTL=bin/pamctl
fi
[ -x "$PAMCTL" ] || { echo "bench-startup: $PAMCTL is not an executable" >&2; exit 2; }

# The hello world and the timer are their own modules in the temp dir, so
# they build with no dependency and leave this module alone.
mkdir -p "$tmp/hello" "$tmp/timer"
cat >"$tmp/hello/main.go" <<'EOF'
package main

import "fmt"

func main() { fmt.Println("hello, world") }
EOF
cat >"$tmp/timer/main.go" <<'EOF'
// timer runs two commands alternately and prints the median wall time of
// each in nanoseconds: "<median a> <median b>".
package main

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

func run(argv []string) time.Duration {
	c := exec.Command(argv[0], argv[1:]...)
	start := time.Now()
	if err := c.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "bench-startup: %s: %v\n", strings.Join(argv, " "), err)
		os.Exit(2)
	}
	return time.Since(start)
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}

func main() {
	runs, _ := strconv.Atoi(os.Args[1])
	warmup, _ := strconv.Atoi(os.Args[2])
	a, b := strings.Fields(os.Args[3]), strings.Fields(os.Args[4])
	for range warmup {
		run(a)
		run(b)
	}
	var da, db []time.Duration
	for i := range runs {
		// Alternate which goes first, so neither always follows the other.
		if i%2 == 0 {
			da = append(da, run(a))
			db = append(db, run(b))
		} else {
			db = append(db, run(b))
			da = append(da, run(a))
		}
	}
	fmt.Println(median(da).Nanoseconds(), median(db).Nanoseconds())
}
EOF
printf 'module hello\n\ngo 1.22\n' >"$tmp/hello/go.mod"
printf 'module timer\n\ngo 1.22\n' >"$tmp/timer/go.mod"
(cd "$tmp/hello" && GOFLAGS= "$GO" build -trimpath -ldflags '-s -w' -o "$tmp/hello-bin" .)
(cd "$tmp/timer" && GOFLAGS= "$GO" build -o "$tmp/timer-bin" .)

"$PAMCTL" version >/dev/null || { echo "bench-startup: $PAMCTL version failed" >&2; exit 2; }

echo "timing $RUNS runs each, alternately (after $WARMUP warm-up rounds)..."
read -r hello_ns pamctl_ns < <("$tmp/timer-bin" "$RUNS" "$WARMUP" "$tmp/hello-bin" "$PAMCTL version")

ms() { awk -v n="$1" 'BEGIN {printf "%.2f", n / 1e6}'; }
ratio=$(awk -v a="$pamctl_ns" -v b="$hello_ns" 'BEGIN {printf "%.2f", a / b}')
echo
echo "startup, median of $RUNS runs:"
printf '  hello world       %6s ms\n' "$(ms "$hello_ns")"
printf '  pamctl version    %6s ms   (%sx; limit %sx)\n' "$(ms "$pamctl_ns")" "$ratio" "$MAX_RATIO"

echo
echo "costliest package inits (GODEBUG=inittrace=1, median of $INIT_RUNS runs; ms, bytes, allocs):"
for _ in $(seq 1 "$INIT_RUNS"); do
	GODEBUG=inittrace=1 "$PAMCTL" version 2>&1 >/dev/null |
		awk '$1 == "init" {print $2, $5, $8, $10; t += $5; b += $8; a += $10} END {print "(all)", t, b, a}'
done | sort -k1,1 -k2,2g | awk -v n="$INIT_RUNS" '
	{ i = ++seen[$1]; if (i == int((n + 1) / 2)) mid[$1] = $0 }
	END { for (p in mid) { split(mid[p], f, " "); printf "  %6.3f ms %9d B %6d allocs  %s\n", f[2], f[3], f[4], p } }' |
	sort -rn -k1 | head -n 11
echo "  ((all): every package init of a run, summed; the median run)"

if awk -v r="$ratio" -v m="$MAX_RATIO" 'BEGIN {exit !(r > m)}'; then
	echo >&2
	echo "FAIL: pamctl version starts ${ratio}x slower than hello world (limit ${MAX_RATIO}x)" >&2
	exit 1
fi
