package openapi

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/pamctl/pamctl/pkg/api"
)

// A contract overlay proposed from a server's OpenAPI document: for each
// modeled endpoint the server's operation (by method, path parameters, the
// words of its path and the shape of its answer), then the query
// parameters, the page envelope, the answer fields and the state values
// found there. Only what differs from the model is proposed; every mapping
// carries its evidence, and every modeled item not found is listed.

// Mapping is one proposed overlay entry and where it came from.
type Mapping struct {
	Key      string `json:"key"` // the overlay key: fields.Session.user
	Server   string `json:"server"`
	Evidence string `json:"evidence"`
}

// Unmapped is a modeled item the proposal could not map.
type Unmapped struct {
	Key    string `json:"key"`
	Reason string `json:"reason"`
	// Needed is set when a command cannot work without it.
	Needed bool `json:"needed"`
}

// Proposal is an overlay and what it rests on.
type Proposal struct {
	Overlay  *api.Overlay `json:"overlay"`
	Mappings []Mapping    `json:"mappings"`
	Unmapped []Unmapped   `json:"unmapped"`
	// States are the values the server allows for a session's state (its
	// document's enum), for Overlay.CheckStates; empty when not known.
	States []string `json:"states,omitempty"`
	// Observed is a proposal from live answers, not a document: States
	// are the values seen, not all those allowed.
	Observed bool `json:"observed"`
}

// NewProposal starts an empty proposal.
func NewProposal() *Proposal {
	return &Proposal{Overlay: &api.Overlay{}, Mappings: []Mapping{}, Unmapped: []Unmapped{}}
}

func (p *Proposal) mapped(key, server, evidence string) {
	p.Mappings = append(p.Mappings, Mapping{Key: key, Server: server, Evidence: evidence})
}

// Missing records a modeled item not mapped (needed: a command cannot
// work without it).
func (p *Proposal) Missing(key, reason string, needed bool) { p.missing(key, reason, needed) }

func (p *Proposal) missing(key, reason string, needed bool) {
	for _, u := range p.Unmapped {
		if u.Key == key {
			return
		}
	}
	p.Unmapped = append(p.Unmapped, Unmapped{Key: key, Reason: reason, Needed: needed})
}

// Complete reports a proposal with nothing needed left unmapped.
func (p *Proposal) Complete() bool {
	return !slices.ContainsFunc(p.Unmapped, func(u Unmapped) bool { return u.Needed })
}

// neededEndpoints are the operations the commands cannot do without.
var neededEndpoints = []string{"getUserContext", "listSessions", "getSession", "terminateSession", "listAssets", "getAsset", "listEvents"}

// endpointWords are the words an operation's path holds for each modeled
// endpoint (any of each group), and the words it must not hold.
var endpointWords = map[string]struct{ all [][]string }{
	"getUserContext":    {[][]string{{"user", "me", "whoami", "self"}}},
	"listSessions":      {[][]string{{"session"}}},
	"getSession":        {[][]string{{"session"}}},
	"listSessionEvents": {[][]string{{"session"}, {"event", "activity", "activities", "log", "logs"}}},
	"terminateSession":  {[][]string{{"session"}, {"terminate", "kill", "end", "close", "disconnect", "stop"}}},
	"listAssets":        {[][]string{{"asset", "resource", "target"}}},
	"getAsset":          {[][]string{{"asset", "resource", "target"}}},
	"listEvents":        {[][]string{{"event", "audit"}}},
}

// serverOp is one operation of the document.
type serverOp struct {
	method, path string // path under the API base, its one parameter as {id}
	params       int
	op           *openapi3.Operation
	item         *openapi3.PathItem
}

func (o serverOp) String() string {
	s := o.method + " " + o.path
	if o.op.OperationID != "" {
		s += " (" + o.op.OperationID + ")"
	}
	return s
}

// serverOps lists the document's operations, paths normalized as
// serverOperations does, the one path parameter spelled {id}.
func serverOps(doc *openapi3.T) []serverOp {
	prefix := ""
	for _, s := range doc.Servers {
		if u, err := url.Parse(s.URL); err == nil && strings.HasSuffix(strings.TrimRight(u.Path, "/"), "/api") {
			prefix = "/api"
		}
	}
	var out []serverOp
	if doc.Paths == nil {
		return out
	}
	for p, item := range doc.Paths.Map() {
		if !strings.Contains(p, "/api/") && prefix != "" {
			p = prefix + p
		}
		if i := strings.Index(p, "/api/"); i > 0 {
			p = p[i:]
		}
		segs := strings.Split(strings.TrimRight(p, "/"), "/")
		n := 0
		for i, s := range segs {
			if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
				segs[i], n = "{id}", n+1
			}
		}
		for m, op := range item.Operations() {
			out = append(out, serverOp{method: m, path: strings.Join(segs, "/"), params: n, op: op, item: item})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].method+out[i].path < out[j].method+out[j].path })
	return out
}

