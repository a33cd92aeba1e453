package doctor

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/config"
	"github.com/pamctl/pamctl/pkg/openapi"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/text"
)

// `pamctl doctor --propose-contract`: the contract overlay (docs/
// contract-overlay.md) the server's OpenAPI document implies, or, without
// one, what its read endpoints' answers show; --write saves it into the
// profile after showing it. Nothing here sends anything but GET, and
// nothing is written that does not load as an overlay.

// ProposalReport is --propose-contract's -o json.
type ProposalReport struct {
	Server string `json:"server"`
	// Source is where the proposal came from: the document's location, or
	// the answers.
	Source   string             `json:"source"`
	Digest   string             `json:"digest"`
	Overlay  *api.Overlay       `json:"overlay"`
	Mappings []openapi.Mapping  `json:"mappings"`
	Unmapped []openapi.Unmapped `json:"unmapped"`
}

func proposeRun(ctx context.Context, opts *DoctorOptions) error {
	s, err := opts.Settings()
	if err != nil {
		return err
	}
	out, err := opts.Output()
	if err != nil {
		return err
	}
	// The proposal is made against the model, not against the overlay in
	// use (which it replaces): the client maps nothing.
	bare := *s
	bare.Contract, bare.ContractSource = nil, ""
	client, err := opts.NewClient(&bare, s.Token)
	if err != nil {
		return err
	}
	d := &doctor{opts: opts, s: &bare, client: client, report: Report{Server: s.Server, Checks: []Check{}}}
	p, source := d.propose(ctx)
	if err := ctx.Err(); err != nil {
		return err
	}
	yml, err := renderProposal(p, source)
	if err != nil {
		return err
	}
	o, loadErr := api.ParseOverlay(yml, "the proposal")
	if loadErr == nil && !p.Observed {
		// The document's allowed values (answers show only some).
		loadErr = o.CheckStates(p.States)
	}
	if o == nil {
		o = p.Overlay
	}
	if out.Format.IsStructured() {
		rep := ProposalReport{Server: s.Server, Source: source, Digest: o.Digest(), Overlay: o, Mappings: p.Mappings, Unmapped: p.Unmapped}
		if err := output.PrintObject(opts.IO.Out, out, rep, nil); err != nil {
			return err
		}
	} else if _, err := opts.IO.Out.Write(yml); err != nil {
		return err
	}
	errOut := opts.IO.ErrOut
	for _, c := range d.report.Checks {
		if c.Status != StatusOK {
			fmt.Fprintf(errOut, "%s: %s\n", c.Name, c.Detail)
		}
	}
	for _, u := range p.Unmapped {
		need := ""
		if u.Needed {
			need = " (needed)"
		}
		fmt.Fprintf(errOut, "not mapped%s: %s: %s\n", need, u.Key, text.Safe(u.Reason))
	}
	switch {
	case !p.Complete():
		u := firstNeeded(p)
		return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Message: fmt.Sprintf("doctor: the server's API cannot be mapped: %s: %s; pass its OpenAPI document with --openapi, or write the overlay by hand (docs/contract-overlay.md); nothing was written", u.Key, text.Safe(u.Reason))}
	case loadErr != nil:
		return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Message: "doctor: the proposed overlay is refused: " + text.Safe(loadErr.Error()) + "; nothing was written"}
	case o.Empty():
		fmt.Fprintf(errOut, "doctor: the server's API is as pamctl models it (%s): no contract overlay is needed\n", source)
		return nil
	case !opts.Write:
		fmt.Fprintf(errOut, "doctor: %s from %s, digest %s; save it with --write\n", text.Plural(len(p.Mappings), "mapping"), source, o.Digest())
		return nil
	}
	return writeProposal(opts, s, yml, o)
}

func firstNeeded(p *openapi.Proposal) openapi.Unmapped {
	for _, u := range p.Unmapped {
		if u.Needed {
			return u
		}
	}
	return openapi.Unmapped{}
}

// propose reads the document (given or found), else the answers.
func (d *doctor) propose(ctx context.Context) (*openapi.Proposal, string) {
	var doc, where = d.openAPIDocument(ctx)
	if doc != nil {
		return openapi.Propose(doc), strings.TrimPrefix(where, "found at ")
	}
	if ctx.Err() != nil || d.opts.OpenAPI != "" {
		p := openapi.NewProposal()
		p.Missing("openapi", "the document given with --openapi could not be read", true)
		return p, d.opts.OpenAPI
	}
	return d.proposeFromAnswers(ctx), "the read endpoints' answers"
}

// writeProposal saves the overlay into the profile, after asking on a
// terminal (--yes elsewhere).
func writeProposal(opts *DoctorOptions, s *config.Settings, yml []byte, o *api.Overlay) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	where := fmt.Sprintf("profile %s of %s", s.Profile, cfg.Path())
	if !opts.Yes {
		if !opts.IO.CanPrompt() {
			return cmdutil.FlagErrorf("--write without a terminal needs --yes (the overlay above was not written)")
		}
		ok, err := opts.Prompter().Confirm(fmt.Sprintf("Write this contract overlay (%s) into %s? Every command will use it.", o.Digest(), where), false)
		if err != nil {
			return err
		}
		if !ok {
			return &cmdutil.ExitError{Code: cmdutil.ExitCancelled, Message: "not confirmed; nothing was written"}
		}
	}
	if _, ok := cfg.Profile(s.Profile); !ok {
		cfg.SetProfile(s.Profile, config.Profile{Server: s.Server})
	}
	file, err := cfg.SetContract(s.Profile, yml)
	if err != nil {
		return fmt.Errorf("writing the contract overlay: %w", err)
	}
	if file != "" {
		where = file + " (the contract-file of profile " + s.Profile + ")"
	} else if err := cfg.Save(); err != nil {
		return fmt.Errorf("writing the contract overlay: %w", err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Wrote the contract overlay %s into %s.\n", o.Digest(), where)
	return nil
}

// renderProposal is the overlay as YAML, each mapping with its evidence
// as a comment, and what was not mapped at the foot.
func renderProposal(p *openapi.Proposal, source string) ([]byte, error) {
	var root yaml.Node
	if err := root.Encode(p.Overlay); err != nil {
		return nil, err
	}
	if root.Kind != yaml.MappingNode || len(root.Content) == 0 {
		root = yaml.Node{Kind: yaml.MappingNode}
	}
	evidence := map[string]string{}
	for _, m := range p.Mappings {
		evidence[m.Key] = m.Evidence
	}
	comment(&root, "", evidence)
	root.HeadComment = "Contract overlay proposed by pamctl doctor from " + text.OneLine(source) + " (docs/contract-overlay.md)"
	var foot []string
	for _, u := range p.Unmapped {
		foot = append(foot, "not mapped: "+u.Key+": "+text.OneLine(u.Reason))
	}
	root.FootComment = strings.Join(foot, "\n")
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// comment puts each key's evidence beside it.
func comment(n *yaml.Node, path string, evidence map[string]string) {
	if n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := k.Value
		if path != "" {
			key = path + "." + k.Value
		}
		if e, ok := evidence[key]; ok {
			k.LineComment = text.OneLine(e)
		}
		comment(v, key, evidence)
	}
}
