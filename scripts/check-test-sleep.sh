#!/usr/bin/env bash
# Tests never wait on real time (docs/testing.md): fail on time.Sleep in a
# _test.go file, except in files built only with `-tags pty` (the real
# pseudo-terminal smoke test, run by `make test-pty`). Run by `make lint`.
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
while IFS= read -r hit; do
	file=${hit%%:*}
	if head -n 5 "$file" | grep -q '^//go:build .*\bpty\b'; then
		continue
	fi
	echo "$hit: a test must not sleep; use pkg/clock (Fake/NewAuto) or testing/synctest"
	status=1
done < <(git grep -n -E '\btime\.Sleep\(' -- '*_test.go' || true)
exit $status
