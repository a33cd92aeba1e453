package terminate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/build"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/config"
	"github.com/pamctl/pamctl/pkg/contain"
	"github.com/pamctl/pamctl/pkg/plan"
	"github.com/pamctl/pamctl/pkg/sshsig"
	"github.com/pamctl/pamctl/pkg/text"
)

// PlanOptions are the two-person rule's flags (docs/plans.md).
type PlanOptions struct {
	PlanOut        string
	PlanTTL        time.Duration
	TwoPerson      bool
	Sign           string
	Apply          string
	AllowedSigners string
	// Config lists the profiles, to find the applier's profile for each
	// site of a plan.
	Config func() (*config.Config, error)
	// Dir is the user's working directory: the file flags are read and
	// written relative to it (cmdutil.InDir), and named as given.
	Dir string
}

func addPlanFlags(cmd *cobra.Command, o *PlanOptions) {
	fl := cmd.Flags()
	fl.StringVar(&o.PlanOut, "plan-out", "", "write what would be terminated to this plan `file` and send nothing; another operator applies it with --apply")
	fl.DurationVar(&o.PlanTTL, "plan-ttl", plan.DefaultTTL, "with --plan-out, how long the plan may be applied")
	fl.BoolVar(&o.TwoPerson, "two-person", false, "with --plan-out, the plan may only be applied by another token user")
	fl.StringVar(&o.Sign, "sign", "", "with --plan-out, sign the plan with this SSH `key` (a private key file, or the public key of a key in ssh-agent)")
	fl.StringVar(&o.Apply, "apply", "", "check, re-read and terminate the sessions of this plan `file` (made with --plan-out)")
	fl.StringVar(&o.AllowedSigners, "allowed-signers", "", "with --apply, refuse a plan not signed by a key this OpenSSH allowed-signers `file` lists")
}

// validatePlan checks the plan flags against the others: usage errors,
// exit 2, before anything touches the network.
func validatePlan(cmd *cobra.Command, opts *TerminateOptions) error {
	o := &opts.Plan
	changed := func(names ...string) string {
		for _, n := range names {
			if cmd.Flags().Changed(n) {
				return "--" + n
			}
		}
		return ""
	}
	if o.Apply == "" {
		if f := changed("allowed-signers"); f != "" {
			return cmdutil.FlagErrorf("%s goes with --apply FILE", f)
		}
	}
	if o.PlanOut == "" {
		if f := changed("plan-ttl", "two-person", "sign"); f != "" {
			return cmdutil.FlagErrorf("%s goes with --plan-out FILE", f)
		}
	}
	switch {
	case o.Apply != "" && o.PlanOut != "":
		return cmdutil.FlagErrorf("--apply and --plan-out: a run either writes a plan or applies one")
	case o.Apply != "":
		if len(opts.IDs) > 0 || opts.FanOut.Enabled() {
			return cmdutil.FlagErrorf("--apply takes its sessions and sites from the plan: give no session IDs, --profiles or --all-profiles")
		}
		if f := changed("asset", "user", "channel", "max", "reason", "hold", "interval"); f != "" {
			return cmdutil.FlagErrorf("--apply takes %s from the plan: make a new plan to change it", f)
		}
	case o.PlanOut != "":
		if opts.DryRun {
			return cmdutil.FlagErrorf("--plan-out and --dry-run: --plan-out already sends nothing")
		}
		if opts.Reason == "" {
			return cmdutil.FlagErrorf("--plan-out needs --reason: the plan's approver and every journal line read why")
		}
		if o.PlanTTL <= 0 || o.PlanTTL > plan.MaxTTL {
			return cmdutil.FlagErrorf("--plan-ttl %s: want a duration up to %s, e.g. 1h", o.PlanTTL, plan.MaxTTL)
		}
	}
	return nil
}

