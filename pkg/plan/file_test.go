package plan

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refused asserts err is a one-line *Error for reason that says what to do.
func refused(t *testing.T, err error, reason error, wants ...string) {
	t.Helper()
	require.Error(t, err)
	var pe *Error
	require.ErrorAs(t, err, &pe, "a plan refusal is an *Error (exit 6)")
	assert.ErrorIs(t, err, reason)
	msg := err.Error()
	assert.NotContains(t, msg, "\n", "one line")
	for _, w := range wants {
		assert.Contains(t, msg, w)
	}
}

// edit rewrites one member of the plan file at path as JSON, leaving the
// digest as it was.
func edit(t *testing.T, path string, fn func(m map[string]any)) {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(fileBytes(t, path), &m))
	fn(m)
	data, err := json.MarshalIndent(m, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, data, 0o600))
}

// redigest makes the digest match the edited content again, as a careless
// (or deliberate) editor could: what the field checks still catch.
func redigest(t *testing.T, path string) {
	t.Helper()
	var p Plan
	require.NoError(t, json.Unmarshal(fileBytes(t, path), &p))
	p.Digest = Digest(&p)
	data, err := Marshal(&p)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, data, 0o600))
}

func TestReadTruncated(t *testing.T) {
	path := writeTemp(t, build(t, userInput()))
	full := fileBytes(t, path)
	for _, n := range []int{1, 2, len(full) / 3, len(full) / 2, len(full) - 3} {
		require.NoError(t, os.WriteFile(path, full[:n], 0o600))
		_, err := readAt(t, path, t0)
		refused(t, err, ErrTruncated, path, "truncated", "--plan-out")
	}
	require.NoError(t, os.WriteFile(path, nil, 0o600))
	_, err := readAt(t, path, t0)
	refused(t, err, ErrTruncated, "is empty", "--plan-out")
}

func TestReadNotJSON(t *testing.T) {
	for _, content := range []string{"format: 1\nkind: plan\n", "<html>login</html>", `{"format": 1,,}`, "\x00\x01"} {
		path := filepath.Join(t.TempDir(), "p.plan")
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
		_, err := readAt(t, path, t0)
		refused(t, err, ErrNotJSON, "is not JSON", "--plan-out")
	}
}

func TestReadNotAPlan(t *testing.T) {
	for _, content := range []string{`{"files": []}`, `{"format": 1, "kind": "pamctl-evidence"}`, `[1, 2]`, `"plan"`} {
		path := filepath.Join(t.TempDir(), "p.plan")
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
		_, err := readAt(t, path, t0)
		refused(t, err, ErrNotPlan, "not a pamctl plan", "--plan-out")
	}
}

func TestReadNewerFormat(t *testing.T) {
	path := writeTemp(t, build(t, userInput()))
	edit(t, path, func(m map[string]any) {
		m["format"] = Format + 1
		m["approvals"] = []string{"a field this pamctl does not know"}
	})
	_, err := readAt(t, path, t0)
	refused(t, err, ErrNewerFormat, "newer pamctl", "format 2", "upgrade pamctl", "--plan-out")
}

func TestReadEdited(t *testing.T) {
	tests := []struct {
		name string
		fn   func(m map[string]any)
	}{
		{"max raised", func(m map[string]any) { m["max"] = 1000 }},
		{"expiry moved", func(m map[string]any) { m["expiresAt"] = t0.Add(9 * time.Hour).Format(time.RFC3339) }},
		{"two-person dropped", func(m map[string]any) { m["twoPerson"] = false }},
		{"target added", func(m map[string]any) {
			site := m["sites"].([]any)[0].(map[string]any)
			site["targets"] = append(site["targets"].([]any), map[string]any{"id": "S-9", "user": "x", "assetId": "A-9", "assetName": "n", "channels": []any{}, "state": "Active"})
		}},
		{"planner changed", func(m map[string]any) {
			m["sites"].([]any)[1].(map[string]any)["planner"] = map[string]any{"name": "mallory"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, build(t, userInput()))
			edit(t, path, tt.fn)
			_, err := readAt(t, path, t0)
			refused(t, err, ErrDigest, "changed after it was made", "--plan-out")
		})
	}
}

