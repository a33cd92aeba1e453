#!/usr/bin/env bash
# make demo: build pamctl and pamsim, start the simulator on a free loopback
# port (with session churn), and walk the mission an incident responder
# would: who am I, who is connected, end one session with a verified outcome,
# find it in the Events Report, then a bulk dry run.
#
# Everything lives in a temporary directory: the binaries, the simulator's
# environment file, XDG_CONFIG_HOME and XDG_STATE_HOME. Your own pamctl
# config, tokens and keyring are never read or written. pamsim is stopped on
# exit, Ctrl-C or TERM. Exits non-zero if any step failed.
set -uo pipefail

cd "$(dirname "$0")/.."
GO=${GO:-go}
start=$SECONDS

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' D=$'\e[2m' N=$'\e[0m'
else
	B='' G='' R='' D='' N=''
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/pamctl-demo.XXXXXX") || exit 1
pamsim_pid=
cleanup() {
	if [ -n "$pamsim_pid" ]; then
		kill "$pamsim_pid" 2>/dev/null
		wait "$pamsim_pid" 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted"; exit 130' INT
trap 'exit 143' TERM

die() {
	echo "${R}demo: $*${N}" >&2
	exit 1
}

echo "${B}pamctl demo${N} ${D}(scratch dir $work)${N}"

echo "${D}building pamctl and pamsim...${N}"
"$GO" build -o "$work/bin/pamctl" ./cmd/pamctl || die "go build ./cmd/pamctl failed"
"$GO" build -o "$work/bin/pamsim" ./cmd/pamsim || die "go build ./cmd/pamsim failed"

# A clean environment for pamctl: nothing of the caller's PAMCTL_* settings,
# config or state, and the token store forced to a file in the scratch dir.
for v in $(compgen -e | grep '^PAMCTL_'); do unset "$v"; done
export XDG_CONFIG_HOME="$work/config" XDG_STATE_HOME="$work/state"
export PAMCTL_TOKEN_STORE=file

echo "${D}starting pamsim on 127.0.0.1 (a free port), a session starts and another ends every 2s...${N}"
"$work/bin/pamsim" --listen 127.0.0.1:0 --churn 2s --quiet --env-file "$work/pamsim.env" \
	>"$work/pamsim.out" 2>"$work/pamsim.log" </dev/null &
pamsim_pid=$!

# pamsim writes the env file once it accepts connections: wait for it, 15s at most.
for _ in $(seq 150); do
	[ -s "$work/pamsim.env" ] && break
	kill -0 "$pamsim_pid" 2>/dev/null || { cat "$work/pamsim.log" >&2; die "pamsim exited before it was ready"; }
	sleep 0.1
done
[ -s "$work/pamsim.env" ] || { cat "$work/pamsim.log" >&2; die "pamsim was not ready within 15s"; }
# shellcheck disable=SC1091
. "$work/pamsim.env"
[ -n "${PAMCTL_SERVER:-}" ] && [ -n "${PAMCTL_TOKEN:-}" ] || die "pamsim's env file has no PAMCTL_SERVER/PAMCTL_TOKEN"
echo "${D}PAMCTL_SERVER=$PAMCTL_SERVER (PAMCTL_TOKEN is the simulator's Administrator)${N}"

# Bound each step so a hang fails the demo instead of stalling it.
limit=()
command -v timeout >/dev/null && limit=(timeout 30)

passed=0
failed=()
# step NARRATION -- pamctl ARGS...: narrate in one line, show the command, run it.
step() {
	local what=$1
	shift 2
	printf '\n%s==> %s%s\n' "$B" "$what" "$N"
	printf '%s$ pamctl' "$D"
	printf ' %q' "$@"
	printf '%s\n' "$N"
	"${limit[@]}" "$work/bin/pamctl" "$@" </dev/null
	local rc=$?
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
	else
		printf '%s--- step failed with exit code %d%s\n' "$R" "$rc" "$N"
		failed+=("$what (exit $rc)")
	fi
}

# step_fails CODE NARRATION -- pamctl ARGS...: a step whose point is a refusal with exit CODE.
step_fails() {
	local want=$1 what=$2
	shift 3
	printf '\n%s==> %s%s\n' "$B" "$what" "$N"
	printf '%s$ pamctl' "$D"
	printf ' %q' "$@"
	printf '%s\n' "$N"
	"${limit[@]}" "$work/bin/pamctl" "$@" </dev/null
	local rc=$?
	if [ "$rc" -eq "$want" ]; then
		passed=$((passed + 1))
	else
		printf '%s--- step exited %d, want %d%s\n' "$R" "$rc" "$want" "$N"
		failed+=("$what (exit $rc, want $want)")
	fi
}

ID=11111111-1111-4111-8111-000000000001

step "Which site, which user, which roles: is the token accepted?" -- \
	auth status
step "Every active session on the site (the site-wide Sessions Report)" -- \
	sessions list
step "Who is connected to db-prod-01 right now" -- \
	sessions list --asset db-prod-01
step "One session with all its fields" -- \
	sessions get "$ID"
step "Terminate it as a runbook would (--yes: no prompt), verified by read-back and the Events Report" -- \
	sessions terminate "$ID" --yes --reason demo
step "The Events Report holds the termination" -- \
	events list --event "Terminate Session"
step_fails 5 "Bulk, safely: every active session of bwilliams, shown but not sent (--dry-run; exit 5: a native-only session would stay connected)" -- \
	sessions terminate --user bwilliams --dry-run

# tparker reconnects 3 s into the hold (pamsim's admin endpoint plays the
# user); the hold catches the new session and terminates it too.
admin="${PAMCTL_SERVER%%/ztna/*}/_pamsim/sessions/11111111-1111-4111-8111-000000000011/reconnect"
( sleep 3; curl -fsS -X POST "$admin" -o /dev/null || echo "${R}demo: the reconnect request failed${N}" ) &
reconnect_pid=$!
step "Keep an account out: terminate tparker's sessions, then hold for 8s; a reconnect is caught" -- \
	sessions terminate --user tparker --yes --hold 8s --interval 1s --reason demo-hold
wait "$reconnect_pid"

# The two-person rule: the asset manager plans (nothing sent), the
# Administrator applies the plan with their own token.
amanager_token=$(sed -n 's/^# asset-manager token: \([^ ]*\).*/\1/p' "$work/pamsim.env" | head -n 1)
plan="$work/inc-demo.plan"
if [ -n "$amanager_token" ]; then
	PAMCTL_TOKEN=$amanager_token step "Two-person rule, 1/2: the asset manager plans to end bwilliams's session on db-prod-02 (--plan-out: nothing is sent)" -- \
		sessions terminate 11111111-1111-4111-8111-000000000007 --reason demo-plan --two-person --plan-out "$plan"
	PAMCTL_TOKEN=$amanager_token step_fails 6 "Two-person rule: the planner cannot apply their own plan (exit 6, nothing sent)" -- \
		sessions terminate --apply "$plan" --yes
	step "Two-person rule, 2/2: the Administrator applies it with their own token; the journal names both" -- \
		sessions terminate --apply "$plan" --yes
else
	printf '%s--- no asset-manager token in pamsim'"'"'s output%s\n' "$R" "$N"
	failed+=("two-person rule (no asset-manager token)")
fi

printf '\n%s==> %s%s\n' "$B" "The local audit journal recorded the termination" "$N"
journal="$XDG_STATE_HOME/pamctl/audit.jsonl"
printf '%s$ tail -n 1 $XDG_STATE_HOME/pamctl/audit.jsonl%s\n' "$D" "$N"
if [ -s "$journal" ] && grep -q "$ID" "$journal"; then
	tail -n 1 "$journal"
	passed=$((passed + 1))
else
	printf '%s--- no audit journal entry for %s%s\n' "$R" "$ID" "$N"
	failed+=("audit journal entry")
fi

echo
elapsed=$((SECONDS - start))
if [ ${#failed[@]} -eq 0 ]; then
	echo "${G}${B}demo: all $passed steps passed in ${elapsed}s${N}"
	exit 0
fi
echo "${R}${B}demo: ${#failed[@]} of $((passed + ${#failed[@]})) steps failed (${elapsed}s):${N}"
for f in "${failed[@]}"; do echo "${R}  - $f${N}"; done
exit 1
