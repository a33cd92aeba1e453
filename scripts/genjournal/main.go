// Command genjournal writes a large, intact audit journal for
// scripts/bench-audit.sh: n chained lines through pkg/audit (so rotation
// and the chain are the real ones), in batches, one sync per batch.
//
// Usage: go run ./scripts/genjournal -n 1000000 -o DIR/audit.jsonl
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/pamctl/pamctl/pkg/audit"
)

func main() {
	n := flag.Int("n", 1000000, "lines to write")
	out := flag.String("o", "", "journal path")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "genjournal: -o is required")
		os.Exit(2)
	}
	if err := run(*n, *out); err != nil {
		fmt.Fprintln(os.Stderr, "genjournal:", err)
		os.Exit(1)
	}
}

func run(n int, path string) error {
	j, err := audit.Open(path)
	if err != nil {
		return err
	}
	defer j.Close()
	users := []string{"bwilliams", "jdoe", "asmith", "tparker", "mgarcia", "lchen", "okafor", "rsingh"}
	assets := []string{"db-prod-01", "db-prod-02", "web-01", "web-02", "win-dc-01", "jump-01"}
	results := []string{"terminated", "terminated", "terminated", "already-completed", "failed", "unknown", "skipped"}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	batch := make([]audit.Entry, 0, 10000)
	for i := range n {
		r := results[i%len(results)]
		batch = append(batch, audit.Entry{
			Time:     t0.Add(time.Duration(i) * 30 * time.Second),
			Operator: "admin",
			Server:   "https://pam.example.com:6443/ztna/acme/root",
			Session:  fmt.Sprintf("11111111-1111-4111-8111-%012d", i),
			Asset:    assets[i%len(assets)],
			AssetID:  fmt.Sprintf("22222222-2222-4222-8222-%012d", i%len(assets)),
			User:     users[i%len(users)],
			Channels: []string{"SSH"},
			Reason:   fmt.Sprintf("INC-%d", 1000+i/50),
			Result:   r,
			Verified: r == "terminated",
		})
		if len(batch) == cap(batch) || i == n-1 {
			if err := j.Append(batch...); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return j.Close()
}
