package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Time is a server timestamp. The contract does not document the wire
// format, so it decodes RFC 3339 strings and epoch milliseconds alike; null
// or absent is the zero Time ("not set"). It always encodes as RFC 3339 UTC,
// or null when unset, so pamctl's machine output has one stable format.
type Time struct {
	time.Time
}

// NewTime wraps t.
func NewTime(t time.Time) Time { return Time{Time: t} }

// UnmarshalJSON accepts "RFC 3339", epoch milliseconds, "" and null.
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		t.Time = time.Time{}
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("timestamp: %w", err)
		}
		if s == "" {
			t.Time = time.Time{}
			return nil
		}
		parsed, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			// Some servers quote epoch milliseconds.
			if ms, perr := strconv.ParseInt(s, 10, 64); perr == nil && ms >= minMillis && ms <= maxMillis {
				t.Time = fromMillis(ms)
				return nil
			}
			return fmt.Errorf("timestamp %q is neither RFC 3339 nor epoch milliseconds", truncate(s, 40))
		}
		t.Time = parsed.UTC()
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("timestamp %s is neither RFC 3339 nor epoch milliseconds", truncate(string(b), 40))
	}
	if f < minMillis || f > maxMillis {
		return fmt.Errorf("timestamp %s is out of range", truncate(string(b), 40))
	}
	t.Time = fromMillis(int64(f))
	return nil
}

// MarshalJSON writes RFC 3339 UTC, or null when unset.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + t.UTC().Format(time.RFC3339) + `"`), nil
}

// String is RFC 3339 UTC, or "" when unset.
func (t Time) String() string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// Epoch milliseconds are accepted for years 1 to 9999, the range RFC 3339
// can write back.
const (
	minMillis = -62135596800000
	maxMillis = 253402300799999
)

func fromMillis(ms int64) time.Time {
	return time.UnixMilli(ms).UTC()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
