package events

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/httpmock"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
)

func TestNewCmdEvents(t *testing.T) {
	for args, wantErr := range map[string]string{"": "accepts 1 arg", "a/b": "path separator", "ok-id": ""} {
		ios, _, _, _ := iostreams.Test()
		f := &cmdutil.Factory{IOStreams: ios}
		var got *EventsOptions
		cmd := NewCmdEvents(f, func(o *EventsOptions) error { got = o; return nil })
		if args == "" {
			cmd.SetArgs([]string{})
		} else {
			cmd.SetArgs([]string{args})
		}
		cmd.SetOut(ios.ErrOut)
		cmd.SetErr(ios.ErrOut)
		err := cmd.Execute()
		if wantErr != "" {
			assert.ErrorContains(t, err, wantErr)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, "ok-id", got.ID)
	}
}

func TestEventsRun(t *testing.T) {
	reg := &httpmock.Registry{}
	t.Cleanup(func() { reg.Verify(t) })
	reg.Register("events", httpmock.REST("GET", "/api/session/s1/events"), httpmock.JSONResponse(200, map[string]any{
		"total": 1, "offset": 0, "limit": 500, "items": []any{map[string]any{
			"start": "2026-11-26T09:42:10Z", "finish": "2026-11-26T09:42:10Z", "type": "Terminate Session", "details": "message=Session terminated, channel=SSH"}}}))
	reg.Register("missing", httpmock.REST("GET", "/api/session/nope/events"), httpmock.JSONResponse(404, map[string]any{"message": "session nope not found"}))
	client, err := api.New(api.Options{Server: "https://pam.example.com:6443/ztna/acme/root", Token: "test-token-0123456789", Transport: reg})
	require.NoError(t, err)
	ios, _, out, _ := iostreams.Test()
	opts := &EventsOptions{IO: ios, APIClient: func() (*api.Client, error) { return client, nil },
		Output: func() (output.Options, error) { return output.Options{Format: output.JSON}, nil }, ID: "s1"}
	require.NoError(t, eventsRun(context.Background(), opts))
	assert.JSONEq(t, `[{"start":"2026-11-26T09:42:10Z","finish":"2026-11-26T09:42:10Z","type":"Terminate Session","details":"message=Session terminated, channel=SSH"}]`, out.String())

	opts.ID = "nope"
	var nf *cmdutil.NotFoundError
	assert.ErrorAs(t, eventsRun(context.Background(), opts), &nf)
}
