//go:build !race

package pamsim

const raceEnabled = false
