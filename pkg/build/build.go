// Package build carries the version stamp of the binary. Release builds set
// the variables with -ldflags -X; other builds fall back to the module
// information the Go toolchain records, so `go install` still reports a
// meaningful version.
package build

import (
	"runtime"
	"runtime/debug"
)

// Version, Commit and Date are set by the release build through -ldflags -X.
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// Info is the resolved version stamp.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Date      string `json:"date"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// Get resolves the stamp, preferring ldflags values over build info.
func Get() Info {
	info := Info{Version: Version, Commit: Commit, Date: Date, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if info.Version != "" && info.Commit != "" && info.Date != "" {
		// A release build: the build info would change nothing, and
		// parsing it is a measurable part of a short command's start-up.
		return info
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if info.Commit == "" {
					info.Commit = s.Value
				}
			case "vcs.time":
				if info.Date == "" {
					info.Date = s.Value
				}
			}
		}
	}
	if info.Version == "" {
		info.Version = "dev"
	}
	if info.Commit == "" {
		info.Commit = "unknown"
	}
	if info.Date == "" {
		info.Date = "unknown"
	}
	return info
}
