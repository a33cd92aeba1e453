package cmdutil

import "testing"

func TestShellSafeRefusesWhatAShellOrAReaderMisreads(t *testing.T) {
	for _, v := range []string{"--yes", "-rf", "--all-profiles", "--output=json", "-", "",
		"db prod", "a\tb", "$(id)", "a;b", "db-prod-01\u3164", "\u3164", "db\u200b-prod", "a\u2028b", "d\u0336b", "x\x1b[2J"} {
		if shellSafe(v) {
			t.Errorf("shellSafe(%q) = true", v)
		}
	}
	for _, v := range []string{"db-prod-01", "web-01.example.com", "café", "a-b_c.d"} {
		if !shellSafe(v) {
			t.Errorf("shellSafe(%q) = false", v)
		}
	}
}
