package build

import (
	"runtime"
	"testing"
)

func TestGetStamped(t *testing.T) {
	defer func(v, c, d string) { Version, Commit, Date = v, c, d }(Version, Commit, Date)
	Version, Commit, Date = "v1.2.3", "abc123", "2026-01-02T03:04:05Z"
	got := Get()
	want := Info{Version: "v1.2.3", Commit: "abc123", Date: "2026-01-02T03:04:05Z",
		GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if got != want {
		t.Fatalf("Get() = %+v, want %+v", got, want)
	}
}

func TestGetUnstamped(t *testing.T) {
	defer func(v, c, d string) { Version, Commit, Date = v, c, d }(Version, Commit, Date)
	Version, Commit, Date = "", "", ""
	got := Get()
	// A test binary has no module version and no VCS stamp.
	if got.Version != "dev" || got.Commit != "unknown" || got.Date != "unknown" {
		t.Fatalf("Get() = %+v, want dev/unknown/unknown", got)
	}
	Commit = "abc123"
	if got := Get(); got.Version != "dev" || got.Commit != "abc123" || got.Date != "unknown" {
		t.Fatalf("Get() with only Commit stamped = %+v", got)
	}
}
