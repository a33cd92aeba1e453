package api

// This file is the single place where the MODELED parts of the 12Port REST
// contract live (see docs/api-contract.md). 12Port documents the base URL,
// the Bearer header and GET /api/user/context with space.rid; every other
// path, query parameter and JSON field name below is our model of how the
// product's web UI talks to its API. When a live server's OpenAPI document
// says otherwise, correct it here: nothing else in pamctl spells these names.
// For one site that differs, a contract overlay in the operator's profile
// maps these names to the site's at run time (overlay.go): the names here
// are the defaults it maps.

import "net/url"

// PathUserContext is the documented endpoint every site answers.
const PathUserContext = pathUserContext

// Paths, relative to the site's API base (https://host:6443/ztna/<tenant>/<site>).
const (
	pathUserContext   = "/api/user/context"       // documented
	pathSessionList   = "/api/session/list"       // modeled
	pathSession       = "/api/session/"           // modeled: + {id}
	pathSessionEvents = "/events"                 // modeled: /api/session/{id}/events
	pathTerminate     = "/api/session/terminate/" // modeled: + {id}, POST, no body
	pathAssetList     = "/api/asset/list"         // modeled
	pathAsset         = "/api/asset/"             // modeled: + {id}
	pathEventList     = "/api/event/list"         // modeled
)

// Query parameter names (modeled).
const (
	qState    = "state"
	qAsset    = "asset"
	qUser     = "user"
	qChannel  = "channel"
	qFrom     = "from"
	qTo       = "to"
	qSort     = "sort"
	qOrder    = "order"
	qOffset   = "offset"
	qLimit    = "limit"
	qName     = "name"
	qParent   = "parent"
	qEvent    = "event"
	qCategory = "category"
)

// Values the server uses (documented values except where noted).
const (
	StateActive    = "Active"
	StateCompleted = "Completed"

	// EventTerminateSession is the Events Report event a termination records.
	EventTerminateSession = "Terminate Session"
	// terminateMessagePrefix starts the documented event message
	// "message=Session terminated, channel=<channel>".
	terminateMessagePrefix = "message=Session terminated"

	// maxPageSize is the server's clamp on limit (modeled: 500).
	maxPageSize = 500
)

// Native-client channels (documented: RDPP, SSHP:Shell, SSHP:Exec,
// SSHP:SFTP); a session whose channels are all native cannot be terminated
// from the web UI or the API. The rule is RDPP or SSHP exactly, or SSHP:
// followed by anything, in any case; testdata/channels.json is the table
// that both this client's and the simulator's tests check it against.
const (
	channelRDPP       = "RDPP"
	channelSSHP       = "SSHP"
	channelSSHPPrefix = "SSHP:"
)

// UserContext is GET /api/user/context. Only space.rid is documented.
type UserContext struct {
	User  UserRef  `json:"user"`
	Space SpaceRef `json:"space"`
	Roles []string `json:"roles"`
}

// UserRef names the token's user.
type UserRef struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	DisplayName string `json:"displayName"`
}

// SpaceRef is the site; RID is the root container that asset listing needs.
type SpaceRef struct {
	RID  string `json:"rid"`
	Name string `json:"name"`
}

// Session is one row of the Sessions Report (field names modeled on its
// documented columns).
type Session struct {
	ID        string   `json:"id"`
	AssetID   string   `json:"assetId"`
	AssetName string   `json:"assetName"`
	User      string   `json:"user"`
	Created   Time     `json:"created"`
	Updated   Time     `json:"updated"`
	Completed Time     `json:"completed"`
	State     string   `json:"state"`
	Channels  []string `json:"channels"`
}

// Asset is an item of the asset list.
type Asset struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Type     string `json:"type"`
	ParentID string `json:"parentId"`
}

// Event is one row of the Events Report.
type Event struct {
	ID        string `json:"id"`
	Created   Time   `json:"created"`
	Level     string `json:"level"`
	Category  string `json:"category"`
	Event     string `json:"event"`
	Message   string `json:"message"`
	User      string `json:"user"`
	AssetID   string `json:"assetId"`
	AssetName string `json:"assetName"`
	SessionID string `json:"sessionId"`

	// nulls are the text fields the server sent as null (see event.go).
	nulls eventNulls
}

// SessionEvent is one row of the Session Events Report.
type SessionEvent struct {
	Start   Time   `json:"start"`
	Finish  Time   `json:"finish"`
	Type    string `json:"type"`
	Details string `json:"details"`
}

// page is the paging envelope of every list endpoint.
type page[T any] struct {
	Total  int `json:"total"`
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
	Items  []T `json:"items"`
}

// errorBody is the JSON error body.
type errorBody struct {
	Message string `json:"message"`
}

