package openapi

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/pamctl/pamctl/pkg/api"
)

// envelopeKeys finds a page envelope's total and items keys in s.
func envelopeKeys(s *Shape) (total, items string) {
	if s == nil || s.Kind != "object" {
		return "", ""
	}
	names := slices.Collect(maps.Keys(s.Props))
	items, _ = pick("items", names, func(n string) bool {
		p := s.Props[n]
		return p.Kind == "array" && (p.Items == nil || p.Items.Kind == "object" || p.Items.Kind == "")
	})
	total, _ = pick("total", names, func(n string) bool { k := s.Props[n].Kind; return k == "integer" || k == "number" })
	return total, items
}

func fitsKind(k api.FieldKind, s *Shape) bool {
	switch k {
	case api.KindString:
		return s.Kind == "string" || s.Kind == ""
	case api.KindTime:
		return s.Kind == "string" || s.Kind == "integer" || s.Kind == "number" || s.Kind == ""
	case api.KindNumber:
		return s.Kind == "integer" || s.Kind == "number"
	case api.KindStrings:
		return s.Kind == "array" && (s.Items == nil || s.Items.Kind == "string" || s.Items.Kind == "")
	case api.KindObject:
		return s.Kind == "object"
	case api.KindObjects:
		return s.Kind == "array" && (s.Items == nil || s.Items.Kind == "object")
	}
	return false
}

// ProposeAnswer reads one answer shape of ep (a schema, or a live answer)
// into the proposal: envelope keys, field names, state spellings.
func (p *Proposal) ProposeAnswer(ep api.Endpoint, s *Shape, evidence string) {
	p.proposeAnswer(ep, s, evidence)
}

func (p *Proposal) proposeAnswer(ep api.Endpoint, s *Shape, evidence string) {
	t := reflect.TypeOf(ep.Response)
	elem, list := api.PageElem(t)
	if !list {
		p.fields(t, s, evidence)
		return
	}
	total, items := envelopeKeys(s)
	p.envelope("items", items, &p.Overlay.Envelope.Items, evidence)
	p.envelope("total", total, &p.Overlay.Envelope.Total, evidence)
	if items != "" && s.Props[items].Items != nil {
		p.fields(elem, s.Props[items].Items, evidence+", items under "+items)
	}
}

func (p *Proposal) envelope(key, found string, into *string, evidence string) {
	switch {
	case found == "":
		p.missing("envelope."+key, "the list answer ("+evidence+") has no "+key+" key pamctl recognises", true)
	case found == key:
	case *into == "":
		*into = found
		p.mapped("envelope."+key, found, evidence)
	case *into != found:
		p.missing("envelope."+key, fmt.Sprintf("the lists disagree: %s here, %s before", found, *into), true)
	}
}

// fields maps the fields of answer type t from shape s.
func (p *Proposal) fields(t reflect.Type, s *Shape, evidence string) {
	typ := api.TypeName(t)
	if s == nil || s.Kind != "object" {
		p.missing("fields."+typ, "the answer ("+evidence+") is not an object", true)
		return
	}
	have := slices.Collect(maps.Keys(s.Props))
	taken := map[string]bool{}
	for _, f := range api.Fields(t) {
		if slices.Contains(have, f.JSON) {
			taken[f.JSON] = true
		}
	}
	for _, f := range api.Fields(t) {
		srv, ok := pick(f.JSON, have, func(n string) bool {
			return (n == f.JSON || !taken[n]) && fitsKind(f.Kind, s.Props[n])
		})
		key := "fields." + typ + "." + f.JSON
		if !ok {
			if !f.Optional || api.NeededField(typ, f.JSON) {
				p.missing(key, fmt.Sprintf("%s has no field pamctl can read as %s (%s)", evidence, f.JSON, f.Kind), api.NeededField(typ, f.JSON))
			}
			continue
		}
		taken[srv] = true
		if srv != f.JSON {
			p.field(typ, f.JSON, srv, evidence)
		}
		switch {
		case f.Kind == api.KindObject:
			p.fields(f.Elem, s.Props[srv], evidence+", "+srv)
		case f.Kind == api.KindObjects && s.Props[srv].Items != nil:
			p.fields(f.Elem, s.Props[srv].Items, evidence+", "+srv+"[]")
		case typ == "Session" && f.JSON == "state":
			p.states(s.Props[srv].Enum, evidence+", field "+srv)
		}
	}
}

