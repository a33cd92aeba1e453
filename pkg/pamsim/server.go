package pamsim

import (
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a simulator. The zero value is a usable "demo"/"root" site holding only
// the fixtures.
type Options struct {
	Tenant      string           // default "demo"
	Site        string           // default "root"
	Sessions    int              // generated sessions on top of the fixtures
	Seed        int64            // makes generated IDs, names and times deterministic
	Latency     time.Duration    // added to every API request
	FaultRate   float64          // fraction of API requests answered 503 {"message":"simulated fault"}
	Churn       time.Duration    // 0 = off; else every Churn a session starts and a generated one ends
	Now         func() time.Time // clock; default time.Now
	EpochMillis bool             // timestamps as epoch-millisecond numbers, not RFC 3339 strings
	Fixtures    string           // path of a fixture file replacing the embedded one
}

// Server is the simulator. It is an http.Handler; all its methods are safe for concurrent
// use.
type Server struct {
	opts     Options
	now      func() time.Time
	base     string
	start    time.Time
	spaceRID string
	tokens   Tokens
	byToken  map[string]*user
	users    []*user

	mu        sync.Mutex // guards everything below
	rng       *mrand.Rand
	assets    []*Asset
	assetByID map[string]*Asset
	sessions  []*sessionRec
	byID      map[string]*sessionRec
	meta      []sessMeta           // by sessionRec.ord: compact filter fields
	index     [numSortKeys][]int32 // ordinals, ascending by key, then id
	fresh     [numSortKeys]bool
	userOrd   map[string]int32  // lower-case session user -> ordinal
	chanBit   map[string]uint64 // channel value -> bit; chanOverflow beyond 63 values
	events    []Event           // oldest first
	lastChurn time.Time

	shape atomic.Pointer[shape] // nil: the modeled API (shape.go)

	logMu sync.Mutex
	log   []Request

	faultMu sync.Mutex
	faults  []*activeFault

	after afterHooks // lifecycle.go: actions run when the n-th matching request is logged

	ground groundState // faults_ground.go: what the ground fault kinds remember
}

type user struct {
	ID, Name, DisplayName string
	Roles                 []string
	perms                 map[string]string // asset id -> permission
	permOrder             []string
}

func (u *user) hasRole(role string) bool { return slices.Contains(u.Roles, role) }

// siteRead: the site-wide reports need the Administrator or Auditor site role.
func (u *user) siteRead() bool { return u.hasRole(RoleAdministrator) || u.hasRole(RoleAuditor) }

// canView: Viewer or higher on the asset, or a site-wide role.
func (u *user) canView(assetID string) bool { return u.siteRead() || u.perms[assetID] != "" }

// canTerminate: Asset Manager on the asset or the Administrator site role.
func (u *user) canTerminate(assetID string) bool {
	return u.hasRole(RoleAdministrator) || u.perms[assetID] == PermAssetManager
}

type sessionRec struct {
	Session
	ord               int32 // position in Server.sessions and Server.meta
	userKey, assetKey string
	custom            bool // Session.Events given by AddSession: no synthesized start item
	generated         bool // churn may end it
}

func makeRec(sess Session, generated bool) sessionRec {
	r := sessionRec{Session: sess, generated: generated, userKey: strings.ToLower(sess.User), assetKey: strings.ToLower(sess.AssetName)}
	if len(sess.Events) > 0 {
		r.custom = true
		r.Events = slices.Clone(sess.Events)
	} else {
		r.Events = nil
	}
	return r
}

// events returns the session's Session Events Report, oldest first.
func (r *sessionRec) events() []SessionEvent {
	if r.custom {
		return slices.Clone(r.Events)
	}
	out := make([]SessionEvent, 0, 1+len(r.Events))
	out = append(out, SessionEvent{Start: r.Created, Finish: r.Created, Type: "Start Session",
		Details: "message=Session started, channel=" + strings.Join(r.Channels, ",")})
	return append(out, r.Events...)
}

type sortKey int

const (
	sortCreated sortKey = iota
	sortUpdated
	sortCompleted
	sortUser
	sortAsset
	numSortKeys
)

var sortKeys = map[string]sortKey{"created": sortCreated, "updated": sortUpdated, "completed": sortCompleted, "user": sortUser, "asset": sortAsset}

func compareRecs(k sortKey) func(a, b *sessionRec) int {
	var primary func(a, b *sessionRec) int
	switch k {
	case sortCreated:
		primary = func(a, b *sessionRec) int { return a.Created.Compare(b.Created) }
	case sortUpdated:
		primary = func(a, b *sessionRec) int { return a.Updated.Compare(b.Updated) }
	case sortCompleted:
		primary = func(a, b *sessionRec) int { return a.Completed.Compare(b.Completed) }
	case sortUser:
		primary = func(a, b *sessionRec) int {
			return cmp.Or(strings.Compare(a.userKey, b.userKey), strings.Compare(a.User, b.User))
		}
	case sortAsset:
		primary = func(a, b *sessionRec) int {
			return cmp.Or(strings.Compare(a.assetKey, b.assetKey), strings.Compare(a.AssetName, b.AssetName))
		}
	}
	return func(a, b *sessionRec) int { return cmp.Or(primary(a, b), strings.Compare(a.ID, b.ID)) }
}

// sessMeta holds the filtered fields of one session in 40 bytes, so that a list scans a
// small array instead of chasing 100k pointers.
type sessMeta struct {
	created  int64 // unix nanoseconds
	chans    uint64
	asset    string // asset ID
	user     int32
	active   bool
	complete bool
}

const chanOverflow = uint64(1) << 63

func (s *Server) metaOf(r *sessionRec) sessMeta {
	m := sessMeta{created: r.Created.UnixNano(), asset: r.AssetID, active: r.State == StateActive, complete: r.State == StateCompleted}
	u, ok := s.userOrd[r.userKey]
	if !ok {
		u = int32(len(s.userOrd))
		s.userOrd[r.userKey] = u
	}
	m.user = u
	for _, c := range r.Channels {
		b, ok := s.chanBit[c]
		if !ok {
			if len(s.chanBit) < 63 {
				b = uint64(1) << len(s.chanBit)
				s.chanBit[c] = b
			} else {
				b = chanOverflow
			}
		}
		m.chans |= b
	}
	return m
}

// indexLocked returns session ordinals in ascending order of k (ties by id), rebuilt lazily
// after changes.
func (s *Server) indexLocked(k sortKey) []int32 {
	if !s.fresh[k] {
		idx := s.index[k][:0]
		for i := range s.sessions {
			idx = append(idx, int32(i))
		}
		c := compareRecs(k)
		slices.SortFunc(idx, func(a, b int32) int { return c(s.sessions[a], s.sessions[b]) })
		s.index[k] = idx
		s.fresh[k] = true
	}
	return s.index[k]
}

var namePart = regexp.MustCompile(`^[A-Za-z0-9._~-]+$`)

// New builds a simulator from the fixtures plus opts.Sessions generated sessions.
func New(opts Options) (*Server, error) {
	if opts.Tenant == "" {
		opts.Tenant = "demo"
	}
	if opts.Site == "" {
		opts.Site = "root"
	}
	if !namePart.MatchString(opts.Tenant) || !namePart.MatchString(opts.Site) {
		return nil, fmt.Errorf("pamsim: tenant and site must be plain path segments, got %q and %q", opts.Tenant, opts.Site)
	}
	if opts.Sessions < 0 {
		return nil, errors.New("pamsim: Sessions must not be negative")
	}
	if opts.FaultRate < 0 || opts.FaultRate > 1 {
		return nil, fmt.Errorf("pamsim: FaultRate must be within [0, 1], got %v", opts.FaultRate)
	}
	if opts.Latency < 0 || opts.Churn < 0 {
		return nil, errors.New("pamsim: Latency and Churn must not be negative")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	data := defaultFixtures
	if opts.Fixtures != "" {
		var err error
		if data, err = os.ReadFile(opts.Fixtures); err != nil {
			return nil, fmt.Errorf("pamsim: %w", err)
		}
	}
	seed := uint64(opts.Seed)
	s := &Server{
		opts:      opts,
		now:       opts.Now,
		base:      "/ztna/" + opts.Tenant + "/" + opts.Site,
		rng:       mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		assetByID: map[string]*Asset{},
		byID:      make(map[string]*sessionRec, opts.Sessions+16),
		userOrd:   map[string]int32{},
		chanBit:   map[string]uint64{},
		byToken:   map[string]*user{},
	}
	s.start = s.now().UTC().Truncate(time.Second)
	s.lastChurn = s.start
	if err := s.loadFixtures(data); err != nil {
		return nil, err
	}
	if opts.Sessions > 0 {
		s.generate(opts.Sessions)
	}
	for _, u := range s.users {
		tok, err := newToken()
		if err != nil {
			return nil, err
		}
		s.byToken[tok] = u
		switch u.Name {
		case "admin":
			s.tokens.Admin = tok
		case "auditor":
			s.tokens.Auditor = tok
		case "amanager":
			s.tokens.AssetManager = tok
			for _, id := range u.permOrder {
				if u.perms[id] == PermAssetManager {
					s.tokens.AssetManagerAssets = append(s.tokens.AssetManagerAssets, s.assetByID[id].Name)
				}
			}
		case "viewer":
			s.tokens.Viewer = tok
		}
	}
	s.indexLocked(sortCreated)
	return s, nil
}

// newToken returns a fresh random token shaped like standard base64 that always holds a
// "+", a "/" and a trailing "=": the characters JSON and URL encodings escape, so a test can
// tell whether the client spots its token in any encoding. No whitespace or quotes: tokens
// go into environment variables and shell lines.
func newToken() (string, error) {
	var b [18]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("pamsim: token: %w", err)
	}
	enc := base64.StdEncoding.EncodeToString(b[:]) // 24 characters, no padding
	return "pst_" + enc[:8] + "+" + enc[8:16] + "/" + enc[16:23] + "=", nil
}

// BasePath is the site's API base path, "/ztna/<tenant>/<site>".
func (s *Server) BasePath() string { return s.base }

// SpaceRID is the site's root container ID (user context space.rid, the assets' parentId).
func (s *Server) SpaceRID() string { return s.spaceRID }

// Tokens returns the bearer tokens of the fixture users.
func (s *Server) Tokens() Tokens {
	t := s.tokens
	t.AssetManagerAssets = slices.Clone(t.AssetManagerAssets)
	return t
}

// nowSec is the clock truncated to the second, the resolution of server-made timestamps.
func (s *Server) nowSec() time.Time { return s.now().UTC().Truncate(time.Second) }

func (s *Server) addAssetLocked(a Asset) {
	if old := s.assetByID[a.ID]; old != nil {
		*old = a
		return
	}
	p := new(Asset)
	*p = a
	s.assets = append(s.assets, p)
	s.assetByID[a.ID] = p
}

func (s *Server) insertRecLocked(r *sessionRec) {
	if old := s.byID[r.ID]; old != nil {
		r.ord = old.ord
		*old = *r
		s.meta[old.ord] = s.metaOf(old)
	} else {
		r.ord = int32(len(s.sessions))
		s.sessions = append(s.sessions, r)
		s.meta = append(s.meta, s.metaOf(r))
		s.byID[r.ID] = r
	}
	s.fresh = [numSortKeys]bool{}
}

func (s *Server) addSessionLocked(sess Session, generated bool) {
	r := makeRec(sess, generated)
	s.insertRecLocked(&r)
}

func (s *Server) addEventLocked(e Event) {
	// Keep oldest first, stable for equal times.
	i := len(s.events)
	for i > 0 && s.events[i-1].Created.After(e.Created) {
		i--
	}
	s.events = slices.Insert(s.events, i, e)
}

// AddAsset adds or replaces an asset. An empty ID is generated; an empty ParentID is the
// space rid.
func (s *Server) AddAsset(a Asset) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.ID == "" {
		a.ID = newUUID(s.rng)
	}
	if a.ParentID == "" {
		a.ParentID = s.spaceRID
	}
	s.addAssetLocked(a)
}

