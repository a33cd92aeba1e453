package prompt

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fileBuffer is a terminal.FileWriter over a buffer.
type fileBuffer struct{ bytes.Buffer }

func (*fileBuffer) Fd() uintptr { return 0 }

func TestPlainWriterDropsColourOnly(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		want   string
	}{
		{"colour around text", []string{"\x1b[1;92m? \x1b[0m\x1b[1;99mAPI token:\x1b[0m "}, "? API token: "},
		{"cursor and erase kept", []string{"\x1b[1A\x1b[2K\x1b[36mdone\x1b[0m\r\n"}, "\x1b[1A\x1b[2Kdone\r\n"},
		{"a sequence split across writes", []string{"a\x1b", "[3", "6mb\x1b[", "0m", "c"}, "abc"},
		{"escape that is not CSI", []string{"\x1b7x\x1b8"}, "\x1b7x\x1b8"},
		{"plain text", []string{"yes/no"}, "yes/no"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf := &fileBuffer{}
			w := &plainWriter{FileWriter: buf}
			for _, s := range tt.writes {
				n, err := w.Write([]byte(s))
				require.NoError(t, err)
				assert.Equal(t, len(s), n)
			}
			assert.Equal(t, tt.want, buf.String())
		})
	}
}

func TestSurveyNeedsATerminal(t *testing.T) {
	p := New(Streams{In: &bytes.Buffer{}, Out: &bytes.Buffer{}, Err: &bytes.Buffer{}})
	_, err := p.Confirm("Terminate?", false)
	assert.ErrorIs(t, err, ErrNoTerminal)
	_, err = p.Input("Server:", "")
	assert.ErrorIs(t, err, ErrNoTerminal)
	_, err = p.Password("Token:")
	assert.ErrorIs(t, err, ErrNoTerminal)
}