func (p *Proposal) field(typ, modeled, srv, evidence string) {
	if p.Overlay.Fields == nil {
		p.Overlay.Fields = map[string]map[string]string{}
	}
	if p.Overlay.Fields[typ] == nil {
		p.Overlay.Fields[typ] = map[string]string{}
	}
	key := "fields." + typ + "." + modeled
	switch have, ok := p.Overlay.Fields[typ][modeled]; {
	case !ok:
		p.Overlay.Fields[typ][modeled] = srv
		p.mapped(key, srv, evidence)
	case have != srv:
		p.missing(key, fmt.Sprintf("the answers disagree: %s in %s, %s before", srv, evidence, have), true)
	}
}

// states maps the state spellings from the values the server allows (or
// showed).
func (p *Proposal) states(values []string, evidence string) {
	if len(values) == 0 {
		return
	}
	for _, v := range values {
		if !slices.Contains(p.States, v) {
			p.States = append(p.States, v)
		}
	}
	for _, st := range []string{api.StateActive, api.StateCompleted} {
		srv, ok := pick(st, p.States, func(string) bool { return true })
		switch {
		case !ok && p.Observed:
			p.missing("states."+st, fmt.Sprintf("no %s session was seen (%s showed %s)", st, evidence, strings.Join(p.States, ", ")), false)
		case !ok:
			p.missing("states."+st, fmt.Sprintf("%s allows %s; none is %s", evidence, strings.Join(p.States, ", "), st), true)
		case srv != st:
			if p.Overlay.States == nil {
				p.Overlay.States = map[string]string{}
			}
			if _, done := p.Overlay.States[st]; !done {
				p.Overlay.States[st] = srv
				p.mapped("states."+st, srv, evidence)
				p.Unmapped = slices.DeleteFunc(p.Unmapped, func(u Unmapped) bool { return u.Key == "states."+st })
			}
		default:
			p.Unmapped = slices.DeleteFunc(p.Unmapped, func(u Unmapped) bool { return u.Key == "states."+st })
		}
	}
	if p.Observed {
		p.byAnalogy()
	}
}

// byAnalogy spells a state no answer showed as the one seen is spelled
// (ACTIVE seen: COMPLETED), and says so.
func (p *Proposal) byAnalogy() {
	seen, other := api.StateActive, api.StateCompleted
	if _, ok := p.Overlay.States[seen]; !ok {
		seen, other = other, seen
	}
	srv, ok := p.Overlay.States[seen]
	if !ok || !slices.ContainsFunc(p.Unmapped, func(u Unmapped) bool { return u.Key == "states."+other }) {
		return
	}
	var guess string
	switch srv {
	case strings.ToUpper(seen):
		guess = strings.ToUpper(other)
	case strings.ToLower(seen):
		guess = strings.ToLower(other)
	default:
		return
	}
	p.Overlay.States[other] = guess
	p.mapped("states."+other, guess, "spelled as "+srv+" is: no "+other+" session was seen")
	p.Unmapped = slices.DeleteFunc(p.Unmapped, func(u Unmapped) bool { return u.Key == "states."+other })
}

// proposeQuery maps the query parameters ep sends to those op lists.
func (p *Proposal) proposeQuery(ep api.Endpoint, op serverOp) {
	if len(ep.Query) == 0 {
		return
	}
	var have []string
	for _, ps := range []openapi3.Parameters{op.item.Parameters, op.op.Parameters} {
		for _, prm := range ps {
			if prm == nil || prm.Value == nil || prm.Value.In != openapi3.ParameterInQuery {
				continue
			}
			have = append(have, prm.Value.Name)
			if s := prm.Value.Schema; s != nil && s.Value != nil {
				have = slices.AppendSeq(have, maps.Keys(properties(s.Value)))
			}
		}
	}
	if len(have) == 0 {
		p.missing("query ("+ep.ID+")", "operation "+op.String()+" lists no query parameters; pamctl sends its modeled names", false)
		return
	}
	for _, q := range ep.Query {
		srv, ok := pick(q.Name, have, func(string) bool { return true })
		key := "query." + q.Name
		switch {
		case !ok && q.Name == "offset" && slices.Contains(have, "page"):
			p.missing(key, "operation "+op.String()+" pages by page number (page), not by offset", true)
		case !ok:
			p.missing(key, fmt.Sprintf("operation %s lists no parameter for it (it lists: %s)", op, strings.Join(have, ", ")), false)
		case srv == q.Name:
		default:
			if p.Overlay.Query == nil {
				p.Overlay.Query = map[string]string{}
			}
			if had, done := p.Overlay.Query[q.Name]; !done {
				p.Overlay.Query[q.Name] = srv
				p.mapped(key, srv, "operation "+op.String())
			} else if had != srv {
				p.missing(key, fmt.Sprintf("the operations disagree: %s in %s, %s before", srv, op, had), false)
			}
		}
	}
}
