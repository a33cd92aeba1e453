package terminate

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/pamsim"
)

// twoSites is a fan-out world: the env's simulator as site "west" and a
// second one as site "east".
func twoSites(t *testing.T, eastToken func(pamsim.Tokens) string) (*env, *pamsim.Server) {
	t.Helper()
	e := newEnv(t, pamsim.Options{}, nil, true)
	west, err := e.opts.APIClient()
	require.NoError(t, err)
	east, eastURL := pamsim.Start(t, pamsim.Options{Seed: 2, Site: "east"})
	if eastToken == nil {
		eastToken = func(tk pamsim.Tokens) string { return tk.Admin }
	}
	eastClient, err := api.New(api.Options{Server: eastURL, Token: eastToken(east.Tokens())})
	require.NoError(t, err)
	e.opts.APIClient = func() (*api.Client, error) { panic("a fan-out uses the sites' clients only") }
	e.opts.FanOut = cmdutil.FanOut{All: true}
	e.opts.Sites = func(cmdutil.FanOut) ([]cmdutil.Site, error) {
		return []cmdutil.Site{{Name: "west", Client: west}, {Name: "east", Client: eastClient}}, nil
	}
	return e, east
}

func eastPosts(s *pamsim.Server) int {
	return s.CountRequests(http.MethodPost, "/api/session/terminate/")
}

func TestTerminateSites(t *testing.T) {
	ctx := context.Background()

	t.Run("one question for the total; a wrong count sends nothing anywhere", func(t *testing.T) {
		e, east := twoSites(t, nil)
		e.opts.User, e.opts.Channel = "bwilliams", "SSH" // 01 and 07 on each site
		e.stub.InputFunc = func(msg, def string) (string, error) {
			assert.Contains(t, msg, "(4)")
			return "2", nil
		}
		err := terminateRun(ctx, e.opts)
		assert.Equal(t, 130, exitCode(t, err))
		assert.Len(t, e.stub.Asked, 1)
		assert.Equal(t, 0, e.posts())
		assert.Equal(t, 0, eastPosts(east))
		assert.Contains(t, e.errOut.String(), "Site west:\n")
		assert.Contains(t, e.errOut.String(), "Site east:\n")
		assert.Contains(t, e.errOut.String(), "In total: 4 sessions to terminate on 2 sites")
		assert.JSONEq(t, "[]", e.out.String())
	})

	t.Run("the total typed: both sites terminated and verified, results carry the site", func(t *testing.T) {
		e, east := twoSites(t, nil)
		e.opts.User, e.opts.Channel = "bwilliams", "SSH"
		e.stub.InputFunc = func(msg, def string) (string, error) {
			assert.Equal(t, 0, e.posts()+eastPosts(east), "nothing may be sent before the answer")
			return "4", nil
		}
		require.NoError(t, terminateRun(ctx, e.opts))
		assert.Len(t, e.stub.Asked, 1)
		assert.Equal(t, 2, e.posts())
		assert.Equal(t, 2, eastPosts(east))
		sites := map[string]int{}
		for _, r := range e.results(t) {
			assert.Equal(t, "terminated", r["result"])
			assert.Equal(t, true, r["verified"])
			sites[r["site"].(string)]++
		}
		assert.Equal(t, map[string]int{"west": 2, "east": 2}, sites)
		s, _ := east.Session(s01)
		assert.Equal(t, pamsim.StateCompleted, s.State)
	})

	t.Run("a site whose token is refused is named; the other is terminated: exit 5", func(t *testing.T) {
		e, east := twoSites(t, func(pamsim.Tokens) string { return "not-a-token-at-all" })
		e.opts.User, e.opts.Channel, e.opts.Yes = "bwilliams", "SSH", true
		err := terminateRun(ctx, e.opts)
		assert.Equal(t, 5, exitCode(t, err))
		assert.Contains(t, err.Error(), "east")
		assert.Regexp(t, `(?m)^pamctl: site east: nothing was sent to 127\.0\.0\.1:\d+: the server refused the token \(HTTP 401 on GET /api/user/context\): it is invalid or expired, or its user lacks the permission for this; check with `+"`pamctl auth status --profile east`$", e.errOut.String())
		assert.Equal(t, 2, e.posts())
		assert.Equal(t, 0, eastPosts(east))
		assert.Len(t, e.results(t), 2)
	})

	t.Run("IDs are refused with the fan-out flags", func(t *testing.T) {
		e, _ := twoSites(t, nil)
		e.opts.IDs = []string{s01}
		err := validate(e.opts)
		assert.Equal(t, 2, exitCode(t, err))
	})
}