// planOut is --plan-out: the one procedure, ended after its preview by a
// callback that writes the plan.
func planOut(opts *TerminateOptions, h *contain.Helper) {
	o := &opts.Plan
	// The plan's max is applied to every plan, IDs too: refused now
	// rather than by its approver.
	h.MaxSet = true
	h.PlanOut = func(sites []contain.PlannedSite) error {
		in := plan.BuildInput{
			Clock: h.Clock, Version: build.Version, TTL: o.PlanTTL, TwoPerson: o.TwoPerson,
			Reason: opts.Reason, Max: opts.Max, Hold: opts.Hold, LocalUser: plan.LocalUser(opts.LookupEnv),
			Selector: plan.Selector{IDs: opts.IDs, Asset: opts.Asset, User: opts.User, Channel: opts.Channel},
		}
		for _, s := range sites {
			si := plan.SiteInput{Server: s.Server, Planner: s.Planner, AssetID: s.AssetID, Sessions: s.Sessions}
			if s.Name != "" {
				si.Profiles = append(si.Profiles, s.Name)
			}
			in.Sites = append(in.Sites, si)
		}
		p, err := plan.Build(in)
		if err != nil {
			return cmdutil.FlagErrorf("%v; nothing was written", err)
		}
		if o.Sign != "" {
			if err := signPlan(opts, p); err != nil {
				return err
			}
		}
		if err := plan.Write(cmdutil.InDir(o.Dir, o.PlanOut), p); err != nil {
			return err
		}
		signed := ""
		if o.Sign != "" {
			signed = " and its signature " + plan.SigPath(o.PlanOut)
		}
		h.Note(fmt.Sprintf("Plan written to %s%s: %s on %s, %s; expires %s. Nothing was sent: another operator applies it with `pamctl sessions terminate --apply %s`.",
			o.PlanOut, signed, text.Plural(p.Targets(), "session"), text.Plural(len(p.Sites), "site"), p.Digest, p.ExpiresAt.Format(time.RFC3339), o.PlanOut))
		return nil
	}
}

func signPlan(opts *TerminateOptions, p *plan.Plan) error {
	so := sshsig.SignerOptions{}
	if sock, ok := opts.LookupEnv("SSH_AUTH_SOCK"); ok {
		so.AgentSocket = sock
	}
	if opts.IO.CanPrompt() && opts.Prompter != nil {
		so.Passphrase = func(msg string) ([]byte, error) {
			s, err := opts.Prompter().Password(msg)
			return []byte(s), err
		}
	}
	signer, err := sshsig.LoadSignerAs(cmdutil.InDir(opts.Plan.Dir, opts.Plan.Sign), opts.Plan.Sign, so)
	if err != nil {
		return cmdutil.FlagErrorf("--sign %s: %v; no plan was written", opts.Plan.Sign, err)
	}
	return plan.Sign(p, signer)
}

// refused maps the plan's refusals to exit 6.
func refused(err error) error {
	var pe *plan.Error
	if errors.As(err, &pe) {
		return &cmdutil.ExitError{Code: cmdutil.ExitRefused, Err: err}
	}
	return err
}

// applyRun is --apply: read and check the plan, find a profile for each
// of its sites, reconcile every site (contain.PrepareApply), then the one
// procedure on what is left to send.
func applyRun(ctx context.Context, opts *TerminateOptions) (err error) {
	// With -o json stdout holds a results array whatever happened: "[]"
	// unless the engine printed the results.
	printed := false
	defer func() {
		if !printed {
			emptyResults(opts)
		}
	}()
	o := &opts.Plan
	clk := opts.clock()
	p, err := plan.ReadAs(cmdutil.InDir(o.Dir, o.Apply), o.Apply, clk)
	if err != nil {
		return refused(err)
	}
	signedBy := ""
	if o.AllowedSigners != "" {
		if signedBy, err = plan.VerifySignatureIn(o.Dir, p, o.Apply, o.AllowedSigners, clk); err != nil {
			var pe *plan.Error
			if !errors.As(err, &pe) {
				return &cmdutil.FlagError{Err: fmt.Errorf("%w; nothing was sent", err)}
			}
			return refused(err)
		}
	}
	sites, err := planSites(opts, p)
	if err != nil {
		return err
	}
	errOut := opts.IO.ErrOut
	fmt.Fprintf(errOut, "Applying %s\n", p.Describe(clk.Now()))
	if signedBy != "" {
		fmt.Fprintf(errOut, "Signed by %s (checked against %s).\n", signedBy, o.AllowedSigners)
	}
	ap, err := contain.PrepareApply(ctx, p, sites, plan.LocalUser(opts.LookupEnv), signedBy)
	if err != nil {
		return err
	}
	ap.PrintFindings(errOut)
	if len(ap.Sites) == 0 {
		fmt.Fprintln(errOut, "Nothing of the plan is left to terminate; nothing was sent.")
		return driftError(ap.Drift, nil)
	}
	h, err := newHelper(opts)
	if err != nil {
		return err
	}
	h.Sites = ap.Sites
	h.Max, h.MaxSet, h.Reason = p.Max, true, p.Reason
	// The plan's --hold: the reconnects found now are among the sites'
	// IDs, and each site's selector is polled for the hold's length.
	if !opts.DryRun {
		h.Hold = p.HoldDuration()
	}
	results, err := h.Run(ctx)
	printed = results != nil
	return driftError(ap.Drift, err)
}

