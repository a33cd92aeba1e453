package api

import (
	"net/url"
	"strings"
)

// ServedAs is what a server of the overlay's shape receives and answers,
// for a simulator that serves the modeled site under that shape (pamsim
// --shape). It is the overlay read the other way.
type ServedAs struct{ m *contractMap }

// Served prepares o to be served the other way round.
func (o *Overlay) Served() *ServedAs { return &ServedAs{m: newContractMap(o)} }

// Request maps a request the server received (method, path under the API
// base as sent, query) to the modeled endpoint, its modeled path and
// query; ok is false when the path is none of the shape's.
func (s *ServedAs) Request(method, path string, q url.Values) (ep *Endpoint, modeled string, mq url.Values, ok bool) {
	m := s.m
	eps := m.endpoints
	if !m.active() {
		eps = Endpoints()
	}
	for pass := range 2 { // literal templates first
		for i := range eps {
			e := &eps[i]
			tmpl := e.Path
			if m.active() {
				if r, ok := m.o.Endpoints[e.ID]; ok && r.Path != "" {
					tmpl = r.Path
				}
			}
			before, after, hasID := strings.Cut(tmpl, "{id}")
			if hasID != (pass == 1) {
				continue
			}
			id := ""
			switch {
			case !hasID && path == tmpl:
			case hasID && len(path) > len(before)+len(after) && strings.HasPrefix(path, before) && strings.HasSuffix(path, after) &&
				!strings.Contains(path[len(before):len(path)-len(after)], "/"):
				id = path[len(before) : len(path)-len(after)]
			default:
				continue
			}
			return e, strings.Replace(e.Path, "{id}", id, 1), s.query(q), true
		}
	}
	return nil, "", nil, false
}

func (s *ServedAs) query(q url.Values) url.Values {
	if !s.m.active() {
		return q
	}
	names := invert(s.m.o.Query)
	out := url.Values{}
	for k, vs := range q {
		name := mapValue(names, k)
		if _, renamed := s.m.o.Query[k]; renamed && name == k {
			continue // the modeled name of a renamed parameter: not this shape's
		}
		vs = append([]string(nil), vs...)
		for i, v := range vs {
			switch name {
			case qState:
				vs[i] = mapValue(s.m.statesIn, v)
			case qChannel:
				vs[i] = mapValue(s.m.channelIn, v)
			}
		}
		out[name] = vs
	}
	return out
}

// Answer renames a modeled answer of ep to the shape's names.
func (s *ServedAs) Answer(ep *Endpoint, data []byte) []byte {
	if !s.m.active() || ep == nil {
		return data
	}
	return s.m.translate(ep, data, true)
}
