package ndjson

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/output"
)

// countingWriter records each Write call.
type countingWriter struct{ writes []string }

func (c *countingWriter) Write(b []byte) (int, error) {
	c.writes = append(c.writes, string(b))
	return len(b), nil
}

func TestWriter(t *testing.T) {
	var cw countingWriter
	w := New(&cw)
	require.NoError(t, w.Write(map[string]string{"name": "a<b>&c"}))
	require.NoError(t, w.Write(map[string]string{"name": "evil\u202e\x7f\u0085\x1b[31m"}))
	require.Len(t, cw.writes, 2, "one Write per line")
	assert.Equal(t, `{"name":"a<b>&c"}`+"\n", cw.writes[0], "no HTML escaping")
	assert.Equal(t, `{"name":"evil\u202e\u007f\u0085\u001b[31m"}`+"\n", cw.writes[1], "inert on a terminal")
	var back map[string]string
	require.NoError(t, json.Unmarshal([]byte(cw.writes[1]), &back))
	assert.Equal(t, "evil\u202e\x7f\u0085\x1b[31m", back["name"], "same meaning")
	for _, l := range cw.writes {
		assert.Equal(t, 1, strings.Count(l, "\n"))
	}
}

func TestResolve(t *testing.T) {
	ok := func() (output.Options, error) { return output.Options{Format: output.Table, TTY: true}, nil }
	bad := func() (output.Options, error) {
		return output.Options{}, errors.New(`output format "ndjson": want one of table, json`)
	}
	o, nd, err := Resolve(ok, nil, true)
	require.NoError(t, err)
	assert.False(t, nd)
	assert.Equal(t, output.Table, o.Format)

	o, nd, err = Resolve(bad, func() string { return " NDJSON" }, false)
	require.NoError(t, err)
	assert.True(t, nd, "accepted before pkg/output knows it")
	assert.False(t, o.TTY)

	_, _, err = Resolve(bad, func() string { return "xml" }, false)
	assert.Error(t, err)

	nd2 := func() (output.Options, error) { return output.Options{Format: "ndjson"}, nil }
	_, nd, err = Resolve(nd2, nil, false)
	require.NoError(t, err)
	assert.True(t, nd, "and once it does")
}