// driftError is exit 5 when sessions matching the plan's selector were
// left alone, unless the run's own outcome is worse (docs/exit-codes.md).
func driftError(drift int, err error) error {
	if drift == 0 {
		return err
	}
	if err != nil && cmdutil.ExitCode(err) != cmdutil.ExitUnverified {
		return err
	}
	return &cmdutil.ExitError{Code: cmdutil.ExitPartial, Message: fmt.Sprintf("not contained: %s matching the plan's selector %s not in the plan and left alone (still Active): make a new plan to terminate %s",
		text.Plural(drift, "session"), pick(drift == 1, "is", "are"), pick(drift == 1, "it", "them"))}
}

func pick(c bool, a, b string) string {
	if c {
		return a
	}
	return b
}

// currentKey names the connection this command would use without a
// plan (--profile, PAMCTL_SERVER, the current profile) among the
// profiles: it sorts first, so it is preferred, and no profile is named so.
const currentKey = "\x00"

// planSites finds the applier's profile for each site of the plan (the
// current connection first) and its client; a one-site plan runs as one
// site, a multi-site plan as a fan-out named by profile.
func planSites(opts *TerminateOptions, p *plan.Plan) ([]contain.PlanSite, error) {
	profiles := map[string]string{}
	current := "current"
	if opts.Plan.Config != nil {
		cfg, err := opts.Plan.Config()
		if err != nil {
			return nil, err
		}
		for _, n := range cfg.ProfileNames() {
			if pr, ok := cfg.Profile(n); ok && pr.Server != "" {
				profiles[n] = pr.Server
			}
		}
		current = cfg.CurrentProfile()
	}
	cur, curErr := opts.APIClient()
	if curErr == nil {
		profiles[currentKey] = cur.Server() // the connection this command would use
	}
	names, err := plan.CheckServers(p, profiles)
	if err != nil {
		return nil, refused(err)
	}
	var others []string
	for _, n := range names {
		if n != currentKey {
			others = append(others, n)
		}
	}
	byName := map[string]cmdutil.Site{}
	if len(others) > 0 {
		ss, err := opts.Sites(cmdutil.FanOut{Profiles: others})
		if err != nil {
			return nil, err
		}
		for _, s := range ss {
			byName[s.Name] = s
		}
	}
	out := make([]contain.PlanSite, len(names))
	for i, n := range names {
		ps := contain.PlanSite{Name: n, Label: n}
		if n == currentKey {
			ps.API = cur
			if len(names) > 1 {
				ps.Name, ps.Label = current, current
			}
		} else if s, ok := byName[n]; ok && s.Client != nil {
			ps.API, ps.Err = s.Client, s.Err
		} else {
			ps.Err = fmt.Errorf("profile %s cannot be used (%v)", n, s.Err)
		}
		if len(names) == 1 {
			ps.Name, ps.Label = "", ""
		}
		if ps.API == nil && ps.Err == nil {
			ps.Err = errors.New("no client")
		}
		out[i] = ps
	}
	return out, nil
}
