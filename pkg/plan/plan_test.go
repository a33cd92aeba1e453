package plan

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
)

func TestBuild(t *testing.T) {
	p := build(t, userInput())

	assert.Equal(t, Format, p.Format)
	assert.Equal(t, Kind, p.Kind)
	assert.Equal(t, t0, p.CreatedAt, "whole seconds, UTC")
	assert.Equal(t, t0.Add(DefaultTTL), p.ExpiresAt, "--plan-ttl defaults to 1h")
	assert.True(t, p.TwoPerson)
	assert.Equal(t, "INC-4312", p.Reason)
	assert.Equal(t, Selector{User: "bwilliams"}, p.Selector)
	assert.Equal(t, 10, p.Max)
	assert.Empty(t, p.Hold)
	assert.Equal(t, LocalPerson{LocalUser: "alice"}, p.PlannedBy)
	require.Len(t, p.Sites, 2)
	assert.Equal(t, serverA, p.Sites[0].Server, "the server is normalised")
	assert.Equal(t, []string{"prod"}, p.Sites[0].Profiles)
	assert.Equal(t, TokenUser{ID: "u-1", Name: "alice.ops"}, p.Sites[0].Planner)
	assert.Equal(t, []Target{
		{ID: "S-1", User: "bwilliams", AssetID: "A-1", AssetName: "name-A-1", Channels: []string{"web"}, State: "Active", Created: t0.Add(-time.Hour)},
		{ID: "S-2", User: "bwilliams", AssetID: "A-2", AssetName: "name-A-2", Channels: []string{"web", "ssh"}, State: "Active", Created: t0.Add(-30 * time.Minute)},
	}, p.Sites[0].Targets)
	assert.Equal(t, 3, p.Targets())
	assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, p.Digest)
	assert.Equal(t, Digest(p), p.Digest)
}