// Two signals during a fan-out: every terminate request sent on every
// site has its journal line the moment the operator quits (one quit hook,
// one journal lock for all sites), and never a second one.
func TestTerminateSitesQuit(t *testing.T) {
	e := newEnv(t, pamsim.Options{}, nil, false)
	east, eastURL := pamsim.Start(t, pamsim.Options{Seed: 2, Site: "east"})
	posting, hold := make(chan struct{}, 8), make(chan struct{})
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Method == http.MethodPost {
			posting <- struct{}{}
			<-hold
		}
		return http.DefaultTransport.RoundTrip(r)
	})
	client := func(url, token string) *api.Client {
		c, err := api.New(api.Options{Server: url, Token: token, Transport: rt})
		require.NoError(t, err)
		return c
	}
	sites := []cmdutil.Site{{Name: "west", Client: client(e.serverURL, e.sim.Tokens().Admin)}, {Name: "east", Client: client(eastURL, east.Tokens().Admin)}}
	e.opts.FanOut = cmdutil.FanOut{All: true}
	e.opts.Sites = func(cmdutil.FanOut) ([]cmdutil.Site, error) { return sites, nil }
	e.opts.User, e.opts.Yes = "mchen", true
	ints := &cmdutil.Interrupts{}
	e.opts.Interrupts = ints
	out, errOut := &lockedBuffer{}, &lockedBuffer{}
	e.opts.IO.Out, e.opts.IO.ErrOut = out, errOut
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- terminateRun(ctx, e.opts) }()
	<-posting
	<-posting // one request in flight on each site
	cancel()
	ints.Quit()
	journal := string(mustRead(t, filepath.Join(e.state, "pamctl", "audit.jsonl")))
	for _, site := range []string{"root", "east"} {
		assert.Regexp(t, `"server":"[^"]*/ztna/demo/`+site+`","session":"11111111-1111-4111-8111-000000000008".*"result":"unknown"`, journal, "site %s's request is journaled the moment the operator quits", site)
	}
	var rs []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out.String()), &rs), "the results known so far are printed: %s", out.String())
	require.Len(t, rs, 2)
	assert.ElementsMatch(t, []any{"west", "east"}, []any{rs[0]["site"], rs[1]["site"]})
	assert.Contains(t, errOut.String(), "pamctl: quit: 2 sessions in flight journaled as unknown")
	close(hold)
	<-done // in a real process main exits at the quit; the test lets the run end
	journal = strings.TrimSpace(string(mustRead(t, filepath.Join(e.state, "pamctl", "audit.jsonl"))))
	assert.Equal(t, 2, strings.Count(journal, "\n")+1, "one line per session, never two: %s", journal)
}

// Ctrl-C during a hold over several sites ends every site's hold: 130,
// after each site's own sessions were terminated; each hold says how it
// ended.
func TestHoldSitesCutShort(t *testing.T) {
	e, east := twoSites(t, nil)
	clk := clock.NewFake(time.Now())
	e.opts.Clock = clk
	e.opts.User, e.opts.Yes = "mchen", true
	e.opts.Hold, e.opts.Interval = time.Hour, 5*time.Second
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- terminateRun(ctx, e.opts) }()
	require.Eventually(t, func() bool { return clk.Waiters() >= 2 && e.posts() == 1 && eastPosts(east) == 1 },
		10*time.Second, time.Millisecond, "both holds wait for their next poll")
	cancel()
	err := <-done
	assert.Equal(t, cmdutil.ExitCancelled, exitCode(t, err), "%v", err)
	assert.Equal(t, "Completed", e.stateOf(t, "11111111-1111-4111-8111-000000000008"))
	s, _ := east.Session("11111111-1111-4111-8111-000000000008")
	assert.Equal(t, pamsim.StateCompleted, s.State)
	assert.Equal(t, 2, strings.Count(e.errOut.String(), "Hold of 1h0m0s interrupted after 0s: 1 poll, 0 new sessions seen, 0 of them terminated."), e.errOut.String())
	assert.Regexp(t, `(?m)^site west: Holding until `, e.errOut.String())
	assert.Regexp(t, `(?m)^site east: Holding until `, e.errOut.String())
}
