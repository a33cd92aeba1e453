package pamsim

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
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

// The fault kinds. Only FaultTruncated, FaultDropAfterApply and FaultDelay apply the request.
const (
	FaultStatus          FaultKind = iota // answer Status with {"message":"simulated <code>"}
	FaultTooManyRequests                  // 429 with Retry-After
	FaultHTML                             // 200 text/html SSO login page
	FaultTruncated                        // 200 JSON, the real body cut in half
	FaultDrop                             // close the connection without answering or applying
	FaultDropAfterApply                   // apply, then close the connection without answering
	FaultDelay                            // sleep Delay, then answer normally
	FaultEmpty                            // 502 with an empty body
)

var faultKindNames = []string{"status", "too-many-requests", "html", "truncated", "drop", "drop-after-apply", "delay", "empty"}

// String returns the name used by the /_pamsim/faults admin endpoint.
func (k FaultKind) String() string {
	if k >= 0 && int(k) < len(faultKindNames) {
		return faultKindNames[k]
	}
	return fmt.Sprintf("FaultKind(%d)", int(k))
}

// MarshalText writes the kind's name.
func (k FaultKind) MarshalText() ([]byte, error) {
	if k < 0 || int(k) >= len(faultKindNames) {
		return nil, fmt.Errorf("pamsim: unknown fault kind %d", int(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText reads a kind's name ("status", "too-many-requests", "html", ...).
func (k *FaultKind) UnmarshalText(b []byte) error {
	for i, n := range faultKindNames {
		if strings.EqualFold(string(b), n) {
			*k = FaultKind(i)
			return nil
		}
	}
	return fmt.Errorf("pamsim: unknown fault kind %q (want one of %s)", b, strings.Join(faultKindNames, ", "))
}

// Fault is an injected failure for the requests it matches.
type Fault struct {
	Method     string        `json:"method"`     // "" = any
	Path       string        `json:"path"`       // prefix relative to the base path; "" = any
	Kind       FaultKind     `json:"kind"`       // see FaultKind
	Status     int           `json:"status"`     // FaultStatus: the status (default 503)
	RetryAfter int           `json:"retryAfter"` // seconds; FaultStatus and FaultTooManyRequests
	Delay      time.Duration `json:"delay"`      // FaultDelay; a Go duration string in JSON
	Times      int           `json:"times"`      // matching requests affected; 0 = every one
}

type faultJSON struct {
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Kind       FaultKind `json:"kind"`
	Status     int       `json:"status,omitempty"`
	RetryAfter int       `json:"retryAfter,omitempty"`
	Delay      string    `json:"delay,omitempty"`
	Times      int       `json:"times,omitempty"`
}

// MarshalJSON writes Delay as a Go duration string.
func (f Fault) MarshalJSON() ([]byte, error) {
	j := faultJSON{Method: f.Method, Path: f.Path, Kind: f.Kind, Status: f.Status, RetryAfter: f.RetryAfter, Times: f.Times}
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
	*f = Fault{Method: j.Method, Path: j.Path, Kind: j.Kind, Status: j.Status, RetryAfter: j.RetryAfter, Delay: d, Times: j.Times}
	return nil
}

// isNative reports whether a channel is a native-client channel (RDPP, SSHP:*), which
// cannot be terminated from the server.
func isNative(ch string) bool {
	return strings.EqualFold(ch, "RDPP") || strings.EqualFold(ch, "SSHP") ||
		len(ch) > len("SSHP:") && strings.EqualFold(ch[:len("SSHP:")], "SSHP:")
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
