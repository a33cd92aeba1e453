package api

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEventNullRoundTrips: a null the server sent is "" to the commands and
// null again in -o json; "" stays "", and an absent field is "".
func TestEventNullRoundTrips(t *testing.T) {
	in := `{"id":"e1","created":"2026-11-26T09:42:10Z","level":"Information","category":null,"event":"Login","message":"","user":null,"assetId":null,"assetName":null,"sessionId":null}`
	var e Event
	require.NoError(t, json.Unmarshal([]byte(in), &e))
	assert.Equal(t, "", e.User, "null reads as an empty string")
	assert.Equal(t, "", e.AssetName)
	assert.Equal(t, "Login", e.Event)

	out, err := json.Marshal(e)
	require.NoError(t, err)
	assert.JSONEq(t, in, string(out))
	assert.Equal(t, in, string(out), "same fields, same order")

	var again Event
	require.NoError(t, json.Unmarshal(out, &again))
	assert.Equal(t, e, again)

	// A field set after decoding is written as set.
	e.User = "jdoe"
	out, err = json.Marshal(e)
	require.NoError(t, err)
	assert.Contains(t, string(out), `"user":"jdoe"`)
	assert.Contains(t, string(out), `"assetId":null`)

	// Absent is not null: it reads "" and is written "".
	var absent Event
	require.NoError(t, json.Unmarshal([]byte(`{"id":"e2","created":null}`), &absent))
	out, err = json.Marshal(absent)
	require.NoError(t, err)
	assert.Equal(t, `{"id":"e2","created":null,"level":"","category":"","event":"","message":"","user":"","assetId":"","assetName":"","sessionId":""}`, string(out))
}

// TestEventWireMirrorsEvent keeps eventWire in step with Event: the same
// exported fields, JSON names and order, so -o json of an event is what
// it was before null was kept.
func TestEventWireMirrorsEvent(t *testing.T) {
	names := func(typ reflect.Type) []string {
		var out []string
		for f := range typ.Fields() {
			if f.IsExported() {
				out = append(out, f.Name+" "+f.Tag.Get("json"))
			}
		}
		return out
	}
	assert.Equal(t, names(reflect.TypeFor[Event]()), names(reflect.TypeFor[eventWire]()))
}

// TestEventHTMLEscapingIsTheCallers: pamctl's encoder (no HTML escaping)
// prints "R&D <x>" as it came; json.Marshal still escapes.
func TestEventHTMLEscapingIsTheCallers(t *testing.T) {
	e := Event{ID: "e", AssetName: "R&D <x>"}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(e))
	assert.Contains(t, buf.String(), `"assetName":"R&D <x>"`)
	b, err := json.Marshal(e)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"assetName":"R\u0026D \u003cx\u003e"`)
}

// TestEventTypeErrorNamesTheField: a wrong JSON type is still reported
// with the field's path.
func TestEventTypeErrorNamesTheField(t *testing.T) {
	var p page[Event]
	err := decodeJSON("GET", "https://h/api/event/list", "", []byte(`{"total":1,"items":[{"id":"e","user":5}]}`), &p)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `field "items.user" has a JSON number where the contract has string`)
}
