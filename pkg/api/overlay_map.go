package api

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/url"
	"reflect"
	"strings"
)

// The overlay applied at the client's boundary. Outbound, a request built
// with the modeled path and query names goes out with the server's;
// inbound, an answer's keys and state and channel values are renamed to
// the modeled ones before the strict decoding and every check of
// paging.go and sessions.go run, so those checks apply to the mapped names
// exactly as to the modeled ones. Nothing here reads an overlay value from
// a server's answer.

// contractMap is an Overlay ready to apply. The zero value (nil overlay)
// maps nothing.
type contractMap struct {
	o         *Overlay
	digest    string
	endpoints []Endpoint
	statesIn  map[string]string // server -> modeled
	channelIn map[string]string
}

func newContractMap(o *Overlay) *contractMap {
	m := &contractMap{}
	if o.Empty() {
		return m
	}
	m.o, m.digest, m.endpoints = o, o.Digest(), Endpoints()
	m.statesIn, m.channelIn = invert(o.States), invert(o.Channels)
	return m
}

func invert(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[v] = k
	}
	return out
}

// active reports an overlay that changes something.
func (m *contractMap) active() bool { return m != nil && m.o != nil }

// match finds the modeled endpoint a modeled path belongs to, and the ID
// in it. The contract's templates tell each other apart by path alone.
func (m *contractMap) match(path string) (*Endpoint, string) {
	for i := range m.endpoints {
		ep := &m.endpoints[i]
		before, after, hasID := strings.Cut(ep.Path, "{id}")
		if !hasID {
			if path == ep.Path {
				return ep, ""
			}
			continue
		}
		if len(path) > len(before)+len(after) && strings.HasPrefix(path, before) && strings.HasSuffix(path, after) {
			if id := path[len(before) : len(path)-len(after)]; !strings.Contains(id, "/") {
				return ep, id
			}
		}
	}
	return nil, ""
}

// wire turns a modeled request into the server's: method, path, query.
// ep is the modeled endpoint (nil when the path is none of the contract's:
// then nothing is mapped).
func (m *contractMap) wire(method, path string, q url.Values) (string, string, url.Values, *Endpoint) {
	if !m.active() {
		return method, path, q, nil
	}
	ep, id := m.match(path)
	if ep == nil {
		return method, path, q, nil
	}
	if r, ok := m.o.Endpoints[ep.ID]; ok {
		if r.Method != "" {
			method = strings.ToUpper(r.Method)
		}
		if r.Path != "" {
			path = strings.Replace(r.Path, "{id}", id, 1) // id is already path-escaped
		}
	}
	if len(q) == 0 {
		return method, path, q, ep
	}
	out := url.Values{}
	for k, vs := range q {
		name := k
		if s, ok := m.o.Query[k]; ok {
			name = s
		}
		if name == "" {
			continue
		}
		vs = append([]string(nil), vs...)
		for i, v := range vs {
			switch k {
			case qState:
				vs[i] = mapValue(m.o.States, v)
			case qChannel:
				vs[i] = mapValue(m.o.Channels, v)
			}
		}
		out[name] = vs
	}
	return method, path, out, ep
}

func mapValue(m map[string]string, v string) string {
	if s, ok := m[v]; ok {
		return s
	}
	return v
}

// answer renames a 2xx JSON answer of ep to the modeled names. What it
// cannot read (not an object where one belongs) is left as it came, for
// the strict decoding to refuse with the server's own words.
func (m *contractMap) answer(ep *Endpoint, data []byte) []byte {
	if !m.active() || ep == nil {
		return data
	}
	return m.translate(ep, data, false)
}

// translate renames an answer of ep: to the modeled names, or (toServer)
// from them to the server's (pamsim's shapes serve the site that way).
func (m *contractMap) translate(ep *Endpoint, data []byte, toServer bool) []byte {
	t := reflect.TypeOf(ep.Response)
	if elem, ok := PageElem(t); ok {
		return m.page(elem, data, toServer)
	}
	return m.object(t, data, toServer)
}

