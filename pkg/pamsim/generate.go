package pamsim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// userPool holds the session users of generated and churned sessions.
var userPool = []string{
	"agarcia", "asmith", "bnguyen", "bwilliams", "cjohnson", "dkim", "emartin", "fmueller",
	"gsilva", "hlee", "ipetrov", "jdoe", "kbrown", "lwang", "mchen", "mrossi", "nsato",
	"obrien", "pdubois", "qzhang", "rfernandez", "rpatel", "sokafor", "tnakamura", "ujensen",
	"vkowalski", "wtaylor", "xli", "ymurphy", "zahmed",
}

// channelMix is the weighted channel mix of generated sessions, native ones included.
var channelMix = []struct {
	weight   int
	channels []string
}{
	{30, []string{"SSH"}},
	{20, []string{"RDP"}},
	{5, []string{"VNC"}},
	{3, []string{"Telnet"}},
	{14, []string{"RDPP"}},
	{10, []string{"SSHP:Shell"}},
	{6, []string{"SSHP:SFTP"}},
	{3, []string{"SSHP:Exec"}},
	{7, []string{"SSH", "SSHP:SFTP"}},
	{2, []string{"RDP", "RDPP"}},
}

var channelMixTotal = func() int {
	n := 0
	for _, c := range channelMix {
		n += c.weight
	}
	return n
}()

func pickChannels(r *rand.Rand) []string {
	n := r.IntN(channelMixTotal)
	for _, c := range channelMix {
		if n < c.weight {
			return c.channels
		}
		n -= c.weight
	}
	return channelMix[0].channels
}

const hexDigits = "0123456789abcdef"

// newUUID returns a random version-4 UUID drawn from r, so IDs are deterministic per seed.
func newUUID(r *rand.Rand) string {
	var b [16]byte
	a, c := r.Uint64(), r.Uint64()
	for i := range 8 {
		b[i] = byte(a >> (8 * i))
		b[8+i] = byte(c >> (8 * i))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	j := 0
	for i, x := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		out[j], out[j+1] = hexDigits[x>>4], hexDigits[x&0x0f]
		j += 2
	}
	return string(out[:])
}

const generatedAssets = 40

// generate adds ~40 assets and n sessions, deterministic for the server's seed. About a
// quarter are Active (started within the last 12 hours); the rest Completed within the last
// 30 days.
func (s *Server) generate(n int) {
	r := s.rng
	types := []string{"Linux", "Linux", "Windows", "Database"}
	for i := 1; i <= generatedAssets; i++ {
		s.addAssetLocked(Asset{ID: newUUID(r), Name: fmt.Sprintf("srv-%03d", i), Type: types[i%len(types)], ParentID: s.spaceRID})
	}
	assets := s.assets
	recs := make([]sessionRec, n)
	s.sessions = slices.Grow(s.sessions, n)
	s.meta = slices.Grow(s.meta, n)
	for i := range recs {
		a := assets[r.IntN(len(assets))]
		sess := Session{ID: newUUID(r), AssetID: a.ID, AssetName: a.Name, User: userPool[r.IntN(len(userPool))], Channels: pickChannels(r)}
		if r.IntN(4) == 0 {
			sess.State = StateActive
			sess.Created = s.start.Add(-time.Duration(r.Int64N(int64(12 * time.Hour))))
			sess.Updated = sess.Created.Add(time.Duration(r.Int64N(int64(s.start.Sub(sess.Created) + 1))))
		} else {
			sess.State = StateCompleted
			sess.Created = s.start.Add(-time.Duration(r.Int64N(int64(30 * 24 * time.Hour))))
			sess.Completed = sess.Created.Add(5*time.Minute + time.Duration(r.Int64N(int64(4*time.Hour))))
			if sess.Completed.After(s.start) {
				sess.Completed = s.start
			}
			sess.Updated = sess.Completed
		}
		sess.Created = sess.Created.Truncate(time.Second)
		sess.Updated = sess.Updated.Truncate(time.Second)
		sess.Completed = sess.Completed.Truncate(time.Second)
		recs[i] = makeRec(sess, true)
		s.insertRecLocked(&recs[i])
	}
}
