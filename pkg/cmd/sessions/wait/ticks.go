package wait

import (
	"context"
	"fmt"
	"slices"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/cmd/sessions/selector"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/poll"
	"github.com/pamctl/pamctl/pkg/text"
)

// bySites reads the selector on every site (one site is a fan-out of
// one; each site has its own copy of the selector: an asset name resolves
// to another ID on each site). A site that fails fails the poll, which
// the loop notes and asks again.
func bySites(sites []cmdutil.Site, opts *WaitOptions, st *state, warn func(string)) poll.Tick {
	sels := make([]*selector.Selector, len(sites))
	for i := range sites {
		c := opts.Selector
		sels[i] = &c
	}
	if cmdutil.One(sites) {
		sels[0] = &opts.Selector // its resolved asset names the wait
	}
	return func(ctx context.Context) (bool, error) {
		lists := make([][]api.Session, len(sites))
		errs := cmdutil.ForEachSite(ctx, sites, func(ctx context.Context, i int, s cmdutil.Site) error {
			var err error
			lists[i], err = onTheGround(ctx, sels[i], s.Client, func(w string) { warn(sitePrefix(s) + w) })
			return err
		})
		if err := cmdutil.SitesErr(sites, errs); err != nil {
			return false, err
		}
		st.sessions, st.active = st.sessions[:0], st.active[:0]
		st.rows = []cmdutil.SiteRow[api.Session]{}
		for i, list := range lists {
			for _, sess := range list {
				st.sessions = append(st.sessions, sess)
				st.active = append(st.active, sess.ID+siteSuffix(sites[i]))
				st.rows = append(st.rows, cmdutil.SiteRow[api.Session]{Site: sites[i].Name, Item: sess})
			}
		}
		if opts.For == ForStarted {
			return len(st.active) > 0, nil
		}
		return len(st.active) == 0, nil
	}
}

// onTheGround lists the Active sessions of the selector's scope WITHOUT
// the server's user and channel filters and matches them on the client,
// as terminate's final check does (docs/exit-codes.md): a server that
// filters differently (case-sensitively, say) cannot make wait say
// "ended" while a matching session is still Active. A row the selector
// cannot be judged on is a contract violation; a row left out only
// because a name looks like the one asked is named, once.
func onTheGround(ctx context.Context, sel *selector.Selector, c selector.Client, warn func(string)) ([]api.Session, error) {
	err := sel.Resolve(ctx, c)
	var list []api.Session
	want := sel.Params()
	if err == nil {
		list, err = c.ListSessions(ctx, api.ListSessionsParams{State: api.StateActive, AssetID: want.AssetID})
	}
	if err != nil {
		if api.IsAuth(err) {
			return nil, sel.AuthError(err)
		}
		return nil, err
	}
	for i := range list {
		if err := (api.ListSessionsParams{User: want.User}).Check(&list[i]); err != nil {
			return nil, err
		}
	}
	out, sv := sel.Filter(list)
	out = slices.DeleteFunc(out, func(s api.Session) bool { return api.ValidateID("session", s.ID) != nil })
	if looks := sv.Lookalikes(); looks != "" && warn != nil {
		warn("warning: sessions that do not match " + sel.Describe() + " are ignored" + looks)
	}
	return out, nil
}

// byIDs reads each named session that is still Active.
func byIDs(c Client, opts *WaitOptions, st *state) poll.Tick {
	seen := map[string]bool{}
	gone := map[string]bool{}
	last := map[string]api.Session{}
	return func(ctx context.Context) (bool, error) {
		for _, id := range opts.IDs {
			if gone[id] {
				continue
			}
			if s, ok := last[id]; ok && s.State != api.StateActive {
				continue // a session does not come back to life
			}
			s, err := c.GetSession(ctx, id)
			switch {
			case err != nil && api.IsNotFound(err) && !seen[id]:
				return false, cmdutil.NotFoundf("no session %s: check the ID with `pamctl sessions list`", id)
			case err != nil && api.IsNotFound(err):
				gone[id] = true
				delete(last, id)
				continue
			case err != nil:
				return false, err
			case !api.SameID(s.ID, id):
				return false, fmt.Errorf("asked for session %s, the server answered with session %s", id, text.Safe(s.ID))
			}
			seen[id] = true
			last[id] = *s
		}
		st.sessions = st.sessions[:0]
		st.active = st.active[:0]
		for _, id := range opts.IDs {
			if s, ok := last[id]; ok {
				st.sessions = append(st.sessions, s)
				if s.State == api.StateActive {
					st.active = append(st.active, id)
				}
			}
		}
		return len(st.active) == 0, nil
	}
}

// sitePrefix starts a site's line in a fan-out ("site east: ").
func sitePrefix(s cmdutil.Site) string {
	if s.Name == "" {
		return ""
	}
	return "site " + s.Name + ": "
}

// siteSuffix names a session's site in a fan-out (" on east").
func siteSuffix(s cmdutil.Site) string {
	if s.Name == "" {
		return ""
	}
	return " on " + s.Name
}
