package shared

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/pamctl/pamctl/pkg/audit"
)

func TestFilter(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	e := audit.Entry{Time: t0, User: "BWilliams", Asset: "db-01", Session: "AB-1", Result: "terminated", Reason: "INC-4312 follow-up", Server: "https://pam/ztna/acme/root/"}
	for _, tc := range []struct {
		f    Filter
		want bool
	}{
		{Filter{}, true},
		{Filter{Since: t0}, true},
		{Filter{Since: t0.Add(time.Second)}, false},
		{Filter{Until: t0}, false},
		{Filter{Until: t0.Add(time.Second)}, true},
		{Filter{Reason: "inc-4312"}, true},
		{Filter{Reason: "4313"}, false},
		{Filter{User: "bwilliams"}, true},
		{Filter{User: "bwilliam"}, false},
		{Filter{User: "BWİLLIAMS"}, false}, // only ASCII case folds
		{Filter{Asset: "DB-01"}, true},
		{Filter{Session: "ab-1"}, true},
		{Filter{Result: "failed"}, false},
		{Filter{Server: "https://pam/ztna/acme/root"}, true},
		{Filter{Server: "https://pam/ztna/acme/other"}, false},
	} {
		assert.Equal(t, tc.want, tc.f.Match(&e), "%+v", tc.f)
	}
	assert.Equal(t, "root", SiteOf("https://pam/ztna/acme/root/"))
	assert.Equal(t, "", SiteOf(""))
	assert.Equal(t, []string{}, NewRow(audit.Entry{}).Channels)
}

func TestQuick(t *testing.T) {
	raw := []byte(`{"time":"2026-12-04T09:00:00Z","user":"BWilliams","asset":"db-01","reason":"INC-4312 <x>","result":"terminated"}`)
	var buf []byte
	for _, tc := range []struct {
		f    Filter
		want bool
	}{
		{Filter{}, true},
		{Filter{User: "bwilliams"}, true},
		{Filter{User: "jdoe"}, false},
		{Filter{Reason: "inc-4312", Result: "TERMINATED"}, true},
		{Filter{Reason: "inc-4312", Result: "failed"}, false},
		{Filter{Reason: "<x>"}, true}, // JSON may escape < and >: not looked for
		{Filter{Asset: "db-02"}, false},
	} {
		assert.Equal(t, tc.want, tc.f.Quick(raw, &buf), "%+v", tc.f)
	}
	assert.Contains(t, string(raw), "BWilliams", "Quick does not change the line")
}
