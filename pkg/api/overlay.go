package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// A contract overlay says how one site's API differs from the modeled
// contract of contract.go: each endpoint's method and path template, the
// query parameter names, the page envelope's keys, the answer fields'
// names, the spelling of state and channel values. Everything it does not
// name stays as modeled. It is data the operator trusts (read only from the
// operator's profile or file, never from a server's answer), so it is
// checked whole when loaded. docs/contract-overlay.md documents every key.

// Overlay is a contract overlay as the operator wrote it. Every map goes
// from pamctl's modeled name to the server's.
type Overlay struct {
	// Endpoints, by operation ID (listSessions, terminateSession, ...).
	Endpoints map[string]EndpointOverlay `yaml:"endpoints,omitempty" json:"endpoints,omitempty"`
	// Query: modeled query parameter name -> the server's.
	Query map[string]string `yaml:"query,omitempty" json:"query,omitempty"`
	// Envelope: the page envelope's keys.
	Envelope EnvelopeOverlay `yaml:"envelope,omitempty" json:"envelope,omitzero"`
	// Fields: answer type (Session, Asset, Event, SessionEvent, UserContext,
	// UserRef, SpaceRef) -> modeled field name -> the server's.
	Fields map[string]map[string]string `yaml:"fields,omitempty" json:"fields,omitempty"`
	// States: modeled state value (Active, Completed) -> the server's.
	States map[string]string `yaml:"states,omitempty" json:"states,omitempty"`
	// Channels: modeled channel name (RDPP, SSHP, or any web channel such
	// as SSH) -> the server's spelling. The native-only rule applies to the
	// modeled names, so a native channel the server spells otherwise is
	// named here.
	Channels map[string]string `yaml:"channels,omitempty" json:"channels,omitempty"`
}

// EndpointOverlay is one endpoint's method and path template on the server.
type EndpointOverlay struct {
	Method string `yaml:"method,omitempty" json:"method,omitempty"`
	Path   string `yaml:"path,omitempty" json:"path,omitempty"`
}

// EnvelopeOverlay names the page envelope's item and total keys.
type EnvelopeOverlay struct {
	Items string `yaml:"items,omitempty" json:"items,omitempty"`
	Total string `yaml:"total,omitempty" json:"total,omitempty"`
}

// OverlayError is an overlay refused when loaded: Key names what is
// wrong (endpoints.getSession.path), Fix what to do.
type OverlayError struct {
	Source string // the profile or file it came from
	Key    string
	Reason string
	Fix    string
}

func (e *OverlayError) Error() string {
	var b strings.Builder
	b.WriteString("contract overlay")
	if e.Source != "" {
		b.WriteString(" (" + e.Source + ")")
	}
	if e.Key != "" {
		b.WriteString(": " + e.Key)
	}
	b.WriteString(": " + e.Reason)
	if e.Fix != "" {
		b.WriteString("; " + e.Fix)
	}
	return b.String()
}

// ParseOverlay reads an overlay written in YAML (or JSON) and checks it
// (Validate). An unknown key is refused, with its line.
func ParseOverlay(data []byte, source string) (*Overlay, error) {
	var o Overlay
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&o); err != nil && !errors.Is(err, io.EOF) {
		reason := strings.TrimPrefix(err.Error(), "yaml: ")
		fix := "write the overlay as YAML with only the keys docs/contract-overlay.md lists"
		key := ""
		if i := strings.Index(reason, "field "); i >= 0 && strings.Contains(reason, "not found in type") {
			key = strings.Fields(reason[i+len("field "):])[0]
			reason = strings.Replace(reason, " in type api.", " in ", 1)
			fix = "remove or correct it: docs/contract-overlay.md lists every key"
		}
		return nil, &OverlayError{Source: source, Key: key, Reason: "not a valid overlay: " + excerpt(reason, 200), Fix: fix}
	}
	if err := o.Validate(); err != nil {
		var oe *OverlayError
		if errors.As(err, &oe) {
			oe.Source = source
		}
		return nil, err
	}
	o.normalize()
	return &o, nil
}

// normalize drops what changes nothing (a name mapped to itself, the
// modeled method) and spells methods in upper case, so two overlays that
// say the same thing are equal and share a digest.
func (o *Overlay) normalize() {
	for _, ep := range Endpoints() {
		r, ok := o.Endpoints[ep.ID]
		if !ok {
			continue
		}
		if r.Method = strings.ToUpper(r.Method); r.Method == ep.Method {
			r.Method = ""
		}
		if r.Path == ep.Path {
			r.Path = ""
		}
		if r == (EndpointOverlay{}) {
			delete(o.Endpoints, ep.ID)
		} else {
			o.Endpoints[ep.ID] = r
		}
	}
	same := func(m map[string]string) map[string]string {
		maps.DeleteFunc(m, func(k, v string) bool { return k == v })
		if len(m) == 0 {
			return nil
		}
		return m
	}
	o.Query, o.States, o.Channels = same(o.Query), same(o.States), same(o.Channels)
	for t, m := range o.Fields {
		if same(m) == nil {
			delete(o.Fields, t)
		}
	}
	if len(o.Fields) == 0 {
		o.Fields = nil
	}
	if len(o.Endpoints) == 0 {
		o.Endpoints = nil
	}
	if o.Envelope.Items == "items" {
		o.Envelope.Items = ""
	}
	if o.Envelope.Total == "total" {
		o.Envelope.Total = ""
	}
}

