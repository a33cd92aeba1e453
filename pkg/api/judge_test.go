package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/httpmock"
)

const (
	longS  = "bwilliam\u017f" // LATIN SMALL LETTER LONG S
	kelvin = "\u212awilliams" // KELVIN SIGN
)

func TestSameNameFoldsASCIIOnly(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"bwilliams", "BWilliams", true},
		{"SSH", "ssh", true},
		{"db-prod-01", "DB-PROD-01", true},
		{longS, "bwilliams", false},
		{longS, "BWILLIAMS", false},
		{kelvin, "kwilliams", false},
		{kelvin, "Kwilliams", false},
		{"ÄRGER", "ärger", false}, // non-ASCII letters compare exactly
		{"ärger", "ärger", true},
	} {
		assert.Equal(t, tc.same, SameName(tc.a, tc.b), "%q vs %q", tc.a, tc.b)
	}
	assert.True(t, looksLike(longS, "bwilliams"))
	assert.True(t, looksLike(kelvin, "kwilliams"))
	assert.True(t, looksLike("ｂｗｉｌｌｉａｍｓ", "bwilliams"), "full-width letters")
	assert.False(t, looksLike("BWilliams", "bwilliams"), "the same name is no lookalike")
	assert.False(t, looksLike("jdoe", "bwilliams"))
}

func TestMatchesIsASCIIFolded(t *testing.T) {
	p := ListSessionsParams{State: StateActive, User: "bwilliams", Channel: "ssh"}
	s := Session{ID: "s1", State: StateActive, User: "BWilliams", Channels: []string{"SSH"}}
	assert.True(t, p.Matches(&s))
	s.User = longS
	assert.False(t, p.Matches(&s), "ſ is not s")
	p.User = "kwilliams"
	s.User = kelvin
	assert.False(t, p.Matches(&s), "a Kelvin sign is not k")
	s.User = "KWilliams"
	s.Channels = []string{"\u017fSH"}
	assert.False(t, p.Matches(&s), "channels fold ASCII only too")

	assert.True(t, IsNativeChannel("sshp:shell"))
	assert.False(t, IsNativeChannel("\u017fSHP:Shell"), "a lookalike channel is not native: it is not a channel pamctl knows")
	assert.False(t, IsTerminateEvent(&Event{Event: "Terminate \u017fession", SessionID: "s1", Message: terminateMessagePrefix + "SSH"}, "s1"))
}

