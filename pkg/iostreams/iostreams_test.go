package iostreams

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestColourFor(t *testing.T) {
	env := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	assert.True(t, colourFor(true, env(map[string]string{"TERM": "xterm-256color"})))
	assert.False(t, colourFor(false, env(nil)), "not a terminal")
	assert.False(t, colourFor(true, env(map[string]string{"NO_COLOR": "1"})))
	assert.True(t, colourFor(true, env(map[string]string{"NO_COLOR": ""})), "an empty NO_COLOR does not count (no-color.org)")
	assert.False(t, colourFor(true, env(map[string]string{"TERM": "dumb"})))
}

func TestTestStreams(t *testing.T) {
	ios, _, _, _ := Test()
	assert.False(t, ios.ColorEnabled())
	assert.False(t, ios.CanPrompt())
	ios.SetStdinTTY(true)
	ios.SetStdoutTTY(true)
	assert.False(t, ios.CanPrompt(), "the question goes to stderr: it must be a terminal too")
	ios.SetStderrTTY(true)
	assert.True(t, ios.CanPrompt())
	ios.SetColorEnabled(true)
	assert.True(t, ios.ColorEnabled())
}
