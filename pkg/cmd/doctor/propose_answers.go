package doctor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/openapi"
	"github.com/pamctl/pamctl/pkg/probe"
)

// proposeFromAnswers reads what the read endpoints answer at their
// modeled paths (envelope keys, field names, state spellings). A path the
// server does not have cannot be found this way: it is named.
func (d *doctor) proposeFromAnswers(ctx context.Context) *openapi.Proposal {
	p := openapi.NewProposal()
	p.Observed = true
	uc := endpoint("getUserContext")
	v, ok := d.answerOf(ctx, p, uc, probe.Args{})
	if !ok {
		return p
	}
	rid := ""
	if m, ok := v.(map[string]any); ok {
		if space, ok := m["space"].(map[string]any); ok {
			rid, _ = space["rid"].(string)
		}
	}
	for _, id := range []string{"listSessions", "listAssets", "listEvents"} {
		d.answerOf(ctx, p, endpoint(id), probe.Args{Limit: probeLimit, Parent: rid})
	}
	for _, id := range []string{"getSession", "listSessionEvents", "terminateSession", "getAsset"} {
		ep := endpoint(id)
		if p.Overlay.Endpoints[id] == (api.EndpointOverlay{}) {
			p.Missing("endpoints."+id, fmt.Sprintf("not checked without an OpenAPI document: pamctl assumes %s %s", ep.Method, ep.Path), false)
		}
	}
	return p
}

// answerOf probes ep and reads its answer into p.
func (d *doctor) answerOf(ctx context.Context, p *openapi.Proposal, ep api.Endpoint, args probe.Args) (any, bool) {
	name := d.opName(ep)
	a, err := probe.Endpoint(ctx, d.client, ep, args)
	switch {
	case err != nil:
		p.Missing("endpoints."+ep.ID, name+": "+reason(err), true)
		return nil, false
	case a.Status == http.StatusNotFound:
		p.Missing("endpoints."+ep.ID, name+" answers 404: without the server's OpenAPI document doctor cannot find its path (pass --openapi FILE|URL)", true)
		return nil, false
	case a.Status < 200 || a.Status > 299:
		p.Missing("endpoints."+ep.ID, name+": "+a.Describe(), true)
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(a.Body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		p.Missing("endpoints."+ep.ID, name+": the answer is not JSON", true)
		return nil, false
	}
	p.ProposeAnswer(ep, openapi.ValueShape(v), "the answer of "+name)
	return v, true
}
