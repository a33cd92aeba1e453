package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const token = "pK7+q/Zr9TxWm2Lb8Vn4Hc1Rf6Jd0Ys3Ge5Ua=" // like pamsim's: + / and =

// Spellings are every encoding of the token docs/output.md promises to
// redact.
func Spellings(tok string) map[string]string {
	var jsonU, htmlDec, htmlHex, pct2, zw strings.Builder
	for i, r := range tok {
		fmt.Fprintf(&jsonU, `\u%04x`, r)
		fmt.Fprintf(&htmlDec, "&#%d;", r)
		fmt.Fprintf(&htmlHex, "&#X%X;", r)
		fmt.Fprintf(&pct2, "%%25%02X", r)
		if i > 0 {
			zw.WriteString([]string{"\u200b", "\u2060", "\ufeff", "\u3164", "\u00ad"}[i%5])
		}
		zw.WriteRune(r)
	}
	js, _ := json.Marshal(tok)
	out := map[string]string{
		"raw":           tok,
		"json":          strings.Trim(string(js), `"`),
		"json-slash":    strings.ReplaceAll(tok, "/", `\/`),
		"json-u":        jsonU.String(),
		"url":           url.QueryEscape(tok),
		"url-path":      url.PathEscape(tok),
		"url-twice":     url.QueryEscape(url.QueryEscape(tok)),
		"url-twice-all": pct2.String(),
		"hex":           hex.EncodeToString([]byte(tok)),
		"HEX":           strings.ToUpper(hex.EncodeToString([]byte(tok))),
		"html-dec":      htmlDec.String(),
		"html-hex":      htmlHex.String(),
		"html-named":    strings.NewReplacer("+", "&plus;", "/", "&sol;", "=", "&equals;").Replace(tok),
		"upper":         strings.ToUpper(tok),
		"lower":         strings.ToLower(tok),
		"zero-width":    zw.String(),
		"zw-json":       strings.ReplaceAll(zw.String(), "\u200b", `\u200B`),
	}
	for _, pre := range []string{"", "x", "xy", "Bearer ", "Bearer  ", "Authorization: Bearer "} {
		for name, enc := range map[string]*base64.Encoding{"std": base64.StdEncoding, "url": base64.URLEncoding, "raw": base64.RawStdEncoding} {
			b := enc.EncodeToString([]byte(pre + tok))
			out[fmt.Sprintf("base64-%s-%q", name, pre)] = b
			out[fmt.Sprintf("base64-%s-%q-json", name, pre)] = strings.ReplaceAll(b, "/", `\/`)
		}
	}
	return out
}

func TestStringRedactsEverySpelling(t *testing.T) {
	r := New(token)
	for name, sp := range Spellings(token) {
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
	for name, sp := range Spellings(token) {
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
