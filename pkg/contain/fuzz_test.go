package contain

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/clock"
)

// FuzzSelectorNeverWidens: whatever the server answers to the selector's
// Sessions Report query (any bytes, any envelope, any items), no session
// outside the selector becomes a target. The paging decoder and the
// client-side re-check together are what stand between a lying server and
// a POST.
func FuzzSelectorNeverWidens(f *testing.F) {
	for _, seed := range []string{
		`{"total":2,"items":[{"id":"a","user":"bwilliams","state":"Active","assetId":"x","channels":["SSH"]},{"id":"b","user":"jdoe","state":"Active","channels":["SSH"]}]}`,
		`{"total":1,"items":[{"id":"a","user":"BWILLIAMS","state":"Active","channels":["RDP"]}]}`,
		`{"total":1,"items":[{"id":"a","user":"bwilliams ","state":"Active","channels":["SSH"]}]}`,
		`{"total":1,"items":[{"id":"a","user":"bwilliams","state":"Completed","channels":["SSH"]}]}`,
		`{"content":[{"id":"a","user":"jdoe","state":"Active"}],"totalElements":1}`,
		`{"total":3,"items":[]}`, `null`, `[]`, `{"items":[{"id":"a","user":"jdoe","state":"Active"}]}`,
		`{"total":2,"items":[{"id":"a","user":"bwilliams","state":"Active"},{"id":"A","user":"jdoe","state":"Active"}]}`,
		`{"total":1,"items":[{"id":"a","user":"bwilliams","state":"Active","user":"jdoe"}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			b := []byte(`{"user":{"name":"admin"},"space":{"rid":"r","name":"root"},"roles":["Administrator"]}`)
			if strings.HasSuffix(r.URL.Path, "/api/session/list") {
				if r.URL.Query().Get("offset") != "0" {
					b = []byte(`{"total":0,"items":[]}`)
				} else {
					b = body
				}
			}
			return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(bytes.NewReader(b)), Request: r}, nil
		})
		client, err := api.New(api.Options{Server: "https://pam.example.test/ztna/t/root", Token: "fuzz-token-0123456789", Transport: rt, MaxTries: 1})
		if err != nil {
			t.Fatal(err)
		}
		opts := &Config{User: "bwilliams", Channel: "SSH", Concurrency: 1}
		e := newEngine(client, clock.Real{}, opts, nil)
		p, err := e.planSelector(context.Background())
		if err != nil {
			return
		}
		for _, r := range p.toSend() {
			s := r.sess
			if s == nil || s.State != api.StateActive || !strings.EqualFold(s.User, "bwilliams") || !hasSSH(s.Channels) {
				t.Fatalf("a session outside --user bwilliams --channel SSH would be sent: %+v (body %q)", s, body)
			}
		}
	})
}

func hasSSH(chs []string) bool {
	for _, c := range chs {
		if strings.EqualFold(c, "SSH") {
			return true
		}
	}
	return false
}
