package login

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zalando/go-keyring"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/config"
	"github.com/pamctl/pamctl/pkg/httpmock"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/prompt"
)

func TestNewCmdLogin(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		tty     bool
		want    LoginOptions
		wantErr string
	}{
		{name: "with-token on a pipe", args: "--with-token", want: LoginOptions{WithToken: true}},
		{name: "interactive on a terminal", args: "", tty: true, want: LoginOptions{}},
		{name: "no terminal and no --with-token", args: "", wantErr: "pass --with-token"},
		{name: "token store file", args: "--with-token --token-store file", want: LoginOptions{WithToken: true, TokenStore: "file"}},
		{name: "bad token store", args: "--with-token --token-store vault", wantErr: "want keyring or file"},
		{name: "stray argument", args: "--with-token extra", wantErr: "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			ios.SetStdinTTY(tt.tty)
			ios.SetStdoutTTY(tt.tty)
			ios.SetStderrTTY(tt.tty)
			f := &cmdutil.Factory{IOStreams: ios}
			var got *LoginOptions
			cmd := NewCmdLogin(f, func(o *LoginOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(ios.Out)
			cmd.SetErr(ios.ErrOut)
			err := cmd.Execute()
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want.WithToken, got.WithToken)
			assert.Equal(t, tt.want.TokenStore, got.TokenStore)
		})
	}
}

const server = "https://pam.example.test:6443/ztna/acme/root"

func setup(t *testing.T, reg *httpmock.Registry) (*LoginOptions, *config.Store, string) {
	t.Helper()
	keyring.MockInitWithError(errors.New("no keyring here"))
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "pamctl", "config.yaml")
	cfg, err := config.Load(cfgPath)
	require.NoError(t, err)
	store := &config.Store{Keyring: config.SystemKeyring{}, FilePath: config.CredentialsPath(cfgPath)}
	ios, _, _, _ := iostreams.Test()
	opts := &LoginOptions{
		IO:       ios,
		Settings: func() (*config.Settings, error) { return &config.Settings{Profile: "default"}, nil },
		Config:   func() (*config.Config, error) { return cfg, nil },
		Store:    func() (*config.Store, error) { return store, nil },
		NewClient: func(s *config.Settings, token string) (*api.Client, error) {
			return api.New(api.Options{Server: s.Server, Token: token, Transport: reg})
		},
		Prompter: func() prompt.Prompter { return &prompt.Stub{} },
		Server:   server,
	}
	t.Cleanup(func() { reg.Verify(t) })
	return opts, store, cfgPath
}

