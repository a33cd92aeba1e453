package api

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode"
)

// FuzzDecodeSession feeds arbitrary bytes to the response decoder: it must
// never panic, and an error must be one of the typed, one-line errors.
func FuzzDecodeSession(f *testing.F) {
	seeds := []string{
		`{"id":"0c6f1f0e-3c1b-4c53-9d1e-1f0b7c8e2a11","assetId":"a","assetName":"db-prod-01","user":"bwilliams","created":"2026-11-26T09:15:02Z","updated":1795684502000,"completed":null,"state":"Active","channels":["SSH"]}`,
		`{"total":1,"offset":0,"limit":100,"items":[{"id":"x","channels":null}]}`,
		`{"id":"x","created":"yesterday"}`,
		`{"id":"x","created":1e308}`,
		`<!DOCTYPE html><html>`,
		`{"id":"x"`,
		``,
		`null`,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var s Session
		err := decodeJSON("GET", "https://h/api/session/x", "application/json", []byte(body), &s)
		checkErr(t, err)
		var p page[Session]
		checkErr(t, decodeJSON("GET", "https://h/api/session/list", "", []byte(body), &p))
		var e page[Event]
		checkErr(t, decodeJSON("GET", "https://h/api/event/list", "", []byte(body), &e))
		if err == nil {
			// What decoded must encode again: machine output never fails.
			if _, merr := json.Marshal(s); merr != nil {
				t.Fatalf("decoded session does not re-encode: %v", merr)
			}
		}
	})
}

// FuzzErrorBody checks the description of a non-2xx body: one line, inert.
func FuzzErrorBody(f *testing.F) {
	for _, s := range []string{`{"message":"no"}`, `<html>login</html>`, ``, "x\x1b[2Jy", `{"message":"a\u001b[31mb"}`, "\xff"} {
		f.Add("application/json", s)
	}
	f.Fuzz(func(t *testing.T, ct, body string) {
		msg, _ := describeBody(ct, []byte(body))
		if strings.ContainsFunc(msg, func(r rune) bool { return unicode.IsControl(r) }) {
			t.Fatalf("describeBody(%q) = %q carries a control character", body, msg)
		}
		if len(msg) > 1200 {
			t.Fatalf("describeBody message is %d bytes", len(msg))
		}
	})
}

// FuzzTime checks the timestamp decoder never panics and round-trips.
func FuzzTime(f *testing.F) {
	for _, s := range []string{`"2026-11-26T09:15:02Z"`, `1795684502000`, `null`, `""`, `"1795684502000"`, `-1`, `1e15`, `"2026-13-40T99:99:99Z"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var tm Time
		if err := json.Unmarshal([]byte(in), &tm); err != nil {
			return
		}
		b, err := json.Marshal(tm)
		if err != nil {
			t.Fatalf("Time from %q does not re-encode: %v", in, err)
		}
		var back Time
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("re-encoded %s does not decode: %v", b, err)
		}
		if !back.Truncate(1e9).Equal(tm.Truncate(1e9)) {
			t.Fatalf("round trip %q: %v != %v", in, back, tm)
		}
	})
}

// FuzzValidateID checks that whatever ValidateID accepts is one clean path
// segment.
func FuzzValidateID(f *testing.F) {
	for _, s := range []string{"0c6f1f0e-3c1b-4c53-9d1e-1f0b7c8e2a11", "../x", "a/b", "%2f", "a b", "a\nb", "\xff", "a\u202eb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if ValidateID("session", id) != nil {
			return
		}
		p := sessionPath(id)
		if strings.Count(p, "/") != strings.Count(pathSession, "/") {
			t.Fatalf("accepted ID %q escapes its path segment: %s", id, p)
		}
		if strings.Contains(id, "..") || strings.ContainsFunc(id, unicode.IsSpace) {
			t.Fatalf("accepted ID %q", id)
		}
	})
}

func checkErr(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var re *ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("decode error is %T, not *ResponseError: %v", err, err)
	}
	if strings.ContainsAny(err.Error(), "\n\r\x1b") {
		t.Fatalf("decode error is not one inert line: %q", err.Error())
	}
}