// AddSession adds or replaces a session (by ID). Empty fields get defaults: a generated ID,
// the asset's name (or ID, looked up by name), Active, Created now, Updated = Created.
func (s *Server) AddSession(sess Session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sess.ID == "" {
		sess.ID = newUUID(s.rng)
	}
	if sess.AssetID != "" && sess.AssetName == "" {
		if a := s.assetByID[sess.AssetID]; a != nil {
			sess.AssetName = a.Name
		}
	}
	if sess.AssetID == "" && sess.AssetName != "" {
		for _, a := range s.assets {
			if a.Name == sess.AssetName {
				sess.AssetID = a.ID
				break
			}
		}
	}
	if sess.State == "" {
		sess.State = StateActive
	}
	if sess.Created.IsZero() {
		sess.Created = s.nowSec()
	}
	if sess.Updated.IsZero() {
		sess.Updated = sess.Created
	}
	sess.Channels = slices.Clone(sess.Channels)
	s.addSessionLocked(sess, false)
}

// Session returns the server-side state of one session, its Session Events included.
func (s *Server) Session(id string) (Session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.byID[id]
	if r == nil {
		return Session{}, false
	}
	out := r.Session
	out.Channels = slices.Clone(r.Channels)
	out.Events = r.events()
	return out, true
}

