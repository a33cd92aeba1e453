package terminate

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/pamsim"
)

// BenchmarkBulkTerminate200 terminates 200 sessions found by a selector,
// verification included, against pamsim answering every request after
// 50 ms. Target (issue 5): under 3 s per run. The sub-benchmarks show the
// cost of each --concurrency; the default is the smallest that meets it
// with margin.
func BenchmarkBulkTerminate200(b *testing.B) {
	for _, conc := range []int{DefaultConcurrency, 6, 8} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			sim, url := pamsim.Start(b, pamsim.Options{Latency: 50 * time.Millisecond, Seed: 1})
			client, err := api.New(api.Options{Server: url, Token: sim.Tokens().Admin})
			if err != nil {
				b.Fatal(err)
			}
			state := b.TempDir()
			for b.Loop() {
				b.StopTimer()
				addBenchSessions(sim, 200)
				ios, _, _, _ := iostreams.Test()
				opts := &TerminateOptions{
					IO:        ios,
					APIClient: func() (*api.Client, error) { return client, nil },
					Now:       time.Now,
					Output:    func() (output.Options, error) { return output.Options{Format: output.JSON}, nil },
					LookupEnv: func(k string) (string, bool) {
						return map[string]string{"XDG_STATE_HOME": state}[k], k == "XDG_STATE_HOME"
					},
					User:        "bench",
					Yes:         true,
					Max:         200,
					WaitTimeout: DefaultWaitTimeout,
					Concurrency: conc,
				}
				b.StartTimer()
				start := time.Now()
				if err := terminateRun(context.Background(), opts); err != nil {
					b.Fatal(err)
				}
				elapsed := time.Since(start)
				b.StopTimer()
				if elapsed >= 3*time.Second {
					b.Errorf("200 sessions took %s, want under 3s", elapsed)
				}
				if n := sim.CountRequests("POST", "/api/session/terminate/"); n%200 != 0 {
					b.Fatalf("%d terminate requests, want a multiple of 200", n)
				}
				b.StartTimer()
			}
		})
	}
}

// addBenchSessions (re)creates n Active sessions of user "bench" on web-02.
func addBenchSessions(sim *pamsim.Server, n int) {
	now := time.Now().UTC()
	for i := range n {
		created := now.Add(-time.Duration(i+1) * time.Second)
		sim.AddSession(pamsim.Session{
			ID:        fmt.Sprintf("44444444-4444-4444-8444-%012d", i+1),
			AssetName: "web-02",
			User:      "bench",
			Created:   created,
			Updated:   created,
			State:     pamsim.StateActive,
			Channels:  []string{"SSH"},
		})
	}
}
