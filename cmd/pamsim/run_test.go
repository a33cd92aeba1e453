package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// sourceEnv reads "export K=V" lines the way sh would for these simple values.
func sourceEnv(t *testing.T, text string) map[string]string {
	t.Helper()
	env := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "export ")
		if !ok {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		require.True(t, ok, line)
		env[k] = strings.Trim(v, "'")
	}
	return env
}

type running struct {
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	done           chan int
}

func start(t *testing.T, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	go func() { r.done <- run(ctx, args, r.stdout, r.stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
			t.Error("pamsim did not stop")
		}
	})
	return r
}

func waitFile(t *testing.T, path string) string {
	t.Helper()
	var data []byte
	require.Eventually(t, func() bool {
		var err error
		data, err = os.ReadFile(path)
		return err == nil
	}, 10*time.Second, 10*time.Millisecond, "env file %s never appeared", path)
	return string(data)
}

func TestRunServesAndWritesEnvFile(t *testing.T) {
	envFile := filepath.Join(t.TempDir(), "pamsim.env")
	r := start(t, "--listen", "127.0.0.1:0", "--env-file", envFile, "--sessions", "100", "--seed", "7")
	text := waitFile(t, envFile)

	info, err := os.Stat(envFile)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	require.Len(t, lines, 5, text)
	assert.Regexp(t, `^export PAMCTL_SERVER=http://127\.0\.0\.1:[1-9][0-9]*/ztna/demo/root$`, lines[0])
	assert.Regexp(t, `^export PAMCTL_TOKEN=pst_[A-Za-z0-9+/]{25}=$`, lines[1])
	assert.Regexp(t, `^# auditor token: pst_[A-Za-z0-9+/]{25}=$`, lines[2])
	assert.Regexp(t, `^# asset-manager token: pst_[A-Za-z0-9+/]{25}= \(Asset Manager on db-prod-01, db-prod-02\)$`, lines[3])
	assert.Regexp(t, `^# viewer token: pst_[A-Za-z0-9+/]{25}=$`, lines[4])
	require.Eventually(t, func() bool { return r.stdout.String() == text }, 5*time.Second, 10*time.Millisecond, "stdout prints the same lines")

	env := sourceEnv(t, text)
	req, err := http.NewRequest("GET", env["PAMCTL_SERVER"]+"/api/session/list", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+env["PAMCTL_TOKEN"])
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	var page struct {
		Total int               `json:"total"`
		Limit int               `json:"limit"`
		Items []json.RawMessage `json:"items"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&page))
	assert.Equal(t, 111, page.Total)
	assert.Equal(t, 100, page.Limit)
	assert.Len(t, page.Items, 100)

	require.Eventually(t, func() bool { return strings.Contains(r.stderr.String(), "GET /ztna/demo/root/api/session/list 200 ") }, 5*time.Second, 10*time.Millisecond)
	assert.NotContains(t, r.stderr.String(), env["PAMCTL_TOKEN"], "tokens are never logged")

	r.cancel()
	select {
	case code := <-r.done:
		assert.Equal(t, 0, code, "stderr: %s", r.stderr.String())
		r.done <- code
	case <-time.After(10 * time.Second):
		t.Fatal("pamsim did not stop on cancel")
	}
	_, err = os.Stat(envFile)
	assert.NoError(t, err, "the env file is the user's: it stays")
}

func TestRunTLS(t *testing.T) {
	envFile := filepath.Join(t.TempDir(), "pamsim.env")
	r := start(t, "--listen", "127.0.0.1:0", "--env-file", envFile, "--tls", "--quiet")
	env := sourceEnv(t, waitFile(t, envFile))
	assert.True(t, strings.HasPrefix(env["PAMCTL_SERVER"], "https://127.0.0.1:"))
	pemBytes, err := os.ReadFile(env["PAMCTL_CA_FILE"])
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pemBytes))
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	req, _ := http.NewRequest("GET", env["PAMCTL_SERVER"]+"/api/user/context", nil)
	req.Header.Set("Authorization", "Bearer "+env["PAMCTL_TOKEN"])
	resp, err := client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Empty(t, r.stderr.String(), "--quiet")

	r.cancel()
	require.Equal(t, 0, <-r.done)
	r.done <- 0
	_, err = os.Stat(env["PAMCTL_CA_FILE"])
	assert.True(t, os.IsNotExist(err), "the run's own CA directory is removed on exit")
}

func TestRunFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--listen", "0.0.0.0:8643"}, "loopback"},
		{[]string{"--listen", ":8643"}, "loopback"},
		{[]string{"--listen", "192.168.1.4:8643"}, "loopback"},
		{[]string{"--listen", "nonsense"}, "--listen"},
		{[]string{"--sessions", "many"}, "invalid value"},
		{[]string{"--latency", "5"}, "invalid value"},
		{[]string{"extra"}, "unexpected argument"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr syncBuffer
			assert.Equal(t, 2, run(context.Background(), tc.args, &stdout, &stderr))
			assert.Contains(t, stderr.String(), tc.msg)
			assert.Empty(t, stdout.String())
		})
	}
	var stdout, stderr syncBuffer
	assert.Equal(t, 1, run(context.Background(), []string{"--listen", "127.0.0.1:0", "--fault-rate", "2"}, &stdout, &stderr), "bad options fail at start")
	assert.Contains(t, stderr.String(), "FaultRate")
}

func TestCheckLoopback(t *testing.T) {
	for _, ok := range []string{"127.0.0.1:0", "127.0.0.2:80", "[::1]:8643", "localhost:8643"} {
		assert.NoError(t, checkLoopback(ok), ok)
	}
}

func TestHelpListsFaultKinds(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 0, run(context.Background(), []string{"--help"}, &stdout, &stderr))
	for _, k := range []string{"status", "rename-field", "paths-differ", "liar", "lookalike-users", "asset-swap", "late-landing"} {
		assert.Contains(t, stderr.String(), k)
	}
}
