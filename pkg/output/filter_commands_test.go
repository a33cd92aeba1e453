package output_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/output/golden"
)

// The items of the four list commands as a server sends them (decoded by
// pkg/api, so the JSON value is exactly the one -o json prints), with the
// hostile names and the nulls pamsim's fixtures have.
const (
	sessionsJSON = `[
 {"id":"11111111-1111-4111-8111-000000000001","assetId":"22222222-2222-4222-8222-000000000001","assetName":"db-prod-01","user":"bwilliams","created":"2026-11-26T09:34:00Z","updated":"2026-11-26T09:59:00Z","completed":null,"state":"Active","channels":["SSH"]},
 {"id":"11111111-1111-4111-8111-000000000006","assetId":"22222222-2222-4222-8222-000000000008","assetName":"evil\u001b[2J\rasset\u202e","user":"mallory\u001b[31mRED\u001b]0;pwned\u0007","created":1795684502000,"updated":null,"completed":null,"state":"Active","channels":["VNC"]},
 {"id":"11111111-1111-4111-8111-000000000005","assetId":"22222222-2222-4222-8222-000000000002","assetName":"R&D <db-prod-02>","user":"asmith","created":"2026-11-26T05:00:00Z","updated":"2026-11-26T07:00:00Z","completed":"2026-11-26T07:00:00Z","state":"Completed","channels":["SSH","SSHP:SFTP"]}
]`
	assetsJSON = `[
 {"id":"22222222-2222-4222-8222-000000000001","name":"db-prod-01","type":"Database","parentId":"4d1946f9-8aa3-4e89-8b6a-fa835969fc1d"},
 {"id":"22222222-2222-4222-8222-000000000008","name":"evil\u001b[2J\rasset\u202e","type":"Linux","parentId":"4d1946f9-8aa3-4e89-8b6a-fa835969fc1d"},
 {"id":"22222222-2222-4222-8222-000000000012","name":"=cmd|' /C calc'!A0","type":"Database","parentId":"4d1946f9-8aa3-4e89-8b6a-fa835969fc1d"}
]`
	eventsJSON = `[
 {"id":"44444444-4444-4444-8444-000000000007","created":"2026-11-26T09:34:00Z","level":"Information","category":"Operation","event":"Start Session","message":"message=Session started, channel=SSH","user":"bwilliams","assetId":"22222222-2222-4222-8222-000000000001","assetName":"db-prod-01","sessionId":"11111111-1111-4111-8111-000000000001"},
 {"id":"44444444-4444-4444-8444-000000000006","created":"2026-11-26T09:00:00Z","level":"Warning","category":"Security","event":"Login Failed","message":"message=Invalid credentials, address=203.0.113.9","user":"mallory\u001b[31mRED\u001b]0;pwned\u0007","assetId":null,"assetName":null,"sessionId":null},
 {"id":"44444444-4444-4444-8444-000000000009","created":"2026-11-26T09:40:00Z","level":"Information","category":"Operation","event":"Terminate Session","message":"message=Session terminated, channel=SSH","user":null,"assetId":"22222222-2222-4222-8222-000000000001","assetName":"db-prod-01","sessionId":"11111111-1111-4111-8111-000000000001"}
]`
	sessionEventsJSON = `[
 {"start":"2026-11-26T09:34:00Z","finish":"2026-11-26T09:34:01Z","type":"Start Session","details":"channel=SSH"},
 {"start":"2026-11-26T09:40:00Z","finish":null,"type":"Terminate Session","details":"by admin <root>"}
]`
)

func decode[T any](t *testing.T, s string) []T {
	t.Helper()
	var v []T
	require.NoError(t, json.Unmarshal([]byte(s), &v))
	return v
}

// filterCase runs the --jq and --template a user would write for one list
// command and compares with golden files.
type filterCase struct {
	cmd       string
	jq        string
	template  string
	printList func(*bytes.Buffer, output.Options) error
}

