package doctor

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/config"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/pamsim"
)

// nestedDoc is the hostile document: n schemas, each nested in
// the one before (about 37 bytes a level).
func nestedDoc(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"openapi":"3.0.3","info":{"title":"x","version":"1"},"paths":{},"components":{"schemas":{"A":`)
	for range n {
		b.WriteString(`{"type":"object","properties":{"a":`)
	}
	b.WriteString(`{"type":"string"}` + strings.Repeat("}}", n) + `}}}`)
	return []byte(b.String())
}

// doctor refuses the hostile documents before parsing, naming the limit.
func TestDoctorRefusesHostileOpenAPIDocuments(t *testing.T) {
	sim, base := pamsim.Start(t, pamsim.Options{Seed: 1})
	for _, n := range []int{1000, 3000} {
		path := filepath.Join(t.TempDir(), fmt.Sprintf("nested-%d.json", n))
		require.NoError(t, os.WriteFile(path, nestedDoc(n), 0o600))
		r := doctorAgainst(t, base, sim.Tokens().Admin, output.JSON, func(o *DoctorOptions, _ *config.Settings) { o.OpenAPI = path })
		row := r.row("openapi document")
		require.Len(t, row, 1)
		assert.Equal(t, StatusFail, row[0].Status)
		assert.Equal(t, path+": refused: the document nests deeper than 64 levels (the depth limit); a real API description does not", row[0].Detail)
	}
}

// Ctrl-C during doctor ends it at once, with the context's error (exit
// 130, "pamctl: interrupted"), and no partial report.
func TestDoctorEndsOnCtrlC(t *testing.T) {
	sim, base := pamsim.Start(t, pamsim.Options{Seed: 1})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := doctorWithin(ctx, t, base, sim.Tokens().Admin, output.Table, nil)
	require.ErrorIs(t, r.err, context.Canceled)
	assert.Empty(t, r.out)
	assert.Equal(t, "interrupted", cmdutil.Explain(r.err), "the one line says so, not Go's words")
	assert.Equal(t, 130, cmdutil.ExitCode(r.err))
}