func TestReadExpired(t *testing.T) {
	path := writeTemp(t, build(t, userInput()))
	_, err := readAt(t, path, t0.Add(time.Hour-time.Second))
	require.NoError(t, err, "valid until its last second")

	_, err = readAt(t, path, t0.Add(time.Hour))
	refused(t, err, ErrExpired, "expired at 2026-12-04T04:00:00Z", "0s ago", "valid for 1h0m0s", "--plan-out")
	_, err = readAt(t, path, t0.Add(3*time.Hour))
	refused(t, err, ErrExpired, "2h0m0s ago")
}

func TestReadFromTheFuture(t *testing.T) {
	path := writeTemp(t, build(t, userInput()))
	_, err := readAt(t, path, t0.Add(-FutureSkew))
	require.NoError(t, err, "a little clock skew is fine")
	_, err = readAt(t, path, t0.Add(-time.Hour))
	refused(t, err, ErrInvalid, "1h0m0s from now", "clock")
}

func TestReadMissingFields(t *testing.T) {
	tests := []struct {
		name string
		fn   func(m map[string]any)
		want string
	}{
		{"format", func(m map[string]any) { delete(m, "format") }, "no valid format"},
		{"createdAt", func(m map[string]any) { delete(m, "createdAt") }, "createdAt is missing"},
		{"expiresAt", func(m map[string]any) { delete(m, "expiresAt") }, "expiresAt is missing"},
		{"reason", func(m map[string]any) { m["reason"] = "" }, "reason is missing"},
		{"selector", func(m map[string]any) { m["selector"] = map[string]any{} }, "selector is empty"},
		{"max", func(m map[string]any) { delete(m, "max") }, "max is 0"},
		{"sites", func(m map[string]any) { delete(m, "sites") }, "no site"},
		{"plannedBy", func(m map[string]any) { delete(m, "plannedBy") }, "plannedBy.localUser is missing"},
		{"server", func(m map[string]any) { delete(m["sites"].([]any)[0].(map[string]any), "server") }, "site 1: server is missing"},
		{"targets", func(m map[string]any) { delete(m["sites"].([]any)[1].(map[string]any), "targets") }, "site 2: targets is missing"},
		{"target id", func(m map[string]any) {
			delete(m["sites"].([]any)[0].(map[string]any)["targets"].([]any)[1].(map[string]any), "id")
		}, "site 1: target 2: session ID is empty"},
		{"server not normal", func(m map[string]any) { m["sites"].([]any)[0].(map[string]any)["server"] = serverA + "/api" }, "normal form"},
		{"unknown field", func(m map[string]any) { m["approvedBy"] = "bob" }, `unknown field "approvedBy"`},
		{"wrong type", func(m map[string]any) { m["max"] = "10" }, "does not follow plan format 1"},
		{"bad hold", func(m map[string]any) { m["hold"] = "forever" }, "not a positive duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, build(t, userInput()))
			edit(t, path, tt.fn)
			// These cannot be decoded: there is no digest to redo.
			if tt.name != "unknown field" && tt.name != "wrong type" {
				redigest(t, path)
			}
			_, err := readAt(t, path, t0)
			refused(t, err, ErrInvalid, tt.want, "--plan-out")
		})
	}
}

func TestReadNoDigest(t *testing.T) {
	path := writeTemp(t, build(t, userInput()))
	edit(t, path, func(m map[string]any) { delete(m, "digest") })
	_, err := readAt(t, path, t0)
	refused(t, err, ErrInvalid, "has no digest", "--plan-out")
	edit(t, path, func(m map[string]any) { m["digest"] = "md5:abc" })
	_, err = readAt(t, path, t0)
	refused(t, err, ErrInvalid, "is not sha256:")
}

// An edit that also breaks a field is still named as an edit.
func TestReadEditedAndBroken(t *testing.T) {
	path := writeTemp(t, build(t, userInput()))
	edit(t, path, func(m map[string]any) { m["reason"] = "" })
	_, err := readAt(t, path, t0)
	refused(t, err, ErrDigest, "changed after it was made")
}

func TestReadTooLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.plan")
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(MaxFileSize+1)) // sparse: costs no disk
	require.NoError(t, f.Close())
	_, err = readAt(t, path, t0)
	refused(t, err, ErrInvalid, "larger than 64 MiB", "--plan-out")
}

func TestReadMissingFile(t *testing.T) {
	_, err := readAt(t, filepath.Join(t.TempDir(), "nope.plan"), t0)
	require.Error(t, err)
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.True(t, strings.HasPrefix(err.Error(), "reading the plan"))
}
