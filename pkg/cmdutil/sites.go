package cmdutil

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/output"
)

// SiteConcurrency is how many sites a fan-out queries at once.
const SiteConcurrency = 4

// FanOut holds --profiles and --all-profiles of a command that can run
// over several profiles (sites) of the config file.
type FanOut struct {
	Profiles []string
	All      bool
}

// Enabled reports whether either flag was given.
func (o *FanOut) Enabled() bool { return o != nil && (o.All || len(o.Profiles) > 0) }

// AddFanOutFlags adds --profiles and --all-profiles to cmd (only the
// commands that fan out have them: elsewhere they would be ignored).
func AddFanOutFlags(cmd *cobra.Command, o *FanOut) {
	fl := cmd.Flags()
	fl.StringSliceVar(&o.Profiles, "profiles", nil, "run on each of these profiles (sites) of the config file: `a,b`; rows gain a SITE column")
	fl.BoolVar(&o.All, "all-profiles", false, "run on every profile (site) of the config file; rows gain a SITE column")
}

// Site is one site of a command: a profile of a fan-out (or the one
// site of a command run without --profiles/--all-profiles, Name "") and
// its API client. Every command gets a list of sites; one site is a
// fan-out of one.
type Site struct {
	// Name is the profile's name: the SITE column and "site" in JSON.
	Name   string
	Client *api.Client
	// Also names the other profiles that point at the same server (the
	// same normalised URL): they are this one site, queried once.
	Also []string
	// Err is why the profile cannot be used (no token stored, a
	// malformed server URL): the site fails on its own line and the
	// others go on. Client is nil then.
	Err error
}

// Label is the site's name with the profiles merged into it:
// "west (also default)".
func (s Site) Label() string {
	if len(s.Also) == 0 {
		return s.Name
	}
	return s.Name + " (also " + strings.Join(s.Also, ", ") + ")"
}

// SiteError is the failure of one site of a fan-out.
type SiteError struct {
	Site string
	Err  error
}

func (e *SiteError) Error() string {
	why := Explain(e.Err)
	// A refused token is checked on the site's own profile.
	if rest, ok := strings.CutSuffix(why, AuthStatusHint); ok {
		why = rest + AuthStatusHintFor(e.Site)
	}
	return "site " + e.Site + ": " + why
}
func (e *SiteError) Unwrap() error { return e.Err }

// ForEachSite runs fn for every site, SiteConcurrency at a time, and
// returns each site's error by index (nil for a site that succeeded). One
// site's failure does not stop the others; a site that cannot be used
// (Site.Err) fails without fn being called.
func ForEachSite(ctx context.Context, sites []Site, fn func(ctx context.Context, i int, s Site) error) []error {
	errs := make([]error, len(sites))
	g := new(errgroup.Group)
	g.SetLimit(SiteConcurrency)
	for i, s := range sites {
		g.Go(func() error {
			err := s.Err
			if err == nil {
				err = fn(ctx, i, s)
			}
			if err != nil {
				errs[i] = &SiteError{Site: s.Name, Err: err}
			}
			return nil
		})
	}
	_ = g.Wait()
	return errs
}

// FailedSites is the error of a fan-out in which some sites failed: each
// failed site's error is printed on its own line by the caller
// (PrintSiteErrors); this names them, with code as the exit code.
func FailedSites(code int, errs []error, what string) error {
	var names []string
	for _, err := range errs {
		var se *SiteError
		if errors.As(err, &se) {
			names = append(names, se.Site)
		}
	}
	if len(names) == 0 {
		return nil
	}
	word := "site"
	if len(names) > 1 {
		word = "sites"
	}
	return &ExitError{Code: code, Message: fmt.Sprintf("%s %s failed (see above); %s", word, strings.Join(names, ", "), what)}
}

// PrintSiteErrors writes each site's error on its own stderr line:
// "pamctl: site NAME: <error>".
func PrintSiteErrors(w io.Writer, errs []error) {
	for _, err := range errs {
		if err != nil {
			Notef(w, "%s", err.Error())
		}
	}
}

// SiteRow is one row of a fan-out: the item and the site it came from.
// In JSON (and YAML) it is the item's object with "site" first.
type SiteRow[T any] struct {
	Site string
	Item T
}

