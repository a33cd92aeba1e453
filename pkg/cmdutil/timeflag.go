package cmdutil

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// dayWeek matches a leading day or week count ("3d", "1w2d12h"), which
// time.ParseDuration does not know.
var dayWeek = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(\d+)([dw])(.*)$`) })

// durationLike is what a mistyped duration looks like.
var durationLike = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9.]+[a-zA-Zµ][a-zA-Zµ0-9.]*$`) })

// timeLayouts are the absolute forms a time flag accepts, most specific
// first. Forms without a zone are read in now's location (the operator's
// local time).
var timeLayouts = []struct {
	layout string
	zoned  bool
}{
	{time.RFC3339Nano, true},
	{"2006-01-02T15:04:05", false},
	{"2006-01-02T15:04", false},
	{"2006-01-02 15:04:05", false},
	{"2006-01-02 15:04", false},
	{"2006-01-02", false},
}

// ParseTimeFlag reads the value of a time flag such as --since or --until:
// either a duration before now ("90s", "15m", "2h", "1h30m", "3d", "1w")
// or an absolute time: RFC 3339 ("2026-11-26T09:00:00Z"), a local date and
// time ("2026-11-26T09:00", "2026-11-26 09:00:05") or a local date
// ("2026-11-26", its midnight). Local means now's location. A bad value is
// a *FlagError that names the flag and shows the accepted forms.
func ParseTimeFlag(flag, value string, now time.Time) (time.Time, error) {
	v := strings.TrimSpace(value)
	if v == "" {
		return time.Time{}, FlagErrorf("--%s is empty: give a duration like 2h or a time like 2026-11-26T09:00:00Z", flag)
	}
	if d, ok, err := parseAgo(v); ok {
		if err != nil {
			return time.Time{}, FlagErrorf("--%s %q: %v", flag, value, err)
		}
		return now.Add(-d), nil
	}
	for _, l := range timeLayouts {
		var (
			t   time.Time
			err error
		)
		if l.zoned {
			t, err = time.Parse(l.layout, v)
		} else {
			t, err = time.ParseInLocation(l.layout, v, now.Location())
		}
		if err == nil {
			return t, nil
		}
	}
	return time.Time{}, FlagErrorf("--%s %q: want a duration before now (30m, 2h, 3d, 1w) or a time (2026-11-26T09:00:00Z, 2026-11-26T09:00, 2026-11-26)", flag, value)
}

// parseAgo reads a non-negative duration with optional leading days or
// weeks. ok is false when v does not look like a duration at all (so the
// caller tries the time layouts).
func parseAgo(v string) (d time.Duration, ok bool, err error) {
	if v[0] == '-' || v[0] == '+' {
		if _, perr := time.ParseDuration(v); perr == nil {
			return 0, true, fmt.Errorf("a duration counts back from now and must not be signed")
		}
		return 0, false, nil
	}
	if m := dayWeek().FindStringSubmatch(v); m != nil {
		n, perr := strconv.Atoi(m[1])
		if perr != nil || n > 100*365 {
			return 0, true, fmt.Errorf("%s%s is too long ago", m[1], m[2])
		}
		unit := 24 * time.Hour
		if m[2] == "w" {
			unit *= 7
		}
		d = time.Duration(n) * unit
		if m[3] == "" {
			return d, true, nil
		}
		rest, perr := time.ParseDuration(m[3])
		if perr != nil || rest < 0 {
			return 0, true, fmt.Errorf("%q is not a duration (units: s, m, h, d, w)", v)
		}
		return d + rest, true, nil
	}
	d, perr := time.ParseDuration(v)
	if perr != nil {
		// "2026-11-26" is not a duration; "5x" and "2hours" are bad ones.
		if looksLikeDuration(v) {
			return 0, true, fmt.Errorf("%q is not a duration (units: s, m, h, d, w)", v)
		}
		return 0, false, nil
	}
	return d, true, nil
}

// looksLikeDuration is a number followed by a unit-like word and nothing a
// date or time has ("5x", "2hours", "1.5days"), as opposed to "2026-11-26".
func looksLikeDuration(v string) bool {
	return durationLike().MatchString(v)
}
