package contain

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/text"
)

// outcome is one site's exit code: its results (outcome), then whether
// its whole scope could be searched.
func (sr *siteRun) outcome(opts *Config) error {
	if err := outcome(sr.p.results, sr.cancelled, opts, sr.containErr); err != nil {
		return err
	}
	return sr.p.scopeError()
}

// failedPlans is exit 5 naming the sites that could not be planned, or nil.
func failedPlans(runs []*siteRun) error {
	var names []string
	for _, sr := range runs {
		if sr.planErr != nil {
			names = append(names, sr.site.Name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	return &cmdutil.ExitError{Code: cmdutil.ExitPartial, Message: fmt.Sprintf("not contained: %s could not be searched (%s, see above); nothing was sent there", text.Plural(len(names), "site"), strings.Join(names, ", "))}
}

// allPlansFailed is the error of a fan-out in which no site could be
// planned: nothing was sent anywhere. The sites' common exit code when
// they agree (every token refused: 3), else 5.
func allPlansFailed(errs []error) error {
	code := -1
	for _, err := range errs {
		c := cmdutil.ExitCode(err)
		if code == -1 {
			code = c
		} else if c != code {
			code = cmdutil.ExitPartial
		}
	}
	return &cmdutil.ExitError{Code: code, Message: fmt.Sprintf("no site could be searched (%d, see above); nothing was sent", len(errs))}
}

// fold is the run's exit code, one fold over the sites' outcomes. One
// site (no fan-out flags) is its own outcome. Several: each site's
// outcome that is not success is printed on its own line, and the worst
// is returned (docs/exit-codes.md): 130 when cancelled; 1 or 3 only when
// every site failed that way (3 when all for lack of permission); else 5
// when any site is not contained or could not be searched; else 7 when
// any is unverified; else 0.
func fold(errOut io.Writer, opts *Config, runs []*siteRun) error {
	if len(runs) == 1 && runs[0].site.Name == "" {
		return runs[0].outcome(opts)
	}
	var cancelled, failedAll, auth bool
	failedAll, auth = true, true
	byCode := map[int][]string{}
	for _, sr := range runs {
		if sr.planErr != nil {
			byCode[cmdutil.ExitPartial] = append(byCode[cmdutil.ExitPartial], sr.site.Name)
			failedAll, auth = false, false
			continue
		}
		err := sr.outcome(opts)
		code := cmdutil.ExitCode(err)
		if err != nil {
			cmdutil.PrintSiteErrors(errOut, []error{&cmdutil.SiteError{Site: sr.site.Name, Err: err}})
			byCode[code] = append(byCode[code], sr.site.Name)
		}
		cancelled = cancelled || sr.cancelled
		if code != cmdutil.ExitFailure && code != cmdutil.ExitAuth {
			failedAll = false
		}
		if code != cmdutil.ExitAuth {
			auth = false
		}
	}
	names := func(codes ...int) string {
		var n []string
		for _, c := range codes {
			n = append(n, byCode[c]...)
		}
		sort.Strings(n)
		return strings.Join(n, ", ")
	}
	switch {
	case cancelled:
		var all []*Result
		n := 0
		for _, sr := range runs {
			if sr.planErr == nil {
				all = append(all, sr.p.results...)
				n++
			}
		}
		return &cmdutil.ExitError{Code: cmdutil.ExitCancelled, Message: cancelledLine("cancelled on "+text.Plural(n, "site"), all)}
	case failedAll && auth:
		return &cmdutil.ExitError{Code: cmdutil.ExitAuth, Message: "not permitted on any site (listed above)"}
	case failedAll:
		return &cmdutil.ExitError{Code: cmdutil.ExitFailure, Message: fmt.Sprintf("no site's sessions %s (%s; listed above)", pick(opts.DryRun, "would be terminated", "were terminated"), names(cmdutil.ExitFailure, cmdutil.ExitAuth))}
	case len(byCode[cmdutil.ExitPartial]) > 0 || len(byCode[cmdutil.ExitFailure]) > 0 || len(byCode[cmdutil.ExitAuth]) > 0:
		return &cmdutil.ExitError{Code: cmdutil.ExitPartial, Message: fmt.Sprintf("%s on every site: %s (see above)", pick(opts.DryRun, "would not be contained", "not contained"), text.Safe(names(cmdutil.ExitPartial, cmdutil.ExitFailure, cmdutil.ExitAuth)))}
	case len(byCode[cmdutil.ExitUnverified]) > 0:
		return &cmdutil.ExitError{Code: cmdutil.ExitUnverified, Message: fmt.Sprintf("sent but not verified on %s (see above)", names(cmdutil.ExitUnverified))}
	}
	return nil
}
