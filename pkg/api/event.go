package api

import (
	"bytes"
	"encoding/json"
)

// eventNulls records which of an Event's text fields the server sent as
// null. Commands read the fields as strings (null reads as "", which a
// table shows as "-"); -o json writes null back, so machine output keeps
// the server's null instead of inventing an empty string. A bit set, not a
// nullable type per field, keeps every reader of Event unchanged.
type eventNulls uint8

const (
	nullLevel eventNulls = 1 << iota
	nullCategory
	nullEvent
	nullMessage
	nullUser
	nullAssetID
	nullAssetName
	nullSessionID
)

// eventWire is Event on the wire: the same fields, names and order (a test
// holds them in step), with the text fields nullable.
type eventWire struct {
	ID        string       `json:"id"`
	Created   Time         `json:"created"`
	Level     nullableText `json:"level"`
	Category  nullableText `json:"category"`
	Event     nullableText `json:"event"`
	Message   nullableText `json:"message"`
	User      nullableText `json:"user"`
	AssetID   nullableText `json:"assetId"`
	AssetName nullableText `json:"assetName"`
	SessionID nullableText `json:"sessionId"`
}

// UnmarshalJSON decodes an Events Report item, noting the null fields.
func (e *Event) UnmarshalJSON(b []byte) error {
	var w eventWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*e = Event{ID: w.ID, Created: w.Created}
	e.Level = w.Level.get(&e.nulls, nullLevel)
	e.Category = w.Category.get(&e.nulls, nullCategory)
	e.Event = w.Event.get(&e.nulls, nullEvent)
	e.Message = w.Message.get(&e.nulls, nullMessage)
	e.User = w.User.get(&e.nulls, nullUser)
	e.AssetID = w.AssetID.get(&e.nulls, nullAssetID)
	e.AssetName = w.AssetName.get(&e.nulls, nullAssetName)
	e.SessionID = w.SessionID.get(&e.nulls, nullSessionID)
	return nil
}

// MarshalJSON writes null for a field the server sent as null and that
// still reads "" (a field set since is written as set).
func (e Event) MarshalJSON() ([]byte, error) {
	w := eventWire{
		ID:        e.ID,
		Created:   e.Created,
		Level:     e.put(e.Level, nullLevel),
		Category:  e.put(e.Category, nullCategory),
		Event:     e.put(e.Event, nullEvent),
		Message:   e.put(e.Message, nullMessage),
		User:      e.put(e.User, nullUser),
		AssetID:   e.put(e.AssetID, nullAssetID),
		AssetName: e.put(e.AssetName, nullAssetName),
		SessionID: e.put(e.SessionID, nullSessionID),
	}
	return marshalNoEscape(w)
}

func (e *Event) put(s string, bit eventNulls) nullableText {
	return nullableText{s: s, null: s == "" && e.nulls&bit != 0}
}

// nullableText is a JSON string that may be null.
type nullableText struct {
	s    string
	null bool
}

func (n *nullableText) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = nullableText{null: true}
		return nil
	}
	n.null = false
	return json.Unmarshal(b, &n.s)
}

func (n nullableText) MarshalJSON() ([]byte, error) {
	if n.null {
		return []byte("null"), nil
	}
	return marshalNoEscape(n.s)
}

func (n nullableText) get(nulls *eventNulls, bit eventNulls) string {
	if n.null {
		*nulls |= bit
	}
	return n.s
}

// marshalNoEscape encodes v without escaping &, < and >: the encoder that
// calls a MarshalJSON applies its own caller's choice to the result, so the
// choice stays the caller's.
func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