// Events returns the Events Report, newest first.
func (s *Server) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.events)
	slices.Reverse(out)
	return out
}

// churnLocked catches up with the churn clock: every Churn, a new session starts and a
// random Active generated session ends. Fixture sessions never end by churn, so scripts that
// use their IDs stay valid.
func (s *Server) churnLocked() {
	if s.opts.Churn <= 0 {
		return
	}
	now := s.now()
	n := int(now.Sub(s.lastChurn) / s.opts.Churn)
	if n <= 0 {
		return
	}
	const maxTicks = 100
	if n > maxTicks {
		s.lastChurn = s.lastChurn.Add(time.Duration(n-maxTicks) * s.opts.Churn)
		n = maxTicks
	}
	for range n {
		s.lastChurn = s.lastChurn.Add(s.opts.Churn)
		t := s.lastChurn.UTC().Truncate(time.Second)
		var active []*sessionRec
		for _, r := range s.sessions {
			if r.generated && r.State == StateActive {
				active = append(active, r)
			}
		}
		if len(active) > 0 {
			r := active[s.rng.IntN(len(active))]
			r.State, r.Completed, r.Updated = StateCompleted, t, t
			s.meta[r.ord].active, s.meta[r.ord].complete = false, true
			r.Events = append(r.Events, SessionEvent{Start: t, Finish: t, Type: "End Session", Details: "message=Session ended by the user"})
		}
		a := s.assets[s.rng.IntN(len(s.assets))]
		sess := Session{ID: newUUID(s.rng), AssetID: a.ID, AssetName: a.Name, User: userPool[s.rng.IntN(len(userPool))],
			Created: t, Updated: t, State: StateActive, Channels: pickChannels(s.rng)}
		s.addSessionLocked(sess, true)
	}
	s.fresh = [numSortKeys]bool{}
}
