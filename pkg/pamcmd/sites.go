package pamcmd

import (
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/config"
)

// siteEnv hides, from one site's resolution, what names a single server:
// PAMCTL_SERVER and PAMCTL_TOKEN would otherwise point every site at one
// server, or send one site's token to all of them; PAMCTL_PROFILE is what
// the fan-out flags replace.
var siteEnv = []string{config.EnvServer, config.EnvToken, config.EnvProfile}

// siteClients resolves each profile of a fan-out through config.Resolve,
// as if it had been given with --profile, and builds its client. The
// other global flags (--timeout, --ca-file, --debug, ...) and their
// environment variables apply to every site; --server and --token cannot
// (a usage error), and PAMCTL_SERVER and PAMCTL_TOKEN are left out, with a
// note. Every failure here comes before anything is sent.
func siteClients(f *cmdutil.Factory, lookupEnv func(string) (string, bool), o cmdutil.FanOut) ([]cmdutil.Site, error) {
	errOut := f.IOStreams.ErrOut
	if o.All && len(o.Profiles) > 0 {
		return nil, cmdutil.FlagErrorf("give either --profiles or --all-profiles, not both")
	}
	fl := f.Flags()
	for _, name := range []string{"profile", "server", "token"} {
		if fl.Changed != nil && fl.Changed(name) {
			return nil, cmdutil.FlagErrorf("--%s cannot be combined with --profiles or --all-profiles: each site uses its own profile's server and stored token", name)
		}
	}
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	known := cfg.ProfileNames()
	var names []string
	if o.All {
		if len(known) == 0 {
			return nil, cmdutil.FlagErrorf("--all-profiles: %s has no profiles; add one with `pamctl auth login --profile NAME`", cfg.Path())
		}
		names = known
	} else {
		seen := map[string]bool{}
		for _, n := range o.Profiles {
			n = strings.TrimSpace(n)
			if n == "" {
				return nil, cmdutil.FlagErrorf("--profiles: an empty profile name; give names separated by commas, e.g. --profiles a,b")
			}
			if _, ok := cfg.Profile(n); !ok {
				have := "none"
				if len(known) > 0 {
					have = strings.Join(known, ", ")
				}
				return nil, cmdutil.FlagErrorf("--profiles: unknown profile %q (profiles in %s: %s)", n, cfg.Path(), have)
			}
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	var hidden []string
	for _, name := range siteEnv[:2] {
		if v, ok := lookupEnv(name); ok && v != "" {
			hidden = append(hidden, name)
		}
	}
	if len(hidden) > 0 {
		fmt.Fprintf(errOut, "note: %s not used with --profiles/--all-profiles: each site uses its own profile's server and stored token\n", strings.Join(hidden, " and ")+pick(len(hidden) == 1, " is", " are"))
	}
	env := func(name string) (string, bool) {
		if slices.Contains(siteEnv, name) {
			return "", false
		}
		return lookupEnv(name)
	}
	store, err := f.TokenStore()
	if err != nil {
		return nil, err
	}
	warned := map[string]bool{}
	sites := make([]cmdutil.Site, 0, len(names))
	for _, name := range names {
		site := profileSite(f, fl, env, cfg, store, name)
		for _, w := range store.Warnings {
			if !warned[w] {
				warned[w] = true
				fmt.Fprintln(errOut, w)
			}
		}
		sites = append(sites, site)
	}
	return mergeSites(errOut, sites), nil
}

// profileSite resolves one profile as if it had been given with
// --profile and builds its client. A profile that cannot be used (its
// settings do not resolve, no server, no token stored, a malformed URL)
// is a site with Err set: it fails on its own line, the others go on.
func profileSite(f *cmdutil.Factory, fl config.Flags, env func(string) (string, bool), cfg *config.Config, store *config.Store, name string) cmdutil.Site {
	changed := fl.Changed
	sf := fl
	sf.Profile = name
	sf.Changed = func(n string) bool {
		switch n {
		case "profile":
			return true
		case "server", "token":
			return false
		}
		return changed != nil && changed(n)
	}
	site := cmdutil.Site{Name: name}
	s, err := config.Resolve(sf, env, cfg, store)
	switch {
	case err != nil:
		site.Err = &cmdutil.FlagError{Err: fmt.Errorf("profile %s: %w", name, err)}
	case s.Server == "":
		site.Err = &cmdutil.AuthError{Err: fmt.Errorf("profile %s has no server in %s: run `pamctl auth login --profile %s`", name, cfg.Path(), name)}
	case s.Token == "":
		site.Err = &cmdutil.AuthError{Err: fmt.Errorf("profile %s: no API token stored for %s: run `pamctl auth login --profile %s`", name, s.Server, name)}
	default:
		if site.Client, err = NewClient(f, s, s.Token); err != nil {
			site.Err = fmt.Errorf("profile %s: %w", name, err)
		}
	}
	return site
}

// mergeSites makes the profiles that name the same server (the same
// normalised URL) one site, under the first profile's name and token:
// a session is listed, counted and sent once. The merge is said.
func mergeSites(errOut io.Writer, sites []cmdutil.Site) []cmdutil.Site {
	out := make([]cmdutil.Site, 0, len(sites))
	at := map[string]int{}
	for _, s := range sites {
		if s.Client == nil {
			out = append(out, s)
			continue
		}
		key := serverKey(s.Client.Server())
		if i, ok := at[key]; ok {
			out[i].Also = append(out[i].Also, s.Name)
			continue
		}
		at[key] = len(out)
		out = append(out, s)
	}
	for _, s := range out {
		if len(s.Also) > 0 {
			fmt.Fprintf(errOut, "note: profiles %s and %s name the same server %s: one site, %s\n", s.Name, strings.Join(s.Also, ", "), s.Client.Server(), s.Name)
		}
	}
	return out
}

// serverKey is a server URL normalised for comparison: scheme and host
// in lower case (ASCII), the scheme's default port dropped.
func serverKey(server string) string {
	u, err := url.Parse(server)
	if err != nil {
		return server
	}
	scheme, host := asciiLower(u.Scheme), asciiLower(u.Hostname())
	port := u.Port()
	if scheme == "https" && port == "443" || scheme == "http" && port == "80" {
		port = ""
	}
	if port != "" {
		host = net.JoinHostPort(host, port)
	}
	return scheme + "://" + host + strings.TrimRight(u.EscapedPath(), "/")
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}
