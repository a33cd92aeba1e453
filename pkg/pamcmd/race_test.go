//go:build race

package pamcmd

const raceEnabled = true
