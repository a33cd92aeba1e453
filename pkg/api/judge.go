package api

// Judging a listed session against what was asked: the rows pamctl cannot judge are
// contract violations, never non-matches (docs/api-contract.md, "What pamctl checks").

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/pamctl/pamctl/pkg/text"
)

// SameName reports whether two names (users, assets, channels, event names) are one: they
// compare as IDs do (IDKey), ASCII letters case-insensitively and everything else exactly,
// so "bwilliamſ" (U+017F) is not "bwilliams" and "Kwilliams" with a Kelvin sign is not
// "kwilliams", though Unicode case folding would make them so.
func SameName(a, b string) bool { return IDKey(a) == IDKey(b) }

// ContractError is a session the server listed (or answered) that pamctl cannot judge: a
// field the query or the decision needs is absent or empty, its state is not one the
// contract names, or it does not belong to the asset it was listed for. It is never read as
// "does not match": a destructive tool stops there (exit 1), naming the field and what came
// back.
type ContractError struct {
	Method, URL string
	Session     string // the session's ID as listed
	Field       string // the contract's JSON field name
	Value       string // what came back ("" for absent or empty)
	Want        string // what the contract or the query needed, in words
}

func (e *ContractError) Error() string {
	got := "is absent or empty"
	if e.Value != "" {
		got = fmt.Sprintf("is %q", excerpt(e.Value, 80))
	}
	why := "pamctl cannot judge this session"
	if e.Field == fieldAssetID && e.Value != "" || e.Field == fieldAssetName {
		why = "the list is not that asset's"
	}
	return text.Safe(fmt.Sprintf("%s %s: session %s: %q %s, but %s; %s, so it stops before acting on anything (this server's API differs from the modeled one: run `pamctl doctor`)",
		e.Method, e.URL, excerpt(e.Session, 80), e.Field, got, e.Want, why))
}

// Check reports a session p cannot judge (nil when it can, whether or not it Matches): a
// state the contract does not name; no user when p asks for one; no asset ID, or another
// one, when p asks for an asset's sessions; another asset name (where the session carries
// one) than the name this client read for that asset by ID (GetAsset). Every session list
// runs it on every row, so list, terminate, wait, watch and export stop on the same rows;
// a caller that matches rows from a query other than p (an unfiltered re-list) calls it
// itself.
func (p ListSessionsParams) Check(s *Session) error {
	bad := func(field, value, want string) error {
		return &ContractError{Method: http.MethodGet, Session: s.ID, Field: field, Value: value, Want: want}
	}
	switch {
	case s.State != StateActive && s.State != StateCompleted:
		return bad(fieldState, s.State, "the contract names only the states "+StateActive+" and "+StateCompleted)
	case p.User != "" && s.User == "":
		return bad(fieldUser, "", fmt.Sprintf("the sessions of user %q were asked for", p.User))
	case p.AssetID != "" && !SameID(s.AssetID, p.AssetID):
		return bad(fieldAssetID, s.AssetID, "it was listed for asset "+p.AssetID)
	case p.AssetID != "" && p.assetName != "" && s.AssetName != "" && !SameName(s.AssetName, p.assetName):
		return bad(fieldAssetName, s.AssetName, fmt.Sprintf("it was listed for asset %s, which the server names %q", p.AssetID, p.assetName))
	}
	return nil
}

// The contract's session fields Check names.
const (
	fieldState     = "state"
	fieldUser      = "user"
	fieldAssetID   = "assetId"
	fieldAssetName = "assetName"
)

// checkRows runs p.Check on every row of a session list asked with p.
func (c *Client) checkRows(p ListSessionsParams, rows []Session) error {
	for i := range rows {
		if err := p.Check(&rows[i]); err != nil {
			var ce *ContractError
			if errors.As(err, &ce) {
				ce.URL = c.url(pathSessionList, p.query())
			}
			return err
		}
	}
	return nil
}

// knownAssets are the asset names this client read by ID (GetAsset), by IDKey: the name the
// sessions listed for that asset must carry, where they carry one.
type knownAssets struct {
	mu    sync.Mutex
	names map[string]string
}

func (k *knownAssets) add(a *Asset) {
	if a.ID == "" || a.Name == "" {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.names == nil {
		k.names = map[string]string{}
	}
	k.names[IDKey(a.ID)] = a.Name
}

func (k *knownAssets) name(id string) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.names[IDKey(id)]
}

// withKnownAsset is p with the name this client read for p's asset, to check rows against.
func (c *Client) withKnownAsset(p ListSessionsParams) ListSessionsParams {
	if p.AssetID != "" && p.assetName == "" {
		p.assetName = c.assets.name(p.AssetID)
	}
	return p
}

// Sieve keeps the sessions a query matches on the client and remembers what it left out,
// for the warning that says the server's filtering differs from the contract.
type Sieve struct {
	P       ListSessionsParams
	Dropped int
	looks   []string
}

// maxLookalikes bounds the lookalikes a warning names.
const maxLookalikes = 10

// Keep returns the sessions of page that P matches (page's backing array is reused).
func (sv *Sieve) Keep(page []Session) []Session {
	kept := page[:0]
	for i := range page {
		if sv.P.Matches(&page[i]) {
			kept = append(kept, page[i])
			continue
		}
		sv.Dropped++
		if d := sv.P.lookalike(&page[i]); d != "" {
			sv.looks = append(sv.looks, d)
		}
	}
	return kept
}

// Lookalikes words the sessions left out only because a name looks like the query's without
// being it ("" when none), to end the warning with.
func (sv *Sieve) Lookalikes() string {
	if sv == nil || len(sv.looks) == 0 {
		return ""
	}
	return "; left out because a name only looks like the one asked (names compare in ASCII case only): " + text.Capped(sv.looks[:min(len(sv.looks), maxLookalikes)], len(sv.looks), ", ")
}

// lookalike describes s when it fails p only on a user or channel that is p's under Unicode
// case folding or compatibility normalisation (bwilliamſ, a Kelvin-sign K, full-width
// letters), else "".
func (p ListSessionsParams) lookalike(s *Session) string {
	if p.State != "" && s.State != p.State || p.AssetID != "" && !SameID(s.AssetID, p.AssetID) {
		return ""
	}
	var what []string
	if p.User != "" && !SameName(s.User, p.User) {
		if !looksLike(s.User, p.User) {
			return ""
		}
		what = append(what, fmt.Sprintf("user %q is not %q", s.User, p.User))
	}
	if p.Channel != "" && !hasChannel(s, p.Channel) {
		i := -1
		for j, c := range s.Channels {
			if looksLike(c, p.Channel) {
				i = j
			}
		}
		if i < 0 {
			return ""
		}
		what = append(what, fmt.Sprintf("channel %q is not %q", s.Channels[i], p.Channel))
	}
	if len(what) == 0 {
		return ""
	}
	return text.Safe(fmt.Sprintf("session %s (%s)", excerpt(s.ID, 80), strings.Join(what, ", ")))
}

// looksLike reports two names that differ in ASCII-folded form but are one under Unicode
// case folding of their compatibility forms.
func looksLike(a, b string) bool {
	fold := func(s string) string { return cases.Fold().String(norm.NFKC.String(s)) }
	return !SameName(a, b) && fold(a) == fold(b)
}

func hasChannel(s *Session, ch string) bool {
	for _, c := range s.Channels {
		if SameName(c, ch) {
			return true
		}
	}
	return false
}
