package api

import (
	"strings"
	"sync"
)

// interner shares the strings that repeat across a large listing (asset
// IDs and names, users, states, channel lists), so 100,000 sessions hold
// each distinct value once instead of once per session: the listing's
// memory is then mostly the session IDs. Pages decode concurrently, hence
// the lock.
type interner struct {
	mu       sync.Mutex
	strs     map[string]string
	channels map[string][]string
}

func newInterner() *interner {
	return &interner{strs: map[string]string{}, channels: map[string][]string{}}
}

func (in *interner) str(s string) string {
	if v, ok := in.strs[s]; ok {
		return v
	}
	// Clone so the kept string does not pin the whole page's buffer.
	s = strings.Clone(s)
	in.strs[s] = s
	return s
}

func (in *interner) session(s *Session) {
	in.mu.Lock()
	defer in.mu.Unlock()
	s.AssetID = in.str(s.AssetID)
	s.AssetName = in.str(s.AssetName)
	s.User = in.str(s.User)
	s.State = in.str(s.State)
	key := strings.Join(s.Channels, "\x00")
	if v, ok := in.channels[key]; ok {
		s.Channels = v
		return
	}
	for i, ch := range s.Channels {
		s.Channels[i] = in.str(ch)
	}
	in.channels[key] = s.Channels
}
