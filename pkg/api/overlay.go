package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
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

// checkNames checks one map of modeled -> server names: known keys,
// non-empty where needed, no server name used twice (an entry left out
// keeps its modeled name, which counts too).
func checkNames(section string, modeled []string, m map[string]string, needed []string) error {
	used := map[string]string{}
	for _, k := range modeled {
		v, set := m[k]
		if !set {
			v = k
		}
		if v == "" {
			if set && slices.Contains(needed, k) {
				return &OverlayError{Key: section + "." + k, Reason: "is left without a server name, but pamctl decides with it", Fix: "name the server's " + k + ", or remove the entry to keep " + k}
			}
			continue
		}
		if err := checkName(section+"."+k, v); err != nil {
			return err
		}
		if other, dup := used[v]; dup {
			return &OverlayError{Key: section + "." + k, Reason: fmt.Sprintf("maps to %q, as %s.%s does: two pamctl names cannot read one server name", v, section, other), Fix: "give each its own server name"}
		}
		used[v] = k
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(modeled, k) {
			return &OverlayError{Key: section + "." + k, Reason: "is not a name pamctl uses", Fix: "use one of " + strings.Join(modeled, ", ")}
		}
	}
	return nil
}

// checkValues checks a map whose keys are open (channel names).
func checkValues(section string, m map[string]string) error {
	used := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		if err := checkName(section+"."+k, k); err != nil {
			return err
		}
		if err := checkName(section+"."+k, v); err != nil {
			return err
		}
		if other, dup := used[v]; dup {
			return &OverlayError{Key: section + "." + k, Reason: fmt.Sprintf("maps to %q, as %s.%s does", v, section, other), Fix: "give each its own server spelling"}
		}
		used[v] = k
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if other, ok := used[k]; ok && other != k && m[k] != k {
			return &OverlayError{Key: section + "." + k, Reason: fmt.Sprintf("is also the server's spelling of %s: the mapping would be read two ways", other), Fix: "map each channel to a spelling no other one has"}
		}
	}
	return nil
}

func checkName(key, v string) error {
	if v == "" || len(v) > 128 || strings.ContainsFunc(v, func(r rune) bool { return r < 0x21 || r == 0x7f || r > 0x7e }) {
		return &OverlayError{Key: key, Reason: fmt.Sprintf("%q is not a usable name (printable ASCII, no spaces, at most 128)", excerpt(v, 40)), Fix: "write the server's name as its document spells it"}
	}
	return nil
}

// checkRoute checks one endpoint's method and path template: a path that
// names one object has exactly one {id}, others none; reads stay GET.
func checkRoute(ep Endpoint, r EndpointOverlay) error {
	key := "endpoints." + ep.ID
	if r.Method != "" {
		m := strings.ToUpper(r.Method)
		switch {
		case ep.Method == http.MethodGet && m != http.MethodGet:
			return &OverlayError{Key: key + ".method", Reason: fmt.Sprintf("%s is a read; pamctl sends it only as GET (it retries reads)", ep.ID), Fix: "remove the method, or ask the maintainers if the server reads with " + m}
		case ep.Method != http.MethodGet && !slices.Contains([]string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}, m):
			return &OverlayError{Key: key + ".method", Reason: fmt.Sprintf("%q is not a method that changes state", r.Method), Fix: "use POST, PUT, PATCH or DELETE"}
		}
	}
	if r.Path == "" {
		return nil
	}
	p := r.Path
	wantID := strings.Contains(ep.Path, "{id}")
	switch {
	case !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "?#% \t") || strings.Contains(p, "//"):
		return &OverlayError{Key: key + ".path", Reason: fmt.Sprintf("%q is not a path template", excerpt(p, 80)), Fix: "write the path under the site's API base, starting with /, e.g. /api/sessions/{id}"}
	case slices.ContainsFunc(strings.Split(p, "/"), func(s string) bool { return s == "." || s == ".." }):
		return &OverlayError{Key: key + ".path", Reason: "holds a dot segment", Fix: "write the path without . or .."}
	case !strings.HasPrefix(p, "/api/"):
		return &OverlayError{Key: key + ".path", Reason: fmt.Sprintf("%q is not under /api/", excerpt(p, 80)), Fix: "write the path under the site's API base, starting with /api/"}
	case wantID && strings.Count(p, "{id}") != 1:
		return &OverlayError{Key: key + ".path", Reason: fmt.Sprintf("%q must hold {id} exactly once: %s names one object", excerpt(p, 80), ep.ID), Fix: "put {id} where the server expects the ID, e.g. /api/sessions/{id}"}
	case !wantID && strings.Contains(p, "{id}"):
		return &OverlayError{Key: key + ".path", Reason: fmt.Sprintf("%q holds {id}, but %s names no object", excerpt(p, 80), ep.ID), Fix: "remove {id}"}
	case strings.Count(p, "{") != strings.Count(p, "{id}"):
		return &OverlayError{Key: key + ".path", Reason: fmt.Sprintf("%q holds a path parameter other than {id}", excerpt(p, 80)), Fix: "pamctl fills only {id}"}
	}
	return nil
}

// CheckStates refuses a state mapped to a value that allowed (the values
// the server's document allows for the state field) does not hold. An
// empty allowed list checks nothing.
func (o *Overlay) CheckStates(allowed []string) error {
	if len(allowed) == 0 {
		return nil
	}
	for _, k := range []string{StateActive, StateCompleted} {
		v := k
		if s, ok := o.States[k]; ok {
			v = s
		}
		if !slices.Contains(allowed, v) {
			return &OverlayError{Key: "states." + k, Reason: fmt.Sprintf("maps to %q, which the server's document does not allow (it allows %s)", v, strings.Join(allowed, ", ")), Fix: "map " + k + " to one of those"}
		}
	}
	return nil
}

// NeededField reports a field of answer type typ (Session, Asset, ...)
// that a selector, an identity check or a decision reads.
func NeededField(typ, field string) bool { return slices.Contains(neededFields[typ], field) }