func (m *contractMap) page(elem reflect.Type, data []byte, toServer bool) []byte {
	var in map[string]json.RawMessage
	if json.Unmarshal(data, &in) != nil {
		return data
	}
	itemsKey, totalKey := orName(m.o.Envelope.Items, "items"), orName(m.o.Envelope.Total, "total")
	outItems, outTotal := "items", "total"
	if toServer {
		itemsKey, totalKey, outItems, outTotal = outItems, outTotal, itemsKey, totalKey
	}
	items, ok := in[itemsKey]
	if !ok {
		return data
	}
	out := map[string]json.RawMessage{}
	if total, ok := in[totalKey]; ok {
		out[outTotal] = total
	}
	if toServer {
		for _, k := range []string{"offset", "limit"} {
			if v, ok := in[k]; ok && k != outItems && k != outTotal {
				out[k] = v
			}
		}
	}
	var list []json.RawMessage
	if json.Unmarshal(items, &list) == nil && list != nil {
		for i := range list {
			list[i] = m.object(elem, list[i], toServer)
		}
		b, err := json.Marshal(list)
		if err != nil {
			return data
		}
		items = b
	}
	out[outItems] = items
	b, err := json.Marshal(out)
	if err != nil {
		return data
	}
	return b
}

func orName(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// object renames the fields of one answer object of struct type t.
func (m *contractMap) object(t reflect.Type, data []byte, toServer bool) []byte {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return data
	}
	var in map[string]json.RawMessage
	if json.Unmarshal(trimmed, &in) != nil {
		return data
	}
	names := m.o.Fields[TypeName(t)]
	out := make(map[string]json.RawMessage, len(in))
	for _, f := range Fields(t) {
		srv := f.JSON
		if s, ok := names[f.JSON]; ok {
			srv = s
		}
		from, to := srv, f.JSON
		states, channels := m.statesIn, m.channelIn
		if toServer {
			from, to = to, from
			states, channels = m.o.States, m.o.Channels
		}
		v, ok := in[from]
		if !ok || srv == "" {
			continue
		}
		switch {
		case f.Kind == KindObject:
			v = m.object(f.Elem, v, toServer)
		case f.Kind == KindObjects:
			v = m.objects(f.Elem, v, toServer)
		case t == reflect.TypeFor[Session]() && f.JSON == "state":
			v = renameString(v, states)
		case t == reflect.TypeFor[Session]() && f.JSON == "channels":
			v = renameStrings(v, channels)
		}
		out[to] = v
	}
	b, err := json.Marshal(out)
	if err != nil {
		return data
	}
	return b
}

func (m *contractMap) objects(t reflect.Type, data []byte, toServer bool) []byte {
	var list []json.RawMessage
	if json.Unmarshal(data, &list) != nil || list == nil {
		return data
	}
	for i := range list {
		list[i] = m.object(t, list[i], toServer)
	}
	b, err := json.Marshal(list)
	if err != nil {
		return data
	}
	return b
}

func renameString(v json.RawMessage, in map[string]string) json.RawMessage {
	var s string
	if json.Unmarshal(v, &s) != nil {
		return v
	}
	if to, ok := in[s]; ok {
		b, _ := json.Marshal(to)
		return b
	}
	return v
}

func renameStrings(v json.RawMessage, in map[string]string) json.RawMessage {
	var list []string
	if len(in) == 0 || json.Unmarshal(v, &list) != nil || list == nil {
		return v
	}
	for i, s := range list {
		list[i] = mapValue(in, s)
	}
	b, _ := json.Marshal(list)
	return b
}

// Contract is the overlay the client maps with (nil when none).
func (c *Client) Contract() *Overlay {
	if c.contract == nil || c.contract.o == nil {
		return nil
	}
	o := *c.contract.o
	o.Endpoints = maps.Clone(o.Endpoints)
	return &o
}

// ContractDigest is the overlay's digest ("" when the client uses the
// modeled contract as it is): the journal and doctor's report carry it.
func (c *Client) ContractDigest() string {
	if c.contract == nil {
		return ""
	}
	return c.contract.digest
}

// ServerPath is the path the server is sent for a modeled endpoint's
// template (e.g. for `pamctl api` hints): the overlay's, else the modeled.
func (c *Client) ServerPath(ep Endpoint) (method, path string) {
	if c.contract.active() {
		if r, ok := c.contract.o.Endpoints[ep.ID]; ok {
			return orName(strings.ToUpper(r.Method), ep.Method), orName(r.Path, ep.Path)
		}
	}
	return ep.Method, ep.Path
}