func sessionPath(id string) string   { return pathSession + url.PathEscape(id) }
func terminatePath(id string) string { return pathTerminate + url.PathEscape(id) }
func assetPath(id string) string     { return pathAsset + url.PathEscape(id) }
func sessionEventsPath(id string) string {
	return pathSession + url.PathEscape(id) + pathSessionEvents
}

// The contract as data, for `pamctl doctor` and docs/openapi.json (see
// openapi.go). Each row names the constants above that spell it, so a
// difference found on a live server says what to change in this file.

// Site roles (documented): the site-wide reports need one of them, and
// terminating any session needs SiteRoleAdministrator.
const (
	SiteRoleAdministrator = "Administrator"
	SiteRoleAuditor       = "Auditor"
)

// Endpoint is one operation of the contract.
type Endpoint struct {
	ID         string  // operationId in docs/openapi.json
	Method     string  // GET, or POST for terminate
	Path       string  // template; {id} is a session or asset ID
	Consts     string  // the path constants above that spell Path
	Query      []Param // the query parameters pamctl sends
	Response   any     // a value of the answer's Go type
	Report     bool    // a list or the user context: exists on every site
	Name       string  // what the web UI calls it, for messages
	Documented bool    // by 12Port; else modeled
}

// Param is a query parameter and the constant that spells it.
type Param struct{ Name, Const string }

// Endpoints lists the operations pamctl uses, in the order doctor checks them.
func Endpoints() []Endpoint {
	q := func(nameConst ...string) []Param {
		ps := make([]Param, 0, len(nameConst)/2+2)
		for i := 0; i+1 < len(nameConst); i += 2 {
			ps = append(ps, Param{nameConst[i], nameConst[i+1]})
		}
		return append(ps, Param{qOffset, "qOffset"}, Param{qLimit, "qLimit"})
	}
	return []Endpoint{
		{ID: "getUserContext", Method: "GET", Path: pathUserContext, Consts: "pathUserContext", Response: UserContext{}, Report: true, Name: "user context", Documented: true},
		{ID: "listSessions", Method: "GET", Path: pathSessionList, Consts: "pathSessionList", Report: true, Name: "Sessions Report", Response: page[Session]{},
			Query: q(qState, "qState", qAsset, "qAsset", qUser, "qUser", qChannel, "qChannel", qFrom, "qFrom", qTo, "qTo", qSort, "qSort", qOrder, "qOrder")},
		{ID: "getSession", Method: "GET", Path: pathSession + "{id}", Consts: "pathSession", Response: Session{}},
		{ID: "listSessionEvents", Method: "GET", Path: pathSession + "{id}" + pathSessionEvents, Consts: "pathSession, pathSessionEvents", Query: q(), Response: page[SessionEvent]{}},
		{ID: "terminateSession", Method: "POST", Path: pathTerminate + "{id}", Consts: "pathTerminate", Response: Session{}},
		{ID: "listAssets", Method: "GET", Path: pathAssetList, Consts: "pathAssetList", Report: true, Name: "asset list", Response: page[Asset]{}, Query: q(qName, "qName", qParent, "qParent")},
		{ID: "getAsset", Method: "GET", Path: pathAsset + "{id}", Consts: "pathAsset", Response: Asset{}},
		{ID: "listEvents", Method: "GET", Path: pathEventList, Consts: "pathEventList", Report: true, Name: "Events Report", Response: page[Event]{},
			Query: q(qEvent, "qEvent", qCategory, "qCategory", qFrom, "qFrom", qTo, "qTo")},
	}
}

// reportName is the name of the report (or user context) at path, "" for
// any other path.
func reportName(path string) string {
	for _, ep := range Endpoints() {
		if ep.Report && ep.Path == path {
			return ep.Name
		}
	}
	return ""
}

// optionalFields are JSON fields an answer may leave out (besides
// timestamps, which may always be null or absent): an Event that concerns
// no session has no asset or session, and pamctl pages without offset
// and limit in the answer.
var optionalFields = map[string][]string{"Event": {"assetId", "assetName", "sessionId"}, "page": {"offset", "limit"}}

// OpenAPILocation is where a server might publish its own OpenAPI document:
// a path under the site's API base, or, OnHost, from the host's root.
type OpenAPILocation struct {
	Path   string
	OnHost bool
}

// OpenAPILocations are tried in order. They are GUESSES: 12Port does not
// document where (or whether) it serves an OpenAPI document.
func OpenAPILocations() []OpenAPILocation {
	return []OpenAPILocation{{Path: "/api/openapi.json"}, {Path: "/v3/api-docs"}, {Path: "/api/v3/api-docs"}, {Path: "/ztna/v3/api-docs", OnHost: true}}
}
