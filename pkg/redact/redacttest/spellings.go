// Package redacttest spells a token every way pkg/redact must find it,
// for the tests and fuzz targets of the packages that write output.
package redacttest

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Spellings are the spellings of tok that docs/output.md promises to
// redact, by name: tests put them in answers and look for them in output.
func Spellings(tok string) map[string]string {
	var jsonU, htmlDec, htmlHex, pct2, zw, wide, math strings.Builder
	for i, r := range tok {
		switch {
		case r > ' ' && r < 0x7f:
			wide.WriteRune(r + 0xFEE0) // full-width form
		default:
			wide.WriteRune(r)
		}
		switch {
		case r >= 'a' && r <= 'z':
			math.WriteRune(0x1D41A + r - 'a') // mathematical bold
		case r >= 'A' && r <= 'Z':
			math.WriteRune(0x1D400 + r - 'A')
		case r >= '0' && r <= '9':
			math.WriteRune(0x1D7CE + r - '0')
		default:
			math.WriteRune(r)
		}
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
		"form":          strings.ReplaceAll(tok, "+", " "),
		"fullwidth":     wide.String(),
		"math-bold":     math.String(),
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

// Names are the names of Spellings, sorted (fuzz targets pick one by
// number).
func Names(tok string) []string {
	sp := Spellings(tok)
	names := make([]string, 0, len(sp))
	for n := range sp {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