// Propose reads doc for the overlay it implies.
func Propose(doc *openapi3.T) *Proposal {
	p := NewProposal()
	ops := serverOps(doc)
	found := map[string]serverOp{}
	for _, ep := range api.Endpoints() {
		op, ok := p.findOperation(ep, ops)
		if !ok {
			continue
		}
		found[ep.ID] = op
		if op.path != ep.Path || op.method != ep.Method {
			r := api.EndpointOverlay{Path: op.path}
			if op.method != ep.Method {
				r.Method = op.method
			}
			if op.path == ep.Path {
				r.Path = ""
			}
			if p.Overlay.Endpoints == nil {
				p.Overlay.Endpoints = map[string]api.EndpointOverlay{}
			}
			p.Overlay.Endpoints[ep.ID] = r
			p.mapped("endpoints."+ep.ID, op.method+" "+op.path, "operation "+op.String())
		}
	}
	for _, ep := range api.Endpoints() {
		op, ok := found[ep.ID]
		if !ok {
			continue
		}
		p.proposeQuery(ep, op)
		schema := responseSchema(op.op)
		if schema == nil {
			p.missing("endpoints."+ep.ID+" answer", "operation "+op.String()+" gives no JSON schema for its answer: its fields were not mapped", false)
			continue
		}
		p.proposeAnswer(ep, schemaShape(schema, 0), "operation "+op.String())
	}
	return p
}

// findOperation picks the server's operation for ep: exactly the modeled
// one, else the one operation whose method, path parameters and words fit
// best. Two that fit as well are not guessed between.
func (p *Proposal) findOperation(ep api.Endpoint, ops []serverOp) (serverOp, bool) {
	for _, o := range ops {
		if o.path == ep.Path && o.method == ep.Method {
			return o, true
		}
	}
	needed := slices.Contains(neededEndpoints, ep.ID)
	wantParams := strings.Count(ep.Path, "{id}")
	type scored struct {
		op    serverOp
		score int
	}
	var best []scored
	for _, o := range ops {
		if o.params != wantParams || !methodFits(ep.Method, o.method) {
			continue
		}
		score, ok := wordsFit(ep.ID, o.path)
		if !ok {
			continue
		}
		if o.method == ep.Method {
			score++
		}
		if s := responseSchema(o.op); s != nil && isList(schemaShape(s, 0)) == ep.List() {
			score += 2
		}
		if strings.HasSuffix(o.path, "{id}") == strings.HasSuffix(ep.Path, "{id}") {
			score++
		}
		switch {
		case len(best) == 0 || score > best[0].score:
			best = []scored{{o, score}}
		case score == best[0].score:
			best = append(best, scored{o, score})
		}
	}
	switch {
	case len(best) == 1:
		return best[0].op, true
	case len(best) > 1:
		var names []string
		for _, b := range best {
			names = append(names, b.op.method+" "+b.op.path)
		}
		p.missing("endpoints."+ep.ID, "more than one operation fits as well ("+strings.Join(names, ", ")+"); name the right one in the overlay", needed)
	default:
		p.missing("endpoints."+ep.ID, fmt.Sprintf("the document has no %s operation with %d path parameter(s) whose path names it (modeled: %s %s)", ep.Method, wantParams, ep.Method, ep.Path), needed)
	}
	return serverOp{}, false
}

func methodFits(modeled, server string) bool {
	if modeled == "GET" {
		return server == "GET"
	}
	return slices.Contains([]string{"POST", "PUT", "PATCH", "DELETE"}, server)
}

// wordsFit scores how well path's words name endpoint id.
func wordsFit(id, path string) (int, bool) {
	var segs []string
	for _, s := range strings.Split(strings.ToLower(path), "/") {
		if s != "" && s != "api" && s != "{id}" {
			segs = append(segs, s)
		}
	}
	has := func(w string) bool {
		return slices.ContainsFunc(segs, func(s string) bool { return s == w || strings.HasPrefix(s, w) })
	}
	score := 0
	for _, group := range endpointWords[id].all {
		if !slices.ContainsFunc(group, has) {
			return 0, false
		}
		score += 2
	}
	// A list of sessions has no word of the session's events or of
	// terminating; the Events Report has no session in its path.
	switch id {
	case "listSessions", "getSession":
		if has("event") || has("terminate") || has("kill") || has("end") || has("close") || has("stop") || has("disconnect") {
			return 0, false
		}
	case "listEvents":
		if has("session") {
			return 0, false
		}
	case "listAssets", "getAsset":
		if has("session") {
			return 0, false
		}
	}
	return score - (len(segs) - len(endpointWords[id].all)), true
}
