package pamcmd

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pamctl/pamctl/pkg/redact"
	"github.com/pamctl/pamctl/pkg/redact/redacttest"
)

const fuzzToken = "pst_pK7+q/Zr9TxWm2Lb8Vn4Hc1R=" // like pamsim's: + / and =

// fuzzCommands print server text: tables, JSON, errors, debug lines.
var fuzzCommands = [][]string{
	{"sessions", "list"},
	{"sessions", "list", "-o", "json", "--debug"},
	{"sessions", "get", "11111111-1111-4111-8111-000000000001"},
	{"sessions", "get", "11111111-1111-4111-8111-000000000001", "-o", "yaml"},
	{"auth", "status", "-o", "json"},
	{"assets", "list", "-o", "csv"},
}

// FuzzCommandsNeverLeakToken answers every request of a command with a
// JSON answer (a session, a list page, the user context) or an error body
// holding the token in a random spelling, with random text around it:
// nothing the command writes, on stdout or stderr, holds the token in any
// spelling.
func FuzzCommandsNeverLeakToken(f *testing.F) {
	f.Add(uint8(0), uint8(0), uint8(0), "db-", "-01", uint16(200))
	f.Add(uint8(5), uint8(1), uint8(2), "", "", uint16(500))
	f.Add(uint8(9), uint8(2), uint8(4), "x", "y", uint16(400))
	f.Add(uint8(13), uint8(3), uint8(1), "%", "&", uint16(200))
	names := redacttest.Names(fuzzToken)
	spellings := redacttest.Spellings(fuzzToken)
	f.Fuzz(func(t *testing.T, enc, where, cmd uint8, pre, post string, status uint16) {
		js, _ := json.Marshal(pre)
		js2, _ := json.Marshal(post)
		val := string(js[:len(js)-1]) + spellings[names[int(enc)%len(names)]] + string(js2[1:])
		item := `{"id":"11111111-1111-4111-8111-000000000001","assetId":"22222222-2222-4222-8222-000000000001","assetName":` + val +
			`,"name":` + val + `,"user":"u","state":"Active","created":"2026-11-26T09:15:02Z","updated":"2026-11-26T09:15:02Z","channels":["SSH"],"type":"Linux"}`
		page := `{"total":1,"offset":0,"limit":500,"items":[` + item + `]}`
		uc := `{"user":{"name":"admin","displayName":` + val + `},"space":{"name":"root"},"siteRoles":["Administrator"]}`
		errCode := int(status%200) + 400
		rt := fuzzTransport(func(r *http.Request) (*http.Response, error) {
			code, b := 200, item
			switch {
			case where%3 == 1:
				code, b = errCode, `{"message":`+val+`}`
			case where%3 == 2:
				code, b = errCode, val
			case strings.HasSuffix(r.URL.Path, "/list"):
				b = page
			case strings.HasSuffix(r.URL.Path, "/api/user/context"):
				b = uc
			}
			return &http.Response{StatusCode: code, Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(strings.NewReader(b)), Request: r}, nil
		})
		env := map[string]string{"PAMCTL_SERVER": "https://pam.example.com/ztna/demo/root", "PAMCTL_TOKEN": fuzzToken,
			"XDG_CONFIG_HOME": t.TempDir(), "PAMCTL_TOKEN_STORE": "file"}
		_, out, errOut := runWith(env, rt, fuzzCommands[int(cmd)%len(fuzzCommands)]...)
		check := redact.New(fuzzToken)
		for _, o := range []string{out, errOut} {
			if strings.Contains(strings.ToLower(o), strings.ToLower(fuzzToken[4:16])) || check.String(o) != o {
				t.Fatalf("%v printed the token (spelling %s, value %s):\n%s", fuzzCommands[int(cmd)%len(fuzzCommands)], names[int(enc)%len(names)], val, o)
			}
		}
	})
}

type fuzzTransport func(*http.Request) (*http.Response, error)

func (f fuzzTransport) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