func TestBuildOptions(t *testing.T) {
	in := userInput()
	in.TTL = 15 * time.Minute
	in.Hold = 30 * time.Minute
	in.Sites = in.Sites[:1]
	in.Sites[0].Sessions = nil
	p := build(t, in)
	assert.Equal(t, t0.Add(15*time.Minute), p.ExpiresAt)
	assert.Equal(t, "30m0s", p.Hold)
	assert.Equal(t, 30*time.Minute, p.HoldDuration())
	assert.NotNil(t, p.Sites[0].Targets, "no session is an empty list, not an absent one")
	data, err := Marshal(p)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"targets": []`)
}

func TestBuildRefuses(t *testing.T) {
	tests := []struct {
		name string
		edit func(*BuildInput)
		want string
	}{
		{"no reason", func(in *BuildInput) { in.Reason = "" }, "reason is missing"},
		{"no selector", func(in *BuildInput) { in.Selector = Selector{} }, "selector is empty"},
		{"IDs and filters", func(in *BuildInput) { in.Selector.IDs = []string{"S-1"} }, "both session IDs"},
		{"bad ID", func(in *BuildInput) { in.Selector = Selector{IDs: []string{"../x"}} }, "session ID"},
		{"hold with IDs", func(in *BuildInput) { in.Selector = Selector{IDs: []string{"S-1"}}; in.Hold = time.Minute }, "--hold needs"},
		{"no site", func(in *BuildInput) { in.Sites = nil }, "no site"},
		{"same site twice", func(in *BuildInput) { in.Sites[1].Server = serverA + "/" }, "named twice"},
		{"no server", func(in *BuildInput) { in.Sites[0].Server = "" }, "server is missing"},
		{"no planner", func(in *BuildInput) { in.Sites[1].Planner = api.UserRef{} }, "site 2: planner.name is missing"},
		{"no local user", func(in *BuildInput) { in.LocalUser = "" }, "localUser is missing"},
		{"max 0", func(in *BuildInput) { in.Max = 0 }, "max is 0"},
		{"ttl too long", func(in *BuildInput) { in.TTL = 8 * 24 * time.Hour }, "--plan-ttl"},
		{"ttl negative", func(in *BuildInput) { in.TTL = -time.Minute }, "--plan-ttl"},
		{"asset unresolved", func(in *BuildInput) { in.Selector.Asset = "web-01" }, "assetId is missing"},
		{"duplicate target", func(in *BuildInput) {
			in.Sites[0].Sessions = append(in.Sites[0].Sessions, sess("s-1", "bwilliams", "A-1", t0))
		}, "listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := userInput()
			tt.edit(&in)
			_, err := Build(in)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestWriteMode0600AndAtomic(t *testing.T) {
	p := build(t, userInput())
	dir := t.TempDir()
	path := filepath.Join(dir, "inc-4312.plan")
	// A stale signature of the plan this one replaces must go.
	require.NoError(t, os.WriteFile(SigPath(path), []byte("old"), 0o600))
	require.NoError(t, os.WriteFile(path, []byte("old plan"), 0o644))

	require.NoError(t, Write(path, p))

	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	assert.NoFileExists(t, SigPath(path))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary left behind")
	want, err := Marshal(p)
	require.NoError(t, err)
	assert.Equal(t, want, fileBytes(t, path))
}

func TestWriteRefusesAChangedPlan(t *testing.T) {
	p := build(t, userInput())
	p.Max = 1000
	err := Write(filepath.Join(t.TempDir(), "x.plan"), p)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "changed after it was built")
}

func TestRoundTrip(t *testing.T) {
	p := build(t, userInput())
	got := mustRead(t, writeTemp(t, p))
	got.raw = nil
	assert.Equal(t, p, got)
}

// The plan holds no secret: no field of the format (nor of a type it
// embeds) is named for a credential, so a token can only get into a plan
// by someone adding a field this test names.
func TestNoTokenInPlan(t *testing.T) {
	var walk func(reflect.Type, string)
	walk = func(ty reflect.Type, path string) {
		switch ty.Kind() {
		case reflect.Pointer, reflect.Slice:
			walk(ty.Elem(), path)
		case reflect.Struct:
			if ty.PkgPath() != "github.com/pamctl/pamctl/pkg/plan" {
				return
			}
			for i := 0; i < ty.NumField(); i++ {
				f := ty.Field(i)
				name := strings.ToLower(f.Name + " " + f.Tag.Get("json"))
				for _, bad := range []string{"token", "secret", "password", "auth", "bearer", "key"} {
					assert.NotContains(t, name, bad, "%s.%s", path, f.Name)
				}
				walk(f.Type, path+"."+f.Name)
			}
		}
	}
	walk(reflect.TypeOf(Plan{}), "Plan")

}

// The documented way to check a digest without pamctl.
func TestDigestReproducibleWithJQ(t *testing.T) {
	jq, err := exec.LookPath("jq")
	if err != nil {
		t.Skip("jq is not installed")
	}
	in := userInput()
	in.Reason = `INC-4312 "quoted" <html> & ünïcode \ back`
	p := build(t, in)
	path := writeTemp(t, p)
	out, err := exec.Command(jq, "-cj", "del(.digest)", path).Output()
	require.NoError(t, err)
	assert.Equal(t, string(Canonical(p)), string(out))
}

func TestCanonicalIgnoresLayoutNotContent(t *testing.T) {
	p := build(t, userInput())
	data, err := Marshal(p)
	require.NoError(t, err)
	var compact bytes.Buffer
	require.NoError(t, json.Compact(&compact, data))
	got, err := Parse(compact.Bytes(), "compact.plan", t0)
	require.NoError(t, err, "whitespace is not content")
	assert.Equal(t, p.Digest, got.Digest)

	assert.NotContains(t, string(Canonical(p)), "digest")
	q := *p
	q.Sites = append([]Site(nil), p.Sites...)
	q.Sites[0].Targets = p.Sites[0].Targets[:1]
	assert.NotEqual(t, Digest(p), Digest(&q), "dropping a target changes the digest")
}

func TestLocalUser(t *testing.T) {
	got := LocalUser(func(string) (string, bool) { return "", false })
	// user.Current works wherever the tests run; the environment is the
	// fallback.
	assert.NotEmpty(t, got)
}
