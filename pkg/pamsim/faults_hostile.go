package pamsim

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// HostileEchoModes are the echo-token and echo-field modes this file adds.
//
// The hostile faults: a server that echoes the caller's token in other
// spellings, declares a list far larger than it serves, or answers one byte
// at a time.
//
//   - echo-token with the modes of HostileEchoModes: the error message
//     holds the token spelled that way (see hostileSpelling).
//   - echo-field: a real answer whose every "assetName" (sessions, events)
//     and asset "name" is replaced by "db-" and the token spelled by Mode
//     (json-u writes it as JSON \u escapes, so the decoded name is the
//     token itself).
//   - huge-total: a session, asset or event list page of one item (a real
//     one, then endless's synthetic ones) declaring total 1,000,000 (a page
//     of about 150 to 400 bytes), at every offset.
//   - drip: a real answer written one byte per Delay (a slow server).
//   - hostile-names: a real answer whose every "assetName" and asset
//     "name" is one of HostileNames, in turn (item i gets name i mod n).
var HostileEchoModes = []string{"json-u", "url2", "hex", "base64", "base64-bearer", "html", "upper", "zero-width", "form", "fullwidth"}

// HostileNames are names a completion must not offer and a prompt must
// not show as they are: flags, and names that look like db-prod-01.
var HostileNames = []string{"--yes", "-rf", "--all-profiles", "--output=json", "db-prod-01\u3164", "\u3164",
	"d\u0336b-prod-01", "db-prod\u2028-01", "db\u200b-prod-01", "db-prod-01\u115f"}

// hostileSpelling is tok spelled by mode, as text for a JSON string
// (so json-u is the escaped bytes, not the decoded token).
func hostileSpelling(mode, tok string) string {
	var b strings.Builder
	switch mode {
	case "json-u":
		for _, r := range tok {
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	case "url2":
		return url.QueryEscape(url.QueryEscape(tok))
	case "hex":
		return hex.EncodeToString([]byte(tok))
	case "base64":
		return base64.StdEncoding.EncodeToString([]byte("x" + tok))
	case "base64-bearer":
		return base64.StdEncoding.EncodeToString([]byte("Bearer " + tok))
	case "html":
		for i, r := range tok {
			switch i % 3 {
			case 0:
				fmt.Fprintf(&b, "&#%d;", r)
			case 1:
				fmt.Fprintf(&b, "&#x%x;", r)
			default:
				b.WriteRune(r)
			}
		}
		return strings.NewReplacer("+", "&plus;", "/", "&sol;", "=", "&equals;").Replace(b.String())
	case "upper":
		return strings.ToUpper(tok)
	case "zero-width":
		for i, r := range tok {
			if i > 0 {
				b.WriteString(`\u200b`)
			}
			b.WriteRune(r)
		}
		return strings.NewReplacer("/", `\/`).Replace(b.String())
	case "form":
		// A server that form-decoded the raw token: '+' became ' '.
		return jsonEscapeAll(strings.ReplaceAll(tok, "+", " "))
	case "fullwidth":
		// Full-width forms (U+FF01-U+FF5E), NFKC-equal to the token.
		for _, r := range tok {
			if r > ' ' && r < 0x7f {
				r += 0xFEE0
			}
			b.WriteRune(r)
		}
	default:
		return jsonEscapeAll(tok)
	}
	return b.String()
}

func serveHostileEcho(w http.ResponseWriter, code int, mode, tok string) {
	writeRawJSON(w, code, []byte(`{"message":"request rejected for token `+hostileSpelling(mode, tok)+`"}`))
}

// serveEchoField rewrites the names of a real answer to hold the token.
func serveEchoField(w http.ResponseWriter, r *http.Request, f Fault, apply applyFunc) {
	rec := record(apply, r)
	body := rec.Body.Bytes()
	if rec.Code/100 == 2 {
		lit := json.RawMessage(`"db-` + hostileSpelling(f.Mode, bearerToken(r)) + `"`)
		if out, ok := replaceNames(body, lit); ok {
			body = out
		}
	}
	copyRecorded(w, rec, body)
}

func serveHostileNames(w http.ResponseWriter, r *http.Request, apply applyFunc) {
	rec := record(apply, r)
	body := rec.Body.Bytes()
	if rec.Code/100 == 2 {
		i := 0
		next := func() json.RawMessage {
			b, _ := json.Marshal(HostileNames[i%len(HostileNames)])
			i++
			return b
		}
		if out, ok := replaceNamesWith(body, next); ok {
			body = out
		}
	}
	copyRecorded(w, rec, body)
}

func replaceNames(body []byte, lit json.RawMessage) ([]byte, bool) {
	return replaceNamesWith(body, func() json.RawMessage { return lit })
}

func replaceNamesWith(body []byte, next func() json.RawMessage) ([]byte, bool) {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil {
		return nil, false
	}
	fix := func(o map[string]json.RawMessage) {
		lit := next()
		for _, k := range []string{"assetName", "name"} {
			if _, ok := o[k]; ok {
				o[k] = lit
			}
		}
	}
	if raw, ok := top["items"]; ok {
		var items []map[string]json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return nil, false
		}
		for _, it := range items {
			fix(it)
		}
		b, err := json.Marshal(items)
		if err != nil {
			return nil, false
		}
		top["items"] = b
	} else {
		fix(top)
	}
	out, err := json.Marshal(top)
	return out, err == nil
}

// hugeTotal is what a huge-total list declares.
const hugeTotal = 1_000_000

func (s *Server) serveHugeTotal(w http.ResponseWriter, r *http.Request, apply applyFunc) {
	rec := record(apply, r)
	var p struct {
		Offset int               `json:"offset"`
		Limit  int               `json:"limit"`
		Items  []json.RawMessage `json:"items"`
	}
	if rec.Code/100 != 2 || json.Unmarshal(rec.Body.Bytes(), &p) != nil {
		copyRecorded(w, rec, rec.Body.Bytes())
		return
	}
	if len(p.Items) == 0 {
		// Past the real items: a synthetic one (endless's), so the
		// listing never runs out before its declared total.
		syn := record(func(w http.ResponseWriter, r *http.Request) { s.serveEndless(w, r, apply) }, r)
		var sp struct {
			Items []json.RawMessage `json:"items"`
		}
		if json.Unmarshal(syn.Body.Bytes(), &sp) != nil || len(sp.Items) == 0 {
			copyRecorded(w, rec, rec.Body.Bytes())
			return
		}
		p.Items = sp.Items
	}
	writeJSON(w, http.StatusOK, struct {
		Total  int               `json:"total"`
		Offset int               `json:"offset"`
		Limit  int               `json:"limit"`
		Items  []json.RawMessage `json:"items"`
	}{hugeTotal, p.Offset, p.Limit, p.Items[:1]})
}

// serveDrip writes the real answer one byte per d, flushing each, and
// stops when the client leaves.
func serveDrip(w http.ResponseWriter, r *http.Request, d time.Duration, apply applyFunc) {
	rec := record(apply, r)
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.Code)
	rc := http.NewResponseController(w)
	for _, c := range bytes.Clone(rec.Body.Bytes()) {
		if !sleep(r.Context(), d) {
			return
		}
		if _, err := w.Write([]byte{c}); err != nil {
			return
		}
		_ = rc.Flush()
	}
}