// MarshalJSON writes {"site": ..., <the item's fields>}.
func (r SiteRow[T]) MarshalJSON() ([]byte, error) {
	item, err := marshalNoEscape(r.Item)
	if err != nil {
		return nil, err
	}
	site, err := marshalNoEscape(r.Site)
	if err != nil {
		return nil, err
	}
	item = bytes.TrimSpace(item)
	if len(item) < 2 || item[0] != '{' {
		return nil, fmt.Errorf("site row: the item is not a JSON object")
	}
	var b bytes.Buffer
	b.WriteString(`{"site":`)
	b.Write(site)
	if rest := bytes.TrimSpace(item[1:]); len(rest) > 0 && rest[0] != '}' {
		b.WriteByte(',')
	}
	b.Write(item[1:])
	return b.Bytes(), nil
}

// marshalNoEscape encodes v without escaping &, < and >: the encoder that
// calls a MarshalJSON applies its caller's choice to the result.
func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// SiteColumns puts a SITE column before cols.
func SiteColumns[T any](cols []output.Column[T]) []output.Column[SiteRow[T]] {
	out := []output.Column[SiteRow[T]]{{Header: "SITE", Value: func(r SiteRow[T]) any { return r.Site }}}
	for _, c := range cols {
		out = append(out, output.Column[SiteRow[T]]{Header: c.Header, Wide: c.Wide, Age: c.Age, Value: func(r SiteRow[T]) any { return c.Value(r.Item) }})
	}
	return out
}

// SitesFor is the list of sites of a command: without the fan-out flags
// one site, one's client (Name ""); with them, many(o).
func SitesFor(o FanOut, one func() (*api.Client, error), many func(FanOut) ([]Site, error)) ([]Site, error) {
	if !o.Enabled() {
		c, err := one()
		if err != nil {
			return nil, err
		}
		return []Site{{Client: c}}, nil
	}
	return many(o)
}

// NewLineWriter writes each line with prefix first, a whole line at a
// time: the writers of sites running at once share mu, so their lines
// never interleave.
func NewLineWriter(mu *sync.Mutex, w io.Writer, prefix string) io.Writer {
	return &lineWriter{mu: mu, w: w, prefix: prefix}
}

type lineWriter struct {
	mu     *sync.Mutex
	w      io.Writer
	prefix string
}

func (s *lineWriter) Write(p []byte) (int, error) {
	var b []byte
	for rest := p; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line = rest[:i+1]
		}
		rest = rest[len(line):]
		b = append(append(b, s.prefix...), line...)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.w.Write(b); err != nil {
		return 0, err
	}
	return len(p), nil
}

// One reports a command run on its one site (no fan-out flags): its
// failure is the command's error as is, and its rows have no SITE column.
func One(sites []Site) bool { return len(sites) == 1 && sites[0].Name == "" }

// ListSites reads every site at once (SiteConcurrency at a time) with
// fetch and returns the rows in site order, each with its site, and each
// site's error by index (as ForEachSite). With One(sites), the site's
// error is returned as err, unwrapped; with several, err is only the
// context's (a failed site is in errs, and the others go on).
func ListSites[T any](ctx context.Context, sites []Site, fetch func(ctx context.Context, s Site) ([]T, error)) (rows []SiteRow[T], errs []error, err error) {
	lists := make([][]T, len(sites))
	errs = ForEachSite(ctx, sites, func(ctx context.Context, i int, s Site) error {
		var err error
		lists[i], err = fetch(ctx, s)
		return err
	})
	if One(sites) && errs[0] != nil {
		return nil, errs, SitesErr(sites, errs)
	}
	if err := ctx.Err(); err != nil {
		return nil, errs, err
	}
	rows = []SiteRow[T]{}
	for i, s := range sites {
		for _, item := range lists[i] {
			rows = append(rows, SiteRow[T]{Site: s.Name, Item: item})
		}
	}
	return rows, errs, nil
}

// PrintSiteList prints rows in the -o format: with a SITE column first
// ("site" in JSON) in a fan-out, as the bare items for one site.
func PrintSiteList[T any](w io.Writer, o output.Options, sites []Site, rows []SiteRow[T], cols []output.Column[T]) error {
	if !One(sites) {
		return output.PrintList(w, o, rows, SiteColumns(cols))
	}
	items := make([]T, len(rows))
	for i := range rows {
		items[i] = rows[i].Item
	}
	return output.PrintList(w, o, items, cols)
}

// SitesErr is the error of a step run on every site (ForEachSite's errs):
// with One(sites), the site's own error, unwrapped; with several, every
// failed site's, joined (each names its site); nil when none failed.
func SitesErr(sites []Site, errs []error) error {
	if One(sites) && errs[0] != nil {
		var se *SiteError
		if errors.As(errs[0], &se) {
			return se.Err
		}
		return errs[0]
	}
	return errors.Join(errs...)
}
