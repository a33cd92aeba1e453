package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// UserContext returns the token's user, site and roles. It is cached: every
// command that needs it asks once.
func (c *Client) UserContext(ctx context.Context) (*UserContext, error) {
	c.ctxOnce.Lock()
	defer c.ctxOnce.Unlock()
	if c.ctx != nil {
		return c.ctx, nil
	}
	var uc UserContext
	if err := c.getJSON(ctx, pathUserContext, nil, &uc); err != nil {
		return nil, err
	}
	if uc.Roles == nil {
		uc.Roles = []string{}
	}
	c.ctx = &uc
	return c.ctx, nil
}

// ListSessionsParams filter the Sessions Report. Zero values mean "no filter".
type ListSessionsParams struct {
	State   string // StateActive, StateCompleted, or "" for both
	AssetID string
	User    string
	Channel string
	From    time.Time
	To      time.Time
	Sort    string // created (default), updated, completed, user, asset
	Order   string // desc (default), asc
	// Limit caps the number of sessions returned; 0 means all.
	Limit int

	// assetName is the name this client read for AssetID by ID: never
	// sent, checked against the rows (Check).
	assetName string
}

func (p ListSessionsParams) query() url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set(qState, p.State)
	set(qAsset, p.AssetID)
	set(qUser, p.User)
	set(qChannel, p.Channel)
	if !p.From.IsZero() {
		q.Set(qFrom, p.From.UTC().Format(time.RFC3339))
	}
	if !p.To.IsZero() {
		q.Set(qTo, p.To.UTC().Format(time.RFC3339))
	}
	set(qSort, p.Sort)
	set(qOrder, p.Order)
	return q
}

// Matches reports whether s is what p asks for (state, asset ID, user
// exact but for ASCII case, channel among its channels the same way,
// created within [From, To)). Callers re-check a server's answer with it:
// a server that ignores a filter must not widen what pamctl shows or acts
// on. Names compare with SameName: "bwilliamſ" is not "bwilliams". A row
// Matches cannot judge is refused earlier, by Check.
func (p ListSessionsParams) Matches(s *Session) bool {
	switch {
	case p.State != "" && s.State != p.State:
		return false
	case p.AssetID != "" && !SameID(s.AssetID, p.AssetID):
		return false
	case p.User != "" && !SameName(s.User, p.User):
		return false
	case p.Channel != "" && !hasChannel(s, p.Channel):
		return false
	case !p.From.IsZero() && !s.Created.IsZero() && s.Created.Before(p.From):
		return false
	case !p.To.IsZero() && !s.Created.IsZero() && !s.Created.Before(p.To):
		return false
	}
	return true
}

// ListSessions returns every session matching p (or the first p.Limit),
// paging transparently: after the first page the rest are fetched with
// bounded concurrency, in order. A row p cannot judge (Check) is a
// *ContractError.
func (c *Client) ListSessions(ctx context.Context, p ListSessionsParams) ([]Session, error) {
	p = c.withKnownAsset(p)
	rows, err := listAll(ctx, c, sessionListing(p))
	if err != nil {
		return nil, err
	}
	if err := c.checkRows(p, rows); err != nil {
		return nil, err
	}
	return rows, nil
}

// EachSessionPage hands the sessions matching p (or the first p.Limit) to
// fn a page at a time, in order, holding only a few pages at once: for
// output that streams (-o json, ndjson, csv), whatever the count. The
// checks are those of ListSessions; fn's error stops the listing.
func (c *Client) EachSessionPage(ctx context.Context, p ListSessionsParams, fn func([]Session) error) error {
	p = c.withKnownAsset(p)
	return eachPage(ctx, c, sessionListing(p), nil, func(rows []Session) error {
		if err := c.checkRows(p, rows); err != nil {
			return err
		}
		return fn(rows)
	})
}

func sessionListing(p ListSessionsParams) listing[Session] {
	in := newInterner()
	return listing[Session]{
		path: pathSessionList, query: p.query(), limit: p.Limit,
		keep:  func(s *Session) { normalizeSession(s); in.session(s) },
		check: checkSession,
		id:    func(s *Session) string { return s.ID },
	}
}

// checkSession refuses a listed session without what pamctl acts on.
func checkSession(s *Session) error {
	switch {
	case s.ID == "":
		return fmt.Errorf("a session without %q", "id")
	case s.State == "":
		return fmt.Errorf("session %s without %q", excerpt(s.ID, 80), "state")
	}
	return nil
}

// SameID reports whether two spellings name one object (one session, one
// POST, however the ID is spelled): IDs compare as 12Port's UUIDs do,
// case-insensitively in ASCII only (Unicode folding would make "ſess-1"
// the same as "sess-1").
func SameID(a, b string) bool { return IDKey(a) == IDKey(b) }

