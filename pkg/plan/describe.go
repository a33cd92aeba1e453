package plan

import (
	"fmt"
	"strings"
	"time"

	"github.com/pamctl/pamctl/pkg/text"
)

// Describe is the plan in one line for the apply's preview: which plan,
// who made it and when, until when it holds, and what it asks. Text from
// the file is made inert (text.Safe): the plan came from someone else.
func (p *Plan) Describe(now time.Time) string {
	var planners []string
	seen := map[string]bool{}
	for i := range p.Sites {
		n := text.Safe(p.Sites[i].Planner.Name)
		if !seen[n] {
			seen[n] = true
			planners = append(planners, n)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "plan %s made by %s (local user %s) at %s, expires %s (in %s)",
		shortDigest(p.Digest), strings.Join(planners, ", "), text.Safe(p.PlannedBy.LocalUser),
		p.CreatedAt.UTC().Format(time.RFC3339), p.ExpiresAt.UTC().Format(time.RFC3339), p.ExpiresAt.Sub(now).Round(time.Second))
	if p.TwoPerson {
		b.WriteString(", two-person")
	}
	fmt.Fprintf(&b, ": %s, --max %d", text.Safe(p.Selector.String()), p.Max)
	if p.Hold != "" {
		fmt.Fprintf(&b, ", --hold %s", text.Safe(p.Hold))
	}
	fmt.Fprintf(&b, ", reason %q; %s on %s", p.Reason, count(p.Targets(), "session"), count(len(p.Sites), "site"))
	return b.String()
}

// shortDigest is the digest's first 12 hex digits, as a reader compares
// them by eye.
func shortDigest(d string) string {
	d = strings.TrimPrefix(d, digestPrefix)
	if len(d) > 12 {
		d = d[:12]
	}
	return digestPrefix + d
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