func TestCheckNamesWhatCannotBeJudged(t *testing.T) {
	ok := Session{ID: "s1", AssetID: "A1", AssetName: "db-prod-01", User: "bwilliams", State: StateActive, Channels: []string{"SSH"}}
	for _, tc := range []struct {
		name         string
		p            ListSessionsParams
		mod          func(*Session)
		field, value string
		want         string
	}{
		{"state in capitals", ListSessionsParams{}, func(s *Session) { s.State = "ACTIVE" }, "state", "ACTIVE", "the contract names only the states Active and Completed"},
		{"state in small letters", ListSessionsParams{State: StateActive}, func(s *Session) { s.State = "active" }, "state", "active", ""},
		{"another word", ListSessionsParams{}, func(s *Session) { s.State = "Running" }, "state", "Running", ""},
		{"user renamed", ListSessionsParams{User: "bwilliams"}, func(s *Session) { s.User = "" }, "user", "", `the sessions of user "bwilliams" were asked for`},
		{"asset ID renamed", ListSessionsParams{AssetID: "A1"}, func(s *Session) { s.AssetID = "" }, "assetId", "", "listed for asset A1"},
		{"another asset", ListSessionsParams{AssetID: "A1"}, func(s *Session) { s.AssetID = "A7" }, "assetId", "A7", "listed for asset A1"},
		{"another asset name", ListSessionsParams{AssetID: "A1", assetName: "db-prod-01"}, func(s *Session) { s.AssetName = "linux-jump-01" }, "assetName", "linux-jump-01", `which the server names "db-prod-01"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := ok
			tc.mod(&s)
			err := tc.p.Check(&s)
			var ce *ContractError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tc.field, ce.Field)
			assert.Equal(t, tc.value, ce.Value)
			assert.Contains(t, err.Error(), `"`+tc.field+`"`)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	for _, p := range []ListSessionsParams{{}, {User: "jdoe"}, {AssetID: "a1"}, {AssetID: "A1", assetName: "DB-PROD-01"}} {
		s := ok
		assert.NoError(t, p.Check(&s), "%+v: judgeable (a non-match is not a violation)", p)
	}
	s := ok
	s.AssetName = ""
	assert.NoError(t, ListSessionsParams{AssetID: "A1", assetName: "db-prod-01"}.Check(&s), "the asset name is checked where present")
	s = ok
	s.User = ""
	assert.NoError(t, ListSessionsParams{}.Check(&s), "no user asked: a row without one can be judged")
}

func TestSieveNamesLookalikes(t *testing.T) {
	sv := &Sieve{P: ListSessionsParams{State: StateActive, User: "bwilliams"}}
	kept := sv.Keep([]Session{
		{ID: "s1", State: StateActive, User: "bwilliams"},
		{ID: "s2", State: StateActive, User: longS},
		{ID: "s3", State: StateActive, User: "jdoe"},
		{ID: "s4", State: StateCompleted, User: longS},
	})
	require.Len(t, kept, 1)
	assert.Equal(t, 3, sv.Dropped)
	assert.Equal(t, `; left out because a name only looks like the one asked (names compare in ASCII case only): session s2 (user "bwilliamſ" is not "bwilliams")`, sv.Lookalikes())
	assert.Empty(t, (&Sieve{}).Lookalikes())
}

func sessionPage(items ...Session) httpmock.Responder {
	return httpmock.JSONResponse(200, map[string]any{"total": len(items), "offset": 0, "limit": 500, "items": items})
}

func TestListSessionsRefusesRowsItCannotJudge(t *testing.T) {
	reg := &httpmock.Registry{}
	c := newTestClient(t, reg)
	reg.Register("list", httpmock.REST(http.MethodGet, "/api/session/list"), sessionPage(
		Session{ID: "s1", State: StateActive, User: "bwilliams"},
		Session{ID: "s2", State: "ACTIVE", User: "bwilliams"}))
	_, err := c.ListSessions(context.Background(), ListSessionsParams{State: StateActive, User: "bwilliams"})
	var ce *ContractError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "s2", ce.Session)
	assert.Contains(t, err.Error(), "GET https://pam.example.test:6443/ztna/acme/root/api/session/list?state=Active&user=bwilliams: session s2: \"state\" is \"ACTIVE\"")

	reg2 := &httpmock.Registry{}
	c2 := newTestClient(t, reg2)
	reg2.Register("list", httpmock.REST(http.MethodGet, "/api/session/list"), sessionPage(Session{ID: "s2", State: "Running"}))
	err = c2.EachSessionPage(context.Background(), ListSessionsParams{}, func([]Session) error {
		t.Fatal("a page with a row that cannot be judged is never handed over")
		return nil
	})
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "Running", ce.Value)
}

func TestGetSessionRefusesAnUnknownState(t *testing.T) {
	reg := &httpmock.Registry{}
	c := newTestClient(t, reg)
	reg.Register("get", httpmock.REST(http.MethodGet, "/api/session/s1"), httpmock.JSONResponse(200, Session{ID: "s1", State: "active"}))
	_, err := c.GetSession(context.Background(), "s1")
	var ce *ContractError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "state", ce.Field)
	assert.Contains(t, err.Error(), "/api/session/s1: session s1")
}

// A read of an asset by ID tells the client its name; every session then
// listed for that asset must carry it where it carries one.
func TestSessionsListedForAnAssetCarryItsName(t *testing.T) {
	reg := &httpmock.Registry{}
	c := newTestClient(t, reg)
	reg.Register("asset", httpmock.REST(http.MethodGet, "/api/asset/A7"), httpmock.JSONResponse(200, Asset{ID: "A7", Name: "db-prod-01"}))
	reg.Register("list", httpmock.REST(http.MethodGet, "/api/session/list"), sessionPage(
		Session{ID: "s1", AssetID: "a7", State: StateActive},
		Session{ID: "s8", AssetID: "A7", AssetName: "linux-jump-01", State: StateActive}))
	_, err := c.GetAsset(context.Background(), "A7")
	require.NoError(t, err)
	_, err = c.ListSessions(context.Background(), ListSessionsParams{AssetID: "A7", State: StateActive})
	var ce *ContractError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "s8", ce.Session)
	assert.Equal(t, "assetName", ce.Field)
	assert.Contains(t, err.Error(), "the list is not that asset's")
}