// IDKey is the form two spellings of one ID share: ASCII letters in lower
// case, everything else as it is. Deduplication, repeat checks and every
// comparison of IDs use it.
func IDKey(id string) string {
	for i := 0; i < len(id); i++ {
		if c := id[i]; c >= 'A' && c <= 'Z' {
			b := []byte(id)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return id
}

// GetSession returns one session.
func (c *Client) GetSession(ctx context.Context, id string) (*Session, error) {
	if err := ValidateID("session", id); err != nil {
		return nil, err
	}
	var s Session
	if err := c.getJSON(ctx, sessionPath(id), nil, &s); err != nil {
		return nil, err
	}
	if !SameID(s.ID, id) {
		// A server (or a cache in front of it) that answers with another
		// object must not make pamctl act on that one.
		return nil, &ResponseError{Method: http.MethodGet, URL: c.url(sessionPath(id), nil), Reason: fmt.Sprintf("asked for session %s, the server answered with session %q; refusing to act on an answer that is not the session asked for", id, excerpt(s.ID, 80))}
	}
	if err := checkSession(&s); err != nil {
		return nil, &ResponseError{Method: http.MethodGet, URL: c.url(sessionPath(id), nil), Reason: err.Error()}
	}
	// A state the contract does not name is not "not Active": wait and
	// terminate judge by it.
	var ce *ContractError
	if err := (ListSessionsParams{}).Check(&s); errors.As(err, &ce) {
		ce.URL = c.url(sessionPath(id), nil)
		return nil, ce
	}
	normalizeSession(&s)
	return &s, nil
}

// TerminateSession asks the server to terminate one session. It is sent
// once: a transport failure, an unreadable 2xx, or a 429/502/503/504 comes
// back as an unknown-outcome error (IsUnknownOutcome), never as a silent
// retry; the caller reads the session back.
func (c *Client) TerminateSession(ctx context.Context, id string) (*Session, error) {
	if err := ValidateID("session", id); err != nil {
		return nil, err
	}
	var s Session
	if err := c.do(ctx, http.MethodPost, terminatePath(id), nil, nil, &s); err != nil {
		return nil, classifyWrite(err)
	}
	normalizeSession(&s)
	return &s, nil
}

// SessionEvents returns the Session Events Report of one session.
func (c *Client) SessionEvents(ctx context.Context, id string) ([]SessionEvent, error) {
	if err := ValidateID("session", id); err != nil {
		return nil, err
	}
	return listAll(ctx, c, listing[SessionEvent]{path: sessionEventsPath(id)})
}

// ListEventsParams filter the Events Report.
type ListEventsParams struct {
	Event    string
	Category string
	From     time.Time
	To       time.Time
	Limit    int
}

// ListEvents returns the Events Report, newest first.
func (c *Client) ListEvents(ctx context.Context, p ListEventsParams) ([]Event, error) {
	q := url.Values{}
	if p.Event != "" {
		q.Set(qEvent, p.Event)
	}
	if p.Category != "" {
		q.Set(qCategory, p.Category)
	}
	if !p.From.IsZero() {
		q.Set(qFrom, p.From.UTC().Format(time.RFC3339))
	}
	if !p.To.IsZero() {
		q.Set(qTo, p.To.UTC().Format(time.RFC3339))
	}
	return listAll(ctx, c, listing[Event]{path: pathEventList, query: q, limit: p.Limit, id: func(e *Event) string { return e.ID }})
}

// ListAssets returns the assets whose name contains name (all when empty),
// below the site's root container.
func (c *Client) ListAssets(ctx context.Context, name string, limit int) ([]Asset, error) {
	uc, err := c.UserContext(ctx)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set(qParent, uc.Space.RID)
	if name != "" {
		q.Set(qName, name)
	}
	return listAll(ctx, c, listing[Asset]{path: pathAssetList, query: q, limit: limit, check: checkAsset, id: func(a *Asset) string { return a.ID }})
}

// GetAsset returns one asset by ID.
func (c *Client) GetAsset(ctx context.Context, id string) (*Asset, error) {
	if err := ValidateID("asset", id); err != nil {
		return nil, err
	}
	var a Asset
	if err := c.getJSON(ctx, assetPath(id), nil, &a); err != nil {
		return nil, err
	}
	if !SameID(a.ID, id) {
		return nil, &ResponseError{Method: http.MethodGet, URL: c.url(assetPath(id), nil), Reason: fmt.Sprintf("asked for asset %s, the server answered with asset %q; refusing to act on an answer that is not the asset asked for", id, excerpt(a.ID, 80))}
	}
	c.assets.add(&a)
	return &a, nil
}

func checkAsset(a *Asset) error {
	if a.ID == "" {
		return fmt.Errorf("an asset without %q", "id")
	}
	return nil
}

// IsTerminable reports whether a session has at least one web channel:
// native-client-only sessions cannot be terminated.
func IsTerminable(s *Session) bool {
	for _, ch := range s.Channels {
		if !IsNativeChannel(ch) {
			return true
		}
	}
	return false
}

// IsNativeChannel reports a native-client channel (RDPP, SSHP, SSHP:*).
func IsNativeChannel(ch string) bool {
	return SameName(ch, channelRDPP) || SameName(ch, channelSSHP) ||
		len(ch) > len(channelSSHPPrefix) && SameName(ch[:len(channelSSHPPrefix)], channelSSHPPrefix)
}

// IsTerminateEvent reports whether e is the Events Report record of the
// termination of session id.
func IsTerminateEvent(e *Event, id string) bool {
	return SameName(e.Event, EventTerminateSession) && SameID(e.SessionID, id) &&
		strings.HasPrefix(e.Message, terminateMessagePrefix)
}

func normalizeSession(s *Session) {
	if s.Channels == nil {
		s.Channels = []string{}
	}
}
