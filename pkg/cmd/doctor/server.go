package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/probe"
	"github.com/pamctl/pamctl/pkg/text"
)

const (
	maxSkew    = 60 * time.Second
	probeLimit = 5
	fixReport  = "send `pamctl doctor -o json` to the maintainers"
)

func endpoint(id string) api.Endpoint {
	for _, ep := range api.Endpoints() {
		if ep.ID == id {
			return ep
		}
	}
	panic("doctor: no endpoint " + id + " in pkg/api/contract.go")
}

// opName names an operation as it is sent: through the contract overlay
// in use, if any.
func (d *doctor) opName(ep api.Endpoint) string {
	if d.client != nil {
		m, p := d.client.ServerPath(ep)
		return m + " " + p
	}
	return ep.Method + " " + ep.Path
}

// checkToken asks /api/user/context (documented) with the token, and the
// clock check reads the Date header of that answer.
func (d *doctor) checkToken(ctx context.Context) *api.UserContext {
	const name = "token"
	ep := endpoint("getUserContext")
	before := d.opts.Clock.Now()
	a, err := probe.Endpoint(ctx, d.client, ep, probe.Args{})
	after := d.opts.Clock.Now()
	if err != nil {
		d.fail(name, d.opName(ep)+": "+api.Reason(err), "check the connection (the rows above) and retry; raise --timeout for a slow server")
		return nil
	}
	uc := d.judgeToken(name, ep, a)
	d.checkClock(a, before, after)
	return uc
}

func (d *doctor) judgeToken(name string, ep api.Endpoint, a *api.Answer) *api.UserContext {
	fixLogin := "create an API token in 12Port for a user with the Auditor (read-only) or Administrator site role, then run `pamctl auth login`"
	switch {
	case d.s.Token == "":
		d.tokenRefused = true
		d.fail(name, "no API token configured", "run `pamctl auth login`, or set PAMCTL_TOKEN")
		return nil
	case a.Status == http.StatusUnauthorized || a.Status == http.StatusForbidden:
		d.tokenRefused = true
		d.fail(name, fmt.Sprintf("the server refused the token (%s): %s", a.Describe(), cmdutil.TokenRefusedWhy), fixLogin)
		return nil
	case a.Status == http.StatusNotFound:
		d.fail(name, fmt.Sprintf("%s on %s, the one endpoint 12Port documents: the URL's tenant or site is wrong", a.Describe(), ep.Path),
			"check the tenant and site in the server URL: https://<host>:6443/ztna/<tenant>/<site>")
		return nil
	case a.Status < 200 || a.Status > 299:
		d.fail(name, d.opName(ep)+": "+a.Describe(), "retry; if it persists, "+fixReport)
		return nil
	}
	var uc api.UserContext
	if err := json.Unmarshal(a.Body, &uc); err != nil {
		what, fix := "the answer cannot be read as the user context: "+text.Safe(firstLine(err.Error())), fixReport
		if r := probe.CheckAnswer(ep, a.Header.Get("Content-Type"), a.Body, 0); len(r.Findings) > 0 {
			what, fix = r.Findings[0].What, r.Findings[0].Fix
		}
		d.fail(name, d.opName(ep)+": "+what, fix)
		return nil
	}
	d.userContext = a
	who := uc.User.Name
	if uc.User.DisplayName != "" {
		who += " (" + uc.User.DisplayName + ")"
	}
	d.ok(name, fmt.Sprintf("accepted: user %s, site %s", who, uc.Space.Name))
	return &uc
}

func (d *doctor) checkClock(a *api.Answer, before, after time.Time) {
	const name = "clock"
	date := a.Header.Get("Date")
	if date == "" {
		d.warn(name, "the server sent no Date header: clock skew not checked", "")
		return
	}
	t, err := http.ParseTime(date)
	if err != nil {
		d.warn(name, fmt.Sprintf("the server's Date header %q is not an HTTP date: clock skew not checked", text.Safe(date)), "")
		return
	}
	local := before.Add(after.Sub(before) / 2)
	skew := t.Sub(local).Round(time.Second)
	abs := skew.Abs()
	way := "ahead of"
	if skew < 0 {
		way = "behind"
	}
	switch {
	case abs > maxSkew:
		d.warn(name, fmt.Sprintf("the server's clock is %s %s this machine's (Date: %s)", abs, way, date),
			"synchronise the clocks (NTP): --since/--until, ages and terminate's verification window compare the two")
	case abs <= 2*time.Second:
		d.ok(name, "in step with this machine's clock (to the Date header's 1 s resolution)")
	default:
		d.ok(name, fmt.Sprintf("the server's clock is %s %s this machine's (within %s)", abs, way, maxSkew))
	}
}