func TestLoginRun(t *testing.T) {
	t.Run("accepted token is stored after the check", func(t *testing.T) {
		reg := &httpmock.Registry{}
		reg.Register("ctx", httpmock.REST("GET", "/api/user/context"), httpmock.JSONResponse(200, map[string]any{
			"user": map[string]any{"name": "jdoe"}, "space": map[string]any{"rid": "r", "name": "root"}, "roles": []string{"Administrator"},
		}))
		opts, store, cfgPath := setup(t, reg)
		opts.WithToken = true
		opts.IO.In = strings.NewReader("  good-token\n")
		require.NoError(t, loginRun(context.Background(), opts))
		tok, where, err := store.Get("default", server, "")
		require.NoError(t, err)
		assert.Equal(t, "good-token", tok)
		assert.Equal(t, config.StoreFile, where, "keyring failed, file fallback")
		assert.Equal(t, "Bearer good-token", reg.Requests[0].Header.Get("Authorization"))
		fi, err := os.Stat(cfgPath)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
		errOut := opts.IO.ErrOut.(interface{ String() string }).String()
		assert.Contains(t, errOut, "as jdoe (Administrator)")
		assert.NotContains(t, errOut, "good-token")
	})
	t.Run("rejected token saves nothing", func(t *testing.T) {
		reg := &httpmock.Registry{}
		reg.Register("ctx", httpmock.REST("GET", "/api/user/context"), httpmock.StringResponse(401, "application/json", `{"message":"invalid token"}`))
		opts, store, cfgPath := setup(t, reg)
		opts.WithToken = true
		opts.IO.In = strings.NewReader("bad-token\n")
		err := loginRun(context.Background(), opts)
		var ae *cmdutil.AuthError
		require.ErrorAs(t, err, &ae)
		assert.Contains(t, err.Error(), "nothing was saved")
		assert.NotContains(t, err.Error(), "bad-token")
		assert.NoFileExists(t, store.FilePath)
		assert.NoFileExists(t, cfgPath)
	})
	t.Run("interactive asks for the token hidden", func(t *testing.T) {
		reg := &httpmock.Registry{}
		reg.Register("ctx", httpmock.REST("GET", "/api/user/context"), httpmock.JSONResponse(200, map[string]any{"user": map[string]any{"name": "jdoe"}, "roles": []string{}}))
		opts, store, _ := setup(t, reg)
		stub := &prompt.Stub{PasswordFunc: func(string) (string, error) { return "typed-token", nil }}
		opts.Prompter = func() prompt.Prompter { return stub }
		require.NoError(t, loginRun(context.Background(), opts))
		assert.Equal(t, []string{"API token:"}, stub.Asked)
		tok, _, err := store.Get("default", server, "")
		require.NoError(t, err)
		assert.Equal(t, "typed-token", tok)
	})
	t.Run("interactive asks for the server, then the token; a refused token saves nothing", func(t *testing.T) {
		reg := &httpmock.Registry{}
		reg.Register("ctx", httpmock.REST("GET", "/api/user/context"), httpmock.StringResponse(401, "application/json", `{"message":"invalid token"}`))
		opts, store, cfgPath := setup(t, reg)
		opts.Server = ""
		stub := &prompt.Stub{
			InputFunc:    func(string, string) (string, error) { return " " + server + "/ ", nil },
			PasswordFunc: func(string) (string, error) { return "pst_not-a-real-token", nil },
		}
		opts.Prompter = func() prompt.Prompter { return stub }
		err := loginRun(context.Background(), opts)
		var ae *cmdutil.AuthError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, []string{"Site API base URL (https://host:6443/ztna/<tenant>/<site>):", "API token:"}, stub.Asked)
		assert.Contains(t, err.Error(), "rejected the token; nothing was saved")
		assert.NotContains(t, err.Error(), "pst_not-a-real-token")
		assert.NoFileExists(t, store.FilePath)
		assert.NoFileExists(t, cfgPath)
	})
	t.Run("Ctrl-C at the token question saves nothing", func(t *testing.T) {
		reg := &httpmock.Registry{}
		opts, store, cfgPath := setup(t, reg)
		opts.Prompter = func() prompt.Prompter {
			return &prompt.Stub{PasswordFunc: func(string) (string, error) { return "", prompt.ErrCancelled }}
		}
		err := loginRun(context.Background(), opts)
		assert.Equal(t, cmdutil.ExitCancelled, cmdutil.ExitCode(err))
		assert.NoFileExists(t, store.FilePath)
		assert.NoFileExists(t, cfgPath)
	})
	t.Run("empty stdin", func(t *testing.T) {
		reg := &httpmock.Registry{}
		opts, _, _ := setup(t, reg)
		opts.WithToken = true
		opts.IO.In = strings.NewReader("\n")
		err := loginRun(context.Background(), opts)
		var fe *cmdutil.FlagError
		require.ErrorAs(t, err, &fe)
	})
	t.Run("plain http to a remote host is refused before any request", func(t *testing.T) {
		reg := &httpmock.Registry{}
		opts, _, _ := setup(t, reg)
		opts.Server = "http://pam.example.test/ztna/acme/root"
		opts.WithToken = true
		opts.IO.In = strings.NewReader("tok\n")
		err := loginRun(context.Background(), opts)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "plain http:// is refused")
		assert.Empty(t, reg.Requests)
	})
	t.Run("a URL without /ztna/<tenant>/<site> gets the shape hint", func(t *testing.T) {
		reg := &httpmock.Registry{}
		reg.Register("ctx", httpmock.REST("GET", "/api/user/context"), httpmock.StringResponse(404, "text/plain", "404 page not found"))
		opts, store, cfgPath := setup(t, reg)
		opts.Server = "https://pam.example.test:6443"
		opts.WithToken = true
		opts.IO.In = strings.NewReader("tok\n")
		err := loginRun(context.Background(), opts)
		require.Error(t, err)
		assert.Equal(t, `pam.example.test:6443 answered 404 for GET /api/user/context: the URL has no /ztna/<tenant>/<site> path; the API base is https://host:6443/ztna/<tenant>/<site>; nothing was saved`, err.Error())
		assert.False(t, api.IsNotFound(err), "a wrong URL is an error (exit 1), not a missing object (exit 4)")
		assert.NoFileExists(t, store.FilePath)
		assert.NoFileExists(t, cfgPath)
	})
	t.Run("a wrong tenant names it", func(t *testing.T) {
		reg := &httpmock.Registry{}
		reg.Register("ctx", httpmock.REST("GET", "/api/user/context"), httpmock.JSONResponse(404, map[string]any{"message": "Not Found"}))
		opts, _, _ := setup(t, reg)
		opts.Server = "https://pam.example.test:6443/ztna/acme/roots"
		opts.WithToken = true
		opts.IO.In = strings.NewReader("tok\n")
		err := loginRun(context.Background(), opts)
		require.Error(t, err)
		assert.Contains(t, err.Error(), `there is no tenant "acme" with a site "roots" there; the API base is https://host:6443/ztna/<tenant>/<site>`)
	})
	t.Run("an answer without a user name is not accepted", func(t *testing.T) {
		reg := &httpmock.Registry{}
		reg.Register("ctx", httpmock.REST("GET", "/api/user/context"), httpmock.JSONResponse(200, map[string]any{}))
		opts, store, cfgPath := setup(t, reg)
		opts.WithToken = true
		opts.IO.In = strings.NewReader("any-token\n")
		err := loginRun(context.Background(), opts)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "without a user name: that is not the 12Port user context")
		var ae *cmdutil.AuthError
		var fe *cmdutil.FlagError
		assert.False(t, errors.As(err, &ae) || errors.As(err, &fe), "exit 1")
		assert.NoFileExists(t, store.FilePath)
		assert.NoFileExists(t, cfgPath)
	})
	t.Run("the server is stored normalised", func(t *testing.T) {
		reg := &httpmock.Registry{}
		reg.Register("ctx", httpmock.REST("GET", "/api/user/context"), httpmock.JSONResponse(200, map[string]any{"user": map[string]any{"name": "jdoe"}}))
		opts, store, cfgPath := setup(t, reg)
		opts.Server = "HTTPS://PAM.Example.TEST:6443//ztna/acme//root/api/"
		opts.WithToken = true
		opts.IO.In = strings.NewReader("tok\n")
		require.NoError(t, loginRun(context.Background(), opts))
		tok, _, err := store.Get("default", server, "")
		require.NoError(t, err)
		assert.Equal(t, "tok", tok)
		cfg, err := config.Load(cfgPath)
		require.NoError(t, err)
		p, _ := cfg.Profile("default")
		assert.Equal(t, server, p.Server)
	})
}
