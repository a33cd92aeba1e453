package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pamctl/pamctl/pkg/redact"
)

const fuzzToken = "pK7+q/Zr9TxWm2Lb8Vn4Hc1Rf6Jd0Ys3Ge5Ua="

// spell is the token in encoding n (of the spellings docs/output.md lists),
// as text to place inside a JSON string.
func spell(n uint8, tok string) string {
	var b strings.Builder
	switch n % 13 {
	case 0:
		return tok
	case 1:
		for _, r := range tok {
			fmt.Fprintf(&b, `\u%04X`, r)
		}
	case 2:
		return url.QueryEscape(tok)
	case 3:
		return url.QueryEscape(url.QueryEscape(tok))
	case 4:
		return hex.EncodeToString([]byte(tok))
	case 5:
		return base64.StdEncoding.EncodeToString([]byte("x" + tok))
	case 6:
		return base64.RawURLEncoding.EncodeToString([]byte("Bearer " + tok))
	case 7:
		for _, r := range tok {
			fmt.Fprintf(&b, "&#%d;", r)
		}
	case 8:
		return strings.ToUpper(tok)
	case 9:
		for i, r := range tok {
			if i > 0 {
				b.WriteString(`\u200b`)
			}
			b.WriteRune(r)
		}
	case 10:
		return strings.ReplaceAll(tok, "/", `\/`)
	case 12:
		// Two layers: URL-encoded, then every character \u-escaped; the
		// raw body holds neither spelling, the decoded string the first.
		for _, r := range url.QueryEscape(tok) {
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	default:
		for _, r := range tok {
			fmt.Fprintf(&b, "&#x%x;", r)
		}
	}
	return b.String()
}

// FuzzTokenNeverLeaks puts the token, in a random spelling, inside a
// random JSON answer (a session's field, a list, an error body) and checks
// that nothing the client hands out (the decoded session, its JSON, the
// error message) holds the token in any spelling.
func FuzzTokenNeverLeaks(f *testing.F) {
	f.Add(uint8(1), uint8(0), "db-", "-01", uint16(200))
	f.Add(uint8(5), uint8(1), "", "", uint16(500))
	f.Add(uint8(9), uint8(2), "x", "y", uint16(400))
	f.Add(uint8(3), uint8(3), "%", "&", uint16(200))
	f.Add(uint8(12), uint8(0), "db-", "", uint16(200))
	f.Fuzz(func(t *testing.T, enc, where uint8, pre, post string, status uint16) {
		js, _ := json.Marshal(pre)
		js2, _ := json.Marshal(post)
		val := string(js[:len(js)-1]) + spell(enc, fuzzToken) + string(js2[1:])
		var body string
		switch where % 4 {
		case 0:
			body = `{"id":"11111111-1111-4111-8111-000000000001","assetId":"a","assetName":` + val + `,"user":"u","state":"Active","channels":["SSH"]}`
		case 1:
			body = `{"message":` + val + `}`
		case 2:
			body = `{"total":1,"offset":0,"limit":100,"items":[{"id":"11111111-1111-4111-8111-000000000001","user":` + val + `,"state":"Active"}]}`
		default:
			body = val
		}
		code := int(status%500) + 100
		if where%2 == 0 {
			code = 200
		}
		rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: code, Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
		})
		var debug bytes.Buffer
		c, err := New(Options{Server: "https://pam.example.com/ztna/t/s", Token: fuzzToken, Transport: rt, MaxTries: 1, Debug: &debug})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		s, err := c.GetSession(context.Background(), "11111111-1111-4111-8111-000000000001")
		if err != nil {
			out = append(out, err.Error())
		} else {
			b, _ := json.Marshal(s)
			out = append(out, string(b), s.AssetName, s.User)
		}
		list, err := c.ListSessions(context.Background(), ListSessionsParams{})
		if err != nil {
			out = append(out, err.Error())
		}
		for i := range list {
			out = append(out, list[i].AssetName, list[i].User)
		}
		raw, err := c.Raw(context.Background(), "GET", "/api/session/list", nil)
		out = append(out, string(raw), debug.String())
		if err != nil {
			out = append(out, err.Error())
		}
		if where%4 == 0 && code == 200 && s != nil && !strings.Contains(s.AssetName, redact.Mark) {
			t.Fatalf("the token's spelling %d in assetName was not redacted: %q", enc%13, s.AssetName)
		}
		check := redact.New(fuzzToken)
		for _, o := range out {
			if strings.Contains(strings.ToLower(o), strings.ToLower(fuzzToken[:12])) || check.String(o) != o {
				t.Fatalf("the token reached the client's output (encoding %d, body %q):\n%s", enc%13, body, o)
			}
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