func (d *doctor) checkPermissions(uc *api.UserContext) {
	const name = "permissions"
	has := func(role string) bool {
		return slices.ContainsFunc(uc.Roles, func(r string) bool { return api.SameName(r, role) })
	}
	roles := "site roles " + strings.Join(uc.Roles, ", ")
	if len(uc.Roles) == 0 {
		roles = "no site role"
	}
	switch {
	case has(api.SiteRoleAdministrator):
		d.ok(name, fmt.Sprintf("%s: may read the site-wide Sessions and Events Reports, and terminate any active web session", roles))
	case has(api.SiteRoleAuditor):
		d.ok(name, fmt.Sprintf("%s: may read the site-wide Sessions and Events Reports; cannot terminate (an Auditor is read-only; terminating needs the Administrator site role or Asset Manager on the asset)", roles))
	default:
		d.warn(name, fmt.Sprintf("%s: cannot read the site-wide Sessions and Events Reports; can terminate only on assets where the user is Asset Manager", roles),
			"for `sessions list` without --asset, `events list` and this check of the report endpoints, use a token of a user with the Auditor or Administrator site role")
	}
}

// checkEndpoints probes each modeled read endpoint, in contract order; the
// by-ID endpoints read an ID the lists gave.
func (d *doctor) checkEndpoints(ctx context.Context, uc *api.UserContext) {
	if d.userContext != nil {
		d.judge(endpoint("getUserContext"), d.userContext, probe.Args{})
	}
	sessions := d.probe(ctx, endpoint("listSessions"), probe.Args{Limit: probeLimit})
	d.probeByID(ctx, endpoint("getSession"), sessions, "session", endpoint("listSessions"), 0)
	d.probeByID(ctx, endpoint("listSessionEvents"), sessions, "session", endpoint("listSessions"), probeLimit)
	assets := d.probe(ctx, endpoint("listAssets"), probe.Args{Parent: uc.Space.RID, Limit: probeLimit})
	d.probeByID(ctx, endpoint("getAsset"), assets, "asset", endpoint("listAssets"), 0)
	d.probe(ctx, endpoint("listEvents"), probe.Args{Limit: probeLimit})
}

// probeByID probes ep with the first ID a list gave (nil: the list failed).
func (d *doctor) probeByID(ctx context.Context, ep api.Endpoint, ids []string, kind string, from api.Endpoint, limit int) {
	switch {
	case ids == nil:
		d.warn(d.opName(ep), fmt.Sprintf("not checked: it needs a %s ID from %s, which gave none", kind, d.opName(from)), "see the "+d.opName(from)+" row")
	case len(ids) == 0:
		d.warn(d.opName(ep), fmt.Sprintf("not checked: %s lists no %s to read", d.opName(from), kind), "run doctor again once the site has one")
	default:
		d.probe(ctx, ep, probe.Args{ID: ids[0], Limit: limit})
	}
}

// probe GETs one endpoint and judges the answer; it returns the IDs the
// answer holds, nil when it could not be used.
func (d *doctor) probe(ctx context.Context, ep api.Endpoint, args probe.Args) []string {
	a, err := probe.Endpoint(ctx, d.client, ep, args)
	if err != nil {
		d.fail(d.opName(ep), api.Reason(err), "retry; if it persists, "+fixReport)
		return nil
	}
	return d.judge(ep, a, args)
}

func (d *doctor) judge(ep api.Endpoint, a *api.Answer, args probe.Args) []string {
	name := d.opName(ep)
	switch {
	case a.Status == http.StatusUnauthorized || a.Status == http.StatusForbidden:
		d.warn(name, a.Describe()+": the token's user may not read this, so it was not checked",
			"run doctor with a token of a user with the Auditor or Administrator site role to check it")
		return nil
	case a.Status == http.StatusNotFound:
		where := "for an ID the list gave"
		if ep.Report {
			where = "a report exists on every site, and the user context answered, so the tenant and site in the URL are right"
		}
		d.fail(name, fmt.Sprintf("%s: the server has no %s (%s)", a.Describe(), name, where),
			fmt.Sprintf("map endpoints.%s to the server's path in a contract overlay: `pamctl doctor --propose-contract --write` (docs/contract-overlay.md)", ep.ID))
		return nil
	case a.Status < 200 || a.Status > 299:
		d.fail(name, a.Describe(), "retry; if it persists, "+fixReport)
		return nil
	case a.Truncated:
		d.fail(name, "the answer is larger than pamctl reads", fixReport)
		return nil
	}
	r := probe.CheckAnswer(ep, a.Header.Get("Content-Type"), a.Body, args.Limit)
	failed := false
	for _, f := range r.Findings {
		failed = true
		d.fail(name, f.What, f.Fix)
	}
	if args.ID != "" && !ep.List() && len(r.IDs) > 0 && !api.SameID(r.IDs[0], args.ID) {
		failed = true
		d.fail(name, fmt.Sprintf("asked for %s, the answer carries id %s", args.ID, text.Safe(r.IDs[0])), fixReport)
	}
	if failed {
		return nil
	}
	detail := fmt.Sprintf("answers: %d fields as modeled", r.Fields)
	if ep.List() {
		detail = fmt.Sprintf("answers: paging envelope (total %d, %s), %d fields as modeled", r.Total, text.Plural(r.Items, "item"), r.Fields)
	}
	if len(r.Times) > 0 {
		detail += ", timestamps " + strings.Join(r.Times, " and ")
	}
	d.ok(name, detail)
	if r.IDs == nil {
		return []string{}
	}
	return r.IDs
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