func listOf[T any](items []T) func(*bytes.Buffer, output.Options) error {
	return func(b *bytes.Buffer, o output.Options) error {
		// The columns play no part in --jq and --template.
		return output.PrintList[T](b, o, items, nil)
	}
}

// TestFilterListCommands: --jq and --template on the items of sessions
// list, assets list, events list and sessions events, the JSON field names
// of docs/api-contract.md, hostile text inert, nulls as null.
func TestFilterListCommands(t *testing.T) {
	cases := []filterCase{
		{cmd: "sessions_list", printList: listOf(decode[api.Session](t, sessionsJSON)),
			jq:       `.[] | select(.state == "Active") | [.id, .user, .assetName, (.channels | join(",")), .completed] | @tsv`,
			template: `{{tablerow "ID" "USER" "ASSET" "AGE"}}{{range .}}{{tablerow .id .user .assetName (timeago .created)}}{{end}}`},
		{cmd: "assets_list", printList: listOf(decode[api.Asset](t, assetsJSON)),
			jq:       `map({name, type})`,
			template: `{{range .}}{{.name}} ({{.type}}){{"\n"}}{{end}}`},
		{cmd: "events_list", printList: listOf(decode[api.Event](t, eventsJSON)),
			jq:       `.[] | {event, user, assetName}`,
			template: `{{range .}}{{tablerow (timefmt "15:04" .created) .event (or .user "-") (truncate 20 .message)}}{{end}}`},
		{cmd: "sessions_events", printList: listOf(decode[api.SessionEvent](t, sessionEventsJSON)),
			jq:       `.[] | "\(.type): \(.details) (finished: \(.finish))"`,
			template: `{{range .}}{{.type}}{{if .finish}} until {{.finish}}{{end}}: {{.details}}{{"\n"}}{{end}}`},
	}
	for _, tc := range cases {
		for _, kind := range []string{"jq", "template"} {
			t.Run(tc.cmd+"_"+kind, func(t *testing.T) {
				o := output.Options{Format: output.JSON, Now: fixedNow}
				if kind == "jq" {
					o.JQ = tc.jq
				} else {
					o.Template = tc.template
				}
				var buf bytes.Buffer
				require.NoError(t, tc.printList(&buf, o))
				golden.Assert(t, buf.Bytes())
				// @tsv's tabs are the expression's; everything else is inert.
				assertInert(t, strings.ReplaceAll(buf.String(), "\t", " "))
			})
		}
	}
}

// TestEventNulls: an Events Report null is null in -o json and ndjson, null
// to --jq, and "-" in a table.
func TestEventNulls(t *testing.T) {
	evs := decode[api.Event](t, eventsJSON)
	cols := []output.Column[api.Event]{
		{Header: "EVENT", Value: func(e api.Event) any { return e.Event }},
		{Header: "USER", Value: func(e api.Event) any { return e.User }},
		{Header: "ASSET", Value: func(e api.Event) any { return e.AssetName }},
	}
	var buf bytes.Buffer
	require.NoError(t, output.PrintList(&buf, output.Options{Format: output.JSON}, evs, cols))
	var back []map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &back))
	assert.Nil(t, back[1]["assetName"])
	assert.Contains(t, back[1], "assetName", "present, and null")
	assert.Nil(t, back[2]["user"])

	buf.Reset()
	require.NoError(t, output.PrintList(&buf, output.Options{Format: output.NDJSON}, evs[2:], cols))
	assert.Contains(t, buf.String(), `"user":null`)

	buf.Reset()
	require.NoError(t, output.PrintList(&buf, output.Options{Format: output.JSON, JQ: `map(.user == null)`}, evs, cols))
	assert.Equal(t, "[false,false,true]\n", buf.String())

	buf.Reset()
	require.NoError(t, output.PrintList(&buf, output.Options{Format: output.Table}, evs, cols))
	golden.Assert(t, buf.Bytes())
}
