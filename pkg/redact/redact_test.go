package redact

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/redact/redacttest"
)

const token = "pK7+q/Zr9TxWm2Lb8Vn4Hc1Rf6Jd0Ys3Ge5Ua=" // like pamsim's: + / and =

func TestStringRedactsEverySpelling(t *testing.T) {
	r := New(token)
	for name, sp := range redacttest.Spellings(token) {
		t.Run(name, func(t *testing.T) {
			in := "HTTP 500: bad token " + sp + " (see logs)"
			got := r.String(in)
			assert.Contains(t, got, Mark)
			assert.True(t, strings.HasPrefix(got, "HTTP 500: bad token "), got)
			assert.NotContains(t, got, token[:len(token)/2])
			assert.NotContains(t, strings.ToLower(got), strings.ToLower(token[4:20]))
		})
	}
}

func TestStringLeavesOtherTextAlone(t *testing.T) {
	r := New(token)
	for _, s := range []string{"", "db-prod-01", "50% off &amp; more \\n", "pK7+q/", strings.Repeat("a", 5000), "\u200b\u200b", "%", "&", "\\"} {
		assert.Equal(t, s, r.String(s))
	}
	assert.Equal(t, "x", New().String("x"))
	var nilR *Redactor
	assert.Equal(t, token, nilR.String(token))
}

func TestShortSecretDerivedSpellingsSkipped(t *testing.T) {
	r := New("abc")
	assert.Equal(t, "YWJj", r.String("YWJj"), "a 4-character base64 form would redact ordinary text")
	assert.Equal(t, "x [REDACTED] y", r.String("x ABC y"))
}

func TestWriterSplitWrites(t *testing.T) {
	for name, sp := range redacttest.Spellings(token) {
		t.Run(name, func(t *testing.T) {
			in := "before " + sp + " after\nnext line " + sp
			want := New(token).String(in)
			require.Equal(t, 2, strings.Count(want, Mark))
			for _, step := range []int{1, 2, 3, 7, 64} {
				var buf bytes.Buffer
				w := NewWriter(&buf, New(token))
				for i := 0; i < len(in); i += step {
					_, err := w.Write([]byte(in[i:min(i+step, len(in))]))
					require.NoError(t, err)
				}
				require.NoError(t, w.Flush())
				assert.Equal(t, want, buf.String(), "step %d", step)
			}
		})
	}
}

func TestWriterReleasesPlainText(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, New(token))
	_, _ = w.Write([]byte("Terminate 3 sessions? [y/N] "))
	assert.Equal(t, "Terminate 3 sessions? [y/N] ", buf.String(), "a question is not held back")
	_, _ = w.Write([]byte("token pK7"))
	assert.Equal(t, "Terminate 3 sessions? [y/N] token ", buf.String(), "the start of a spelling is held")
	_ = w.Flush()
	assert.Equal(t, "Terminate 3 sessions? [y/N] token pK7", buf.String())
}

func BenchmarkStringJSONPage(b *testing.B) {
	r := New(token)
	row := `{"id":"11111111-1111-4111-8111-000000000001","assetId":"22222222-2222-4222-8222-000000000001","assetName":"db-prod-01","user":"bwilliams","created":"2026-11-26T09:15:02Z","state":"Active","channels":["SSH"]},`
	page := strings.Repeat(row, 500)
	b.SetBytes(int64(len(page)))
	for b.Loop() {
		_ = r.String(page)
	}
}

func TestStringIsLinearOnEscapeRuns(t *testing.T) {
	r := New(token)
	for _, c := range []string{"&", "%", "\\", "%25", "&#"} {
		s := strings.Repeat(c, 200_000)
		assert.Equal(t, s, r.String(s)) // quadratic scanning would take minutes
	}
}
