package pamsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pamctl/pamctl/pkg/api"
)

// Session states and the site roles and asset permissions the simulator knows.
const (
	StateActive    = "Active"
	StateCompleted = "Completed"

	RoleAdministrator = "Administrator"
	RoleAuditor       = "Auditor"

	PermViewer       = "Viewer"
	PermAssetManager = "Asset Manager"
)

// Session is the server-side state of one session. Its JSON field names are the contract's;
// the server writes timestamps as RFC 3339 or epoch milliseconds (Options.EpochMillis) and a
// zero Completed as null.
type Session struct {
	ID        string    `json:"id"`
	AssetID   string    `json:"assetId"`
	AssetName string    `json:"assetName"`
	User      string    `json:"user"`
	Created   time.Time `json:"created"`
	Updated   time.Time `json:"updated"`
	Completed time.Time `json:"completed,omitzero"` // zero: not set
	State     string    `json:"state"`
	Channels  []string  `json:"channels"`
	// Events is the Session Events Report of this session, oldest first. Session returns it
	// filled; AddSession uses it as given when not empty, else starts it with a
	// "Start Session" item.
	Events []SessionEvent `json:"-"`
}

// SessionEvent is one item of a session's Session Events Report.
type SessionEvent struct {
	Start   time.Time `json:"start"`
	Finish  time.Time `json:"finish"`
	Type    string    `json:"type"`
	Details string    `json:"details"`
}

// Asset is one asset of the site; ParentID is the site's root container (space rid).
type Asset struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Type     string `json:"type"`
	ParentID string `json:"parentId"`
}

// Event is one item of the Events Report.
type Event struct {
	ID        string    `json:"id"`
	Created   time.Time `json:"created"`
	Level     string    `json:"level"`
	Category  string    `json:"category"`
	Event     string    `json:"event"`
	Message   string    `json:"message"`
	User      string    `json:"user"`
	AssetID   string    `json:"assetId,omitempty"`
	AssetName string    `json:"assetName,omitempty"`
	SessionID string    `json:"sessionId,omitempty"`
}

// Request is one entry of the request log. Path is relative to the base path when the
// request was under it; Status is what was actually sent, 0 when the connection was dropped
// or the client went away first; User is the authenticated user name or "".
type Request struct {
	Time   time.Time `json:"time"`
	Method string    `json:"method"`
	Path   string    `json:"path"`
	Query  string    `json:"query"`
	Status int       `json:"status"`
	User   string    `json:"user"`
}

// Tokens are the bearer tokens of the fixture users, random per server instance.
type Tokens struct {
	Admin, Auditor, AssetManager, Viewer string
	// AssetManagerAssets are the names of the assets on which AssetManager's user holds the
	// Asset Manager permission.
	AssetManagerAssets []string
}

// FaultKind selects how a Fault answers.
type FaultKind int

// The fault kinds. FaultTruncated, FaultDropAfterApply, FaultDelay, FaultApplyLate and the
// kinds that rewrite a real answer (FaultIgnoreFilter to FaultEndless, FaultRenameField)
// apply the request; the others never do.
const (
	FaultStatus          FaultKind = iota // answer Status with {"message":"simulated <code>"}
	FaultTooManyRequests                  // 429 with Retry-After
	FaultHTML                             // 200 text/html SSO login page
	FaultTruncated                        // 200 JSON, the real body cut in half
	FaultDrop                             // close the connection without answering or applying
	FaultDropAfterApply                   // apply, then close the connection without answering
	FaultDelay                            // sleep Delay, then answer normally
	FaultEmpty                            // 502 with an empty body
	FaultIgnoreFilter                     // a list answered as if the filter Param were absent
	FaultWrongBody                        // 200 with another existing session's or asset's body
	FaultEnvelope                         // a list answered in another Shape
	FaultOversizePage                     // a list page holds twice the limit asked
	FaultRepeatPage                       // every offset answers the first page again
	FaultEndless                          // no total; every page full of new synthetic items
	FaultEchoToken                        // an error whose body or Location echoes the token (Mode)
	FaultApplyLate                        // drop the connection at once, apply Delay later
	FaultRenameField                      // field From renamed To in every object answered
	FaultEchoField                        // names in a real answer hold the token, spelled by Mode (faults_hostile.go)
	FaultHugeTotal                        // a list page of one item declaring total 1,000,000
	FaultDrip                             // a real answer written one byte per Delay
	FaultHostileNames                     // names in a real answer replaced by HostileNames, in turn
)

var faultKindNames = []string{"status", "too-many-requests", "html", "truncated", "drop", "drop-after-apply", "delay", "empty",
	"ignore-filter", "wrong-body", "envelope", "oversize-page", "repeat-page", "endless", "echo-token", "apply-late", "rename-field",
	"echo-field", "huge-total", "drip", "hostile-names"}

