// Package events implements `pamctl sessions events`: the Session Events
// Report of one session.
package events

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
)

// EventsOptions are the inputs of sessions events.
type EventsOptions struct {
	IO        *iostreams.IOStreams
	APIClient func() (*api.Client, error)
	Output    func() (output.Options, error)

	ID string
}

// NewCmdEvents builds the command; runF replaces the run in tests.
func NewCmdEvents(f *cmdutil.Factory, runF func(*EventsOptions) error) *cobra.Command {
	opts := &EventsOptions{IO: f.IOStreams, APIClient: f.APIClient, Output: f.OutputOptions}
	cmd := &cobra.Command{
		Use:   "events <session-id>",
		Short: "Show the Session Events Report of one session",
		Long: `Show what happened in one session, oldest first: its start, the activity
the server recorded and, once it was terminated, the "Terminate Session"
item.`,
		Example: `  $ pamctl sessions events 0c6f1f0e-3c1b-4c53-9d1e-1f0b7c8e2a11
  $ pamctl sessions events 0c6f1f0e-3c1b-4c53-9d1e-1f0b7c8e2a11 -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if err := api.ValidateID("session", opts.ID); err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			if runF != nil {
				return runF(opts)
			}
			return eventsRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func eventsRun(ctx context.Context, opts *EventsOptions) error {
	o, err := opts.Output()
	if err != nil {
		return err
	}
	c, err := opts.APIClient()
	if err != nil {
		return err
	}
	evs, err := c.SessionEvents(ctx, opts.ID)
	if err != nil {
		if api.IsNotFound(err) {
			return cmdutil.NotFoundf("no session with ID %s", opts.ID)
		}
		return err
	}
	if evs == nil {
		evs = []api.SessionEvent{}
	}
	if err := output.PrintList(opts.IO.Out, o, evs, columns()); err != nil {
		return fmt.Errorf("writing the events: %w", err)
	}
	return nil
}

// columns are the Session Events Report's columns.
func columns() []output.Column[api.SessionEvent] {
	return []output.Column[api.SessionEvent]{
		{Header: "START", Age: true, Value: func(e api.SessionEvent) any { return e.Start }},
		{Header: "FINISH", Value: func(e api.SessionEvent) any { return e.Finish }},
		{Header: "TYPE", Value: func(e api.SessionEvent) any { return e.Type }},
		{Header: "DETAILS", Value: func(e api.SessionEvent) any { return e.Details }},
	}
}
