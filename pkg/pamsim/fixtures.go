package pamsim

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

//go:embed testdata/fixtures.json
var defaultFixtures []byte

type fixtureFile struct {
	Space struct {
		RID string `json:"rid"`
	} `json:"space"`
	Users    []fixtureUser    `json:"users"`
	Assets   []Asset          `json:"assets"`
	Sessions []fixtureSession `json:"sessions"`
	Events   []fixtureEvent   `json:"events"`
}

type fixtureUser struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	DisplayName string   `json:"displayName"`
	Roles       []string `json:"roles"`
	Permissions []struct {
		Asset      string `json:"asset"`
		Permission string `json:"permission"`
	} `json:"permissions"`
}

type fixtureSession struct {
	ID           string   `json:"id"`
	Asset        string   `json:"asset"`
	User         string   `json:"user"`
	Channels     []string `json:"channels"`
	State        string   `json:"state"`
	CreatedAgo   string   `json:"createdAgo"`
	UpdatedAgo   string   `json:"updatedAgo"`
	CompletedAgo string   `json:"completedAgo"`
}

type fixtureEvent struct {
	ID       string `json:"id"`
	Ago      string `json:"ago"`
	Level    string `json:"level"`
	Category string `json:"category"`
	Event    string `json:"event"`
	Message  string `json:"message"`
	User     string `json:"user"`
	Asset    string `json:"asset"`
	Session  string `json:"session"`
}

// parseAgo parses a fixture offset: a Go duration or a whole number of days ("1d").
func parseAgo(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("bad offset %q", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad offset %q", s)
	}
	return d, nil
}

// loadFixtures fills an empty server from the fixture file.
func (s *Server) loadFixtures(data []byte) error {
	var f fixtureFile
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("pamsim: fixtures: %w", err)
	}
	if f.Space.RID == "" {
		return fmt.Errorf("pamsim: fixtures: space.rid is empty")
	}
	s.spaceRID = f.Space.RID
	byName := map[string]*Asset{}
	for _, a := range f.Assets {
		if a.ID == "" || a.Name == "" {
			return fmt.Errorf("pamsim: fixtures: asset without id or name")
		}
		a.ParentID = s.spaceRID
		s.addAssetLocked(a)
		byName[a.Name] = s.assetByID[a.ID]
	}
	for _, fu := range f.Users {
		u := &user{ID: fu.ID, Name: fu.Name, DisplayName: fu.DisplayName, Roles: fu.Roles, perms: map[string]string{}}
		for _, p := range fu.Permissions {
			a := byName[p.Asset]
			if a == nil {
				return fmt.Errorf("pamsim: fixtures: user %s: unknown asset %q", fu.Name, p.Asset)
			}
			u.perms[a.ID] = p.Permission
			u.permOrder = append(u.permOrder, a.ID)
		}
		s.users = append(s.users, u)
	}
	for _, fs := range f.Sessions {
		a := byName[fs.Asset]
		if a == nil {
			return fmt.Errorf("pamsim: fixtures: session %s: unknown asset %q", fs.ID, fs.Asset)
		}
		created, err := parseAgo(fs.CreatedAgo)
		if err != nil {
			return fmt.Errorf("pamsim: fixtures: session %s: %w", fs.ID, err)
		}
		sess := Session{
			ID: fs.ID, AssetID: a.ID, AssetName: a.Name, User: fs.User,
			Created: s.start.Add(-created), State: fs.State, Channels: fs.Channels,
		}
		sess.Updated = sess.Created
		if fs.UpdatedAgo != "" {
			d, err := parseAgo(fs.UpdatedAgo)
			if err != nil {
				return fmt.Errorf("pamsim: fixtures: session %s: %w", fs.ID, err)
			}
			sess.Updated = s.start.Add(-d)
		}
		if fs.CompletedAgo != "" {
			d, err := parseAgo(fs.CompletedAgo)
			if err != nil {
				return fmt.Errorf("pamsim: fixtures: session %s: %w", fs.ID, err)
			}
			sess.Completed = s.start.Add(-d)
			sess.Updated = sess.Completed
		}
		s.addSessionLocked(sess, false)
	}
	for _, fe := range f.Events {
		d, err := parseAgo(fe.Ago)
		if err != nil {
			return fmt.Errorf("pamsim: fixtures: event %s: %w", fe.ID, err)
		}
		e := Event{ID: fe.ID, Created: s.start.Add(-d), Level: fe.Level, Category: fe.Category,
			Event: fe.Event, Message: fe.Message, User: fe.User, SessionID: fe.Session}
		if fe.Asset != "" {
			a := byName[fe.Asset]
			if a == nil {
				return fmt.Errorf("pamsim: fixtures: event %s: unknown asset %q", fe.ID, fe.Asset)
			}
			e.AssetID, e.AssetName = a.ID, a.Name
		}
		s.addEventLocked(e)
	}
	return nil
}