// String returns the name used by the /_pamsim/faults admin endpoint.
func (k FaultKind) String() string {
	if n, ok := kindName(k); ok {
		return n
	}
	return fmt.Sprintf("FaultKind(%d)", int(k))
}

// MarshalText writes the kind's name.
func (k FaultKind) MarshalText() ([]byte, error) {
	if _, ok := kindName(k); !ok {
		return nil, fmt.Errorf("pamsim: unknown fault kind %d", int(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText reads a kind's name ("status", "too-many-requests", "html", ...).
func (k *FaultKind) UnmarshalText(b []byte) error {
	if kind, ok := kindByName(strings.ToLower(string(b))); ok {
		*k = kind
		return nil
	}
	return fmt.Errorf("pamsim: unknown fault kind %q (want one of %s)", b, strings.Join(FaultKindNames(), ", "))
}

// The values of Fault.Shape (FaultEnvelope), of Fault.Mode (FaultEchoToken) and the filter
// groups of Fault.Param (FaultIgnoreFilter).
var (
	EnvelopeShapes = []string{"content", "empty-items", "message", "null", "no-total", "items-object", "total-string"}
	EchoModes      = []string{"raw", "json", "url", "location"}
	FilterParams   = []string{"all", "user", "state", "asset", "channel", "name", "event", "category", "from", "to"}
)

// Fault is an injected failure for the requests it matches: those with Method ("" = any)
// whose path relative to the base path starts with Path, first come first served, Times of
// them (0 = every one). Kind says how it answers:
//
//   - status: Status (default 503) with {"message":"simulated <code>"}, and Retry-After when
//     RetryAfter (seconds) or RetryAfterDate (an HTTP-date that many seconds from now) is set;
//     never applied, so a POST is safe to retry.
//   - too-many-requests: 429, Retry-After as for status (default 1 second).
//   - html: 200 text/html, an SSO login page. truncated: 200, the real JSON body cut in half.
//   - drop: the connection closed, nothing applied. drop-after-apply: applied, then dropped.
//   - delay: answered normally after Delay (not applied when the client leaves first).
//   - empty: 502 without a body.
//   - ignore-filter: a list answered as if its filter Param were absent ("user", "state",
//     "asset", "channel", "name", "event", "category", "from", "to"; "" or "all": every one);
//     total and paging are those of the unfiltered list.
//   - wrong-body: an answer that is one session or asset object (GET /api/session/{id},
//     /api/asset/{id}, a terminate) is 200 with ANOTHER existing object's body: a session in
//     the same state when there is one, else any other.
//   - envelope: a list in another Shape: "content" {"content":[...],"totalElements":n};
//     "empty-items" the real total with no items; "message" 200 {"message":"ok"}; "null" the
//     body null; "no-total" the envelope without total; "items-object" items is an object
//     keyed by position; "total-string" total is a JSON string.
//   - oversize-page: a list page holds up to twice the limit asked (the next page appended);
//     offset, limit and total are the ones asked and the real one.
//   - repeat-page: every offset answers the first page's items, the offset asked echoed.
//   - endless: a session, asset or event list without total whose every page is full (limit
//     items) of new synthetic objects, unique per offset, never stored; other answers are real.
//   - echo-token: an error (Status, default 400) echoing the caller's Bearer token by Mode:
//     "raw" verbatim in the JSON message; "json" JSON-escaped ("/" as "\/", "+" and "=" as
//     \u002b and \u003d), so its bytes differ from the token; "url" URL-encoded (%2F, %2B,
//     %3D) in the message; "location" a 302 whose Location is /sso/login?token=<url-encoded>.
//   - apply-late: the connection closed at once without an answer, the request applied Delay
//     later (a slow first POST landing after the client gave up).
//   - rename-field: JSON field From renamed To in every list item and in a single object.
//   - paths-differ, state-spelling, liar, case-sensitive-filter, lookalike-users, asset-swap,
//     terminate-other, apply-then-status, late-landing: servers that answer plausibly but
//     differently from the contract (faults_ground.go and docs/testing.md describe each).
//
// Only the /_pamsim/faults endpoint and script commands check a fault with Validate; a fault
// that fails it answers 500.
type Fault struct {
	Method         string        `json:"method"`         // "" = any
	Path           string        `json:"path"`           // prefix relative to the base path; "" = any
	Kind           FaultKind     `json:"kind"`           // see FaultKind
	Status         int           `json:"status"`         // status, echo-token, apply-then-status: the status
	RetryAfter     int           `json:"retryAfter"`     // seconds; status and too-many-requests
	RetryAfterDate int           `json:"retryAfterDate"` // Retry-After as an HTTP-date this many seconds from now
	Delay          time.Duration `json:"delay"`          // delay, apply-late, late-landing; a Go duration string in JSON
	Times          int           `json:"times"`          // matching requests affected; 0 = every one
	Param          string        `json:"param"`          // ignore-filter: the filter ignored; "" = all
	Shape          string        `json:"shape"`          // envelope: one of EnvelopeShapes
	Mode           string        `json:"mode"`           // echo-token: one of EchoModes ("" = raw); asset-swap: AssetSwapModes
	From           string        `json:"from"`           // rename-field: the contract's field name; asset-swap: the name asked
	To             string        `json:"to"`             // rename-field: the name written instead; state-spelling, asset-swap, terminate-other
}

// Validate reports a fault whose parameters do not fit its kind.
func (f Fault) Validate() error {
	if _, ok := kindName(f.Kind); !ok {
		return fmt.Errorf("pamsim: unknown fault kind %d", int(f.Kind))
	}
	if f.Status != 0 && (f.Status < 100 || f.Status > 599) {
		return fmt.Errorf("pamsim: fault status %d is not an HTTP status", f.Status)
	}
	if f.RetryAfter < 0 || f.RetryAfterDate < 0 || f.Delay < 0 || f.Times < 0 {
		return errors.New("pamsim: fault retryAfter, retryAfterDate, delay and times must not be negative")
	}
	switch f.Kind {
	case FaultIgnoreFilter:
		if f.Param != "" && !slices.Contains(FilterParams, f.Param) {
			return fmt.Errorf("pamsim: ignore-filter param %q (want one of %s)", f.Param, strings.Join(FilterParams, ", "))
		}
	case FaultEnvelope:
		if !slices.Contains(EnvelopeShapes, f.Shape) {
			return fmt.Errorf("pamsim: envelope shape %q (want one of %s)", f.Shape, strings.Join(EnvelopeShapes, ", "))
		}
	case FaultEchoToken, FaultEchoField:
		if f.Mode != "" && !slices.Contains(EchoModes, f.Mode) && !slices.Contains(HostileEchoModes, f.Mode) {
			return fmt.Errorf("pamsim: echo-token mode %q (want one of %s)", f.Mode, strings.Join(EchoModes, ", "))
		}
	case FaultRenameField:
		if f.From == "" || f.To == "" || f.From == f.To {
			return errors.New("pamsim: rename-field needs from and to, two different field names")
		}
	default:
		return f.validateGround()
	}
	return nil
}

type faultJSON struct {
	Method         string    `json:"method"`
	Path           string    `json:"path"`
	Kind           FaultKind `json:"kind"`
	Status         int       `json:"status,omitempty"`
	RetryAfter     int       `json:"retryAfter,omitempty"`
	RetryAfterDate int       `json:"retryAfterDate,omitempty"`
	Delay          string    `json:"delay,omitempty"`
	Times          int       `json:"times,omitempty"`
	Param          string    `json:"param,omitempty"`
	Shape          string    `json:"shape,omitempty"`
	Mode           string    `json:"mode,omitempty"`
	From           string    `json:"from,omitempty"`
	To             string    `json:"to,omitempty"`
}

// MarshalJSON writes Delay as a Go duration string.
func (f Fault) MarshalJSON() ([]byte, error) {
	j := faultJSON{Method: f.Method, Path: f.Path, Kind: f.Kind, Status: f.Status, RetryAfter: f.RetryAfter,
		RetryAfterDate: f.RetryAfterDate, Times: f.Times, Param: f.Param, Shape: f.Shape, Mode: f.Mode, From: f.From, To: f.To}
	if f.Delay != 0 {
		j.Delay = f.Delay.String()
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads Delay as a Go duration string ("250ms").
func (f *Fault) UnmarshalJSON(b []byte) error {
	var j faultJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	var d time.Duration
	if j.Delay != "" {
		var err error
		if d, err = time.ParseDuration(j.Delay); err != nil {
			return fmt.Errorf("pamsim: fault delay: %w", err)
		}
	}
	*f = Fault{Method: j.Method, Path: j.Path, Kind: j.Kind, Status: j.Status, RetryAfter: j.RetryAfter, RetryAfterDate: j.RetryAfterDate,
		Delay: d, Times: j.Times, Param: j.Param, Shape: j.Shape, Mode: j.Mode, From: j.From, To: j.To}
	return nil
}

// isNative reports whether a channel is a native-client channel (RDPP, SSHP:*), which
// cannot be terminated from the server.
func isNative(ch string) bool {
	return api.SameName(ch, "RDPP") || api.SameName(ch, "SSHP") ||
		len(ch) > len("SSHP:") && api.SameName(ch[:len("SSHP:")], "SSHP:")
}

// firstWebChannel returns the session's first channel that is not native, or "".
func firstWebChannel(chs []string) string {
	for _, c := range chs {
		if !isNative(c) {
			return c
		}
	}
	return ""
}
