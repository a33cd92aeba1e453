package doctor

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/openapi"
	"github.com/pamctl/pamctl/pkg/text"
)

const openAPIName = "openapi document"

// checkOpenAPI finds the server's OpenAPI document (--openapi, else the
// guessed locations of api.OpenAPILocations) and compares it with the
// modeled contract, one row per difference.
func (d *doctor) checkOpenAPI(ctx context.Context) {
	doc, where := d.openAPIDocument(ctx)
	if doc == nil {
		return
	}
	if o := d.client.Contract(); o != nil {
		d.checkOverlay(o, doc, where)
		return
	}
	c := openapi.Compare(doc)
	title := ""
	if doc.Info != nil {
		title = fmt.Sprintf(" %q version %s,", text.Safe(doc.Info.Title), text.Safe(doc.Info.Version))
	}
	detail := fmt.Sprintf("%s: OpenAPI %s,%s %d of %d modeled operations present, %d answer fields compared",
		where, text.Safe(doc.OpenAPI), title, c.Operations, len(api.Endpoints()), c.Fields)
	switch {
	case len(c.Differences) > 0:
		d.fail(openAPIName, fmt.Sprintf("%s; %d %s from the modeled contract (the rows below)", detail, len(c.Differences), plural(len(c.Differences), "difference")),
			"map the differences with a contract overlay: `pamctl doctor --propose-contract --write` (docs/contract-overlay.md)")
	default:
		if err := doc.Validate(ctx); err != nil {
			d.warn(openAPIName, detail+"; matches the modeled contract, but the document does not validate: "+text.Safe(firstLine(err.Error())), "")
		} else {
			d.ok(openAPIName, detail+"; matches the modeled contract")
		}
	}
	for _, op := range c.Unchecked {
		d.warn("openapi: "+op, "the document gives no JSON schema for its answer: fields not compared", "")
	}
	for _, diff := range c.Differences {
		d.fail("openapi: "+diff.Operation, text.Safe(diff.What), diff.Fix)
	}
}

// openAPIDocument is --openapi's document, else one found.
func (d *doctor) openAPIDocument(ctx context.Context) (*openapi3.T, string) {
	if d.opts.OpenAPI != "" {
		return d.givenOpenAPI(ctx)
	}
	return d.findOpenAPI(ctx)
}

// checkOverlay judges the contract overlay in use against the server's
// document: the overlay the document implies should be the same, and
// every state it maps should be a value the document allows.
func (d *doctor) checkOverlay(o *api.Overlay, doc *openapi3.T, where string) {
	p := openapi.Propose(doc)
	detail := fmt.Sprintf("%s: the contract overlay in use (%s)", where, o.Digest())
	if err := o.CheckStates(p.States); err != nil {
		// Refused as at load: the document says the overlay is wrong.
		d.fail(openAPIName, detail+": "+text.Safe(err.Error()), "run `pamctl doctor --propose-contract --write` to replace it")
		d.refused = &cmdutil.FlagError{Err: fmt.Errorf("%w (the document %s)", err, where)}
		return
	}
	implied, err := api.ParseOverlay(mustYAML(p.Overlay), "")
	switch {
	case err != nil || !p.Complete():
		d.warn(openAPIName, detail+"; the document does not imply a complete overlay, so it was not compared", "see `pamctl doctor --propose-contract`")
	case implied.Digest() != o.Digest():
		d.warn(openAPIName, fmt.Sprintf("%s differs from the one the document implies (%s)", detail, implied.Digest()), "compare with `pamctl doctor --propose-contract`; --write replaces it")
	default:
		d.ok(openAPIName, detail+" is the one the document implies")
	}
}

func mustYAML(o *api.Overlay) []byte {
	b, _ := o.YAML()
	return b
}

// givenOpenAPI reads --openapi; a problem with it is a failure, since the
// operator named it.
func (d *doctor) givenOpenAPI(ctx context.Context) (*openapi3.T, string) {
	src := d.opts.OpenAPI
	var data []byte
	if strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") {
		a, err := d.client.ProbeURL(ctx, src)
		if err != nil {
			d.fail(openAPIName, reason(err), "check the --openapi URL")
			return nil, ""
		}
		if a.Status < 200 || a.Status > 299 || a.Truncated {
			d.fail(openAPIName, "GET "+src+": "+a.Describe(), "check the --openapi URL, or download the document and pass the file")
			return nil, ""
		}
		data = a.Body
	} else {
		b, err := d.opts.ReadFile(src)
		if err != nil {
			d.fail(openAPIName, "cannot read --openapi: "+err.Error(), "pass the path of the server's OpenAPI (Swagger) document, JSON or YAML")
			return nil, ""
		}
		data = b
	}
	doc, err := openapi.LoadWithin(ctx, data, openapi.DefaultLimits())
	var le *openapi.LimitError
	switch {
	case ctx.Err() != nil:
		return nil, ""
	case errors.As(err, &le):
		d.fail(openAPIName, src+": refused: "+err.Error(), "this is not a document pamctl can compare; ask your 12Port administrator for the server's own OpenAPI document")
		return nil, ""
	case err != nil:
		d.fail(openAPIName, src+": "+err.Error(), "pass the server's OpenAPI 3 or Swagger 2.0 document, JSON or YAML")
		return nil, ""
	}
	return doc, src
}

// findOpenAPI tries the guessed locations in order; not finding a document
// is a warning: 12Port does not say where (or whether) it serves one.
func (d *doctor) findOpenAPI(ctx context.Context) (*openapi3.T, string) {
	base, err := url.Parse(d.client.Server())
	if err != nil {
		d.warn(openAPIName, "not looked for: "+err.Error(), "")
		return nil, ""
	}
	var tried []string
	for _, loc := range api.OpenAPILocations() {
		u := *base
		if loc.OnHost {
			u.Path = loc.Path
		} else {
			u.Path = strings.TrimRight(u.Path, "/") + loc.Path
		}
		target := u.String()
		a, err := d.client.ProbeURL(ctx, target)
		switch {
		case err != nil:
			tried = append(tried, fmt.Sprintf("%s (%s)", target, reason(err)))
			continue
		case a.Status < 200 || a.Status > 299:
			tried = append(tried, fmt.Sprintf("%s (HTTP %d)", target, a.Status))
			continue
		}
		doc, err := openapi.LoadWithin(ctx, a.Body, openapi.DefaultLimits())
		if ctx.Err() != nil {
			return nil, ""
		}
		if err != nil {
			tried = append(tried, fmt.Sprintf("%s (HTTP %d, %s)", target, a.Status, err))
			continue
		}
		return doc, "found at " + target
	}
	d.warn(openAPIName, "no OpenAPI document at the guessed locations: "+strings.Join(tried, "; "),
		"ask your 12Port administrator where the server publishes its OpenAPI (Swagger) document and pass it: pamctl doctor --openapi FILE|URL")
	return nil, ""
}