// Empty reports an overlay that changes nothing.
func (o *Overlay) Empty() bool {
	return o == nil || len(o.Endpoints) == 0 && len(o.Query) == 0 && o.Envelope == (EnvelopeOverlay{}) &&
		len(o.Fields) == 0 && len(o.States) == 0 && len(o.Channels) == 0
}

// Digest is "sha256:" and the hex SHA-256 of the overlay's canonical form
// (JSON, keys sorted, no entry that changes nothing): two files that say
// the same thing have one digest. An empty overlay's digest is "".
func (o *Overlay) Digest() string {
	if o.Empty() {
		return ""
	}
	b, _ := json.Marshal(o) // maps marshal with sorted keys
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// YAML is the overlay as the profile stores it.
func (o *Overlay) YAML() ([]byte, error) { return yaml.Marshal(o) }

// answerTypes are the answer types whose fields an overlay may rename,
// by the name docs/contract-overlay.md uses (the schema names of
// docs/openapi.json).
func answerTypes() map[string]reflect.Type {
	return map[string]reflect.Type{
		"Session": reflect.TypeFor[Session](), "Asset": reflect.TypeFor[Asset](), "Event": reflect.TypeFor[Event](),
		"SessionEvent": reflect.TypeFor[SessionEvent](), "UserContext": reflect.TypeFor[UserContext](),
		"UserRef": reflect.TypeFor[UserRef](), "SpaceRef": reflect.TypeFor[SpaceRef](),
	}
}

// neededFields are the fields a selector, an identity check or a decision
// reads: an overlay may not leave them without a server name ("").
var neededFields = map[string][]string{
	"Session":     {"id", "assetId", "assetName", "user", "state", "channels", "created"},
	"Asset":       {"id", "name"},
	"Event":       {"id", "event", "message", "sessionId", "created"},
	"UserContext": {"user", "space", "roles"},
	"UserRef":     {"name"},
	"SpaceRef":    {"rid"},
}

// modeledQuery lists every query parameter name pamctl sends.
func modeledQuery() []string {
	return []string{qState, qAsset, qUser, qChannel, qFrom, qTo, qSort, qOrder, qOffset, qLimit, qName, qParent, qEvent, qCategory}
}

// Validate checks the overlay whole: every key known, no two modeled names
// on one server name, nothing a decision needs left unmapped, every path
// template well formed. The first problem is returned as *OverlayError.
func (o *Overlay) Validate() error {
	eps := map[string]Endpoint{}
	for _, ep := range Endpoints() {
		eps[ep.ID] = ep
	}
	for _, id := range slices.Sorted(maps.Keys(o.Endpoints)) {
		ep, ok := eps[id]
		if !ok {
			return &OverlayError{Key: "endpoints." + id, Reason: "no such endpoint", Fix: "use one of " + strings.Join(slices.Sorted(maps.Keys(eps)), ", ")}
		}
		if err := checkRoute(ep, o.Endpoints[id]); err != nil {
			return err
		}
	}
	if err := checkNames("query", modeledQuery(), o.Query, nil); err != nil {
		return err
	}
	env := map[string]string{}
	if o.Envelope.Items != "" {
		env["items"] = o.Envelope.Items
	}
	if o.Envelope.Total != "" {
		env["total"] = o.Envelope.Total
	}
	if err := checkNames("envelope", []string{"items", "total"}, env, nil); err != nil {
		return err
	}
	types := answerTypes()
	for _, tn := range slices.Sorted(maps.Keys(o.Fields)) {
		t, ok := types[tn]
		if !ok {
			return &OverlayError{Key: "fields." + tn, Reason: "no such answer type", Fix: "use one of " + strings.Join(slices.Sorted(maps.Keys(types)), ", ")}
		}
		var names []string
		for _, f := range Fields(t) {
			names = append(names, f.JSON)
		}
		if err := checkNames("fields."+tn, names, o.Fields[tn], neededFields[tn]); err != nil {
			return err
		}
	}
	if err := checkNames("states", []string{StateActive, StateCompleted}, o.States, []string{StateActive, StateCompleted}); err != nil {
		return err
	}
	return checkValues("channels", o.Channels)
}

// NeededField reports a field of answer type typ (Session, Asset, ...)
// that a selector, an identity check or a decision reads.
func NeededField(typ, field string) bool { return slices.Contains(neededFields[typ], field) }
