package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/config"
)

// MaxFileSize bounds what Read takes in: a plan of tens of thousands of
// sessions fits many times over.
const MaxFileSize = 64 << 20

// FutureSkew is how far in the future a plan's creation time may be (two
// responders' clocks differ a little); further is refused.
const FutureSkew = 5 * time.Minute

// Write writes the plan to path atomically (a temporary beside it, renamed
// into place) with mode 0600: it names sessions and people. A signed plan
// (Sign) gets its signature beside it, SigPath(path), written the same
// way; an unsigned one removes a signature left there by the plan it
// replaces, so that can never be read as this plan's.
func Write(path string, p *Plan) error {
	if p.Digest != Digest(p) {
		return errors.New("plan: the plan changed after it was built; build it again")
	}
	data, err := Marshal(p)
	if err != nil {
		return err
	}
	if err := os.Remove(SigPath(path)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("removing the old signature beside the plan: %w", err)
	}
	if err := config.WriteFileAtomic(path, data); err != nil {
		return fmt.Errorf("writing the plan: %w", err)
	}
	if p.sig != nil {
		if err := config.WriteFileAtomic(SigPath(path), p.sig); err != nil {
			return fmt.Errorf("writing the plan's signature: %w", err)
		}
	}
	return nil
}

// Marshal is the file's content: indented JSON, for the reviewer's eyes,
// and a final newline.
func Marshal(p *Plan) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		return nil, fmt.Errorf("encoding the plan: %w", err)
	}
	return buf.Bytes(), nil
}

// Read reads the plan at path and checks it: complete JSON, a plan of a
// format this pamctl knows, every required field, the digest, and that it
// has not expired by clk. A plan that fails is an *Error; the bytes read
// stay with the plan for VerifySignature.
func Read(path string, clk clock.Clock) (*Plan, error) { return ReadAs(path, path, clk) }

// ReadAs is Read, with the plan called name in messages (the path as the
// user gave it, when path was resolved from it).
func ReadAs(path, name string, clk clock.Clock) (*Plan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the plan: %w", err)
	}
	defer f.Close()
	tooLarge := refuse(ErrInvalid, fmt.Sprintf("plan %s is larger than %d MiB, more than any plan pamctl writes: %s", name, MaxFileSize>>20, remedy))
	if fi, err := f.Stat(); err == nil && fi.Size() > MaxFileSize {
		return nil, tooLarge
	}
	// The limit holds for what is not a regular file too (a pipe).
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading the plan %s: %w", name, err)
	}
	if len(data) > MaxFileSize {
		return nil, tooLarge
	}
	return Parse(data, name, clk.Now())
}

// Parse checks data as Read does; name is how messages call the plan.
func Parse(data []byte, name string, now time.Time) (*Plan, error) {
	p, err := decode(data, name)
	if err != nil {
		return nil, err
	}
	// The digest first: an edit is named as an edit, whatever field it
	// broke on the way.
	switch {
	case p.Digest == "":
		return nil, refuse(ErrInvalid, fmt.Sprintf("plan %s has no digest: %s", name, remedy))
	case !digestRE.MatchString(p.Digest):
		return nil, refuse(ErrInvalid, fmt.Sprintf("plan %s: digest %q is not sha256: and 64 hex digits: %s", name, p.Digest, remedy))
	case p.Digest != Digest(p):
		return nil, refuse(ErrDigest, fmt.Sprintf("plan %s was changed after it was made (its digest does not match its content): a plan is applied as it was reviewed or not at all; %s", name, remedy))
	}
	if verr := p.validate(); verr != nil {
		return nil, refuse(verr.Reason, fmt.Sprintf("plan %s: %s: %s", name, verr.Msg, remedy))
	}
	if err := p.checkTime(name, now); err != nil {
		return nil, err
	}
	p.raw = data
	return p, nil
}

// decode reads the format first, so a newer plan is named as such rather
// than as a plan with fields this pamctl does not know.
func decode(data []byte, name string) (*Plan, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, refuse(ErrTruncated, fmt.Sprintf("plan %s is empty (truncated?): copy it again from its author, or %s", name, remedy))
	}
	var head struct {
		Format *int   `json:"format"`
		Kind   string `json:"kind"`
	}
	if !json.Valid(trimmed) {
		var v any
		err := json.Unmarshal(trimmed, &v)
		var se *json.SyntaxError
		if errors.As(err, &se) && se.Offset >= int64(len(trimmed)) {
			return nil, refuse(ErrTruncated, fmt.Sprintf("plan %s is truncated (its JSON ends early): copy it again from its author, or %s", name, remedy))
		}
		return nil, refuse(ErrNotJSON, fmt.Sprintf("plan %s is not JSON (%v): give the file --plan-out wrote, or %s", name, err, remedy))
	}
	if err := json.Unmarshal(trimmed, &head); err != nil {
		return nil, refuse(ErrNotPlan, fmt.Sprintf("plan %s is not a pamctl plan (not a JSON object with a format and a kind): give the file --plan-out wrote, or %s", name, remedy))
	}
	switch {
	case head.Kind != Kind:
		return nil, refuse(ErrNotPlan, fmt.Sprintf("plan %s is not a pamctl plan (its kind is %q, want %q): give the file --plan-out wrote, or %s", name, head.Kind, Kind, remedy))
	case head.Format == nil || *head.Format < 1:
		return nil, refuse(ErrInvalid, fmt.Sprintf("plan %s has no valid format number: %s", name, remedy))
	case *head.Format > Format:
		return nil, refuse(ErrNewerFormat, fmt.Sprintf("plan %s was written by a newer pamctl (plan format %d; this pamctl reads format %d and older): upgrade pamctl, or %s", name, *head.Format, Format, remedy))
	}
	var p Plan
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, refuse(ErrInvalid, fmt.Sprintf("plan %s does not follow plan format %d (%v): %s", name, Format, err, remedy))
	}
	return &p, nil
}

// checkTime refuses an expired plan, and one made in the future.
func (p *Plan) checkTime(name string, now time.Time) error {
	if !now.Before(p.ExpiresAt) {
		return refuse(ErrExpired, fmt.Sprintf("plan %s expired at %s (%s ago; it was made at %s, valid for %s): the sessions it read may have changed since; %s",
			name, p.ExpiresAt.UTC().Format(time.RFC3339), now.Sub(p.ExpiresAt).Round(time.Second), p.CreatedAt.UTC().Format(time.RFC3339), p.ExpiresAt.Sub(p.CreatedAt), remedy))
	}
	if p.CreatedAt.After(now.Add(FutureSkew)) {
		return refuse(ErrInvalid, fmt.Sprintf("plan %s says it was made at %s, %s from now: its author's clock or this one is wrong; fix the clock, then %s",
			name, p.CreatedAt.UTC().Format(time.RFC3339), p.CreatedAt.Sub(now).Round(time.Second), remedy))
	}
	return nil
}

// LocalUser is the operating system's name for the operator, for the
// plan's PlannedBy and the approver's record; "" when it cannot be told.
func LocalUser(lookupEnv func(string) (string, bool)) string {
	if u, err := user.Current(); err == nil && strings.TrimSpace(u.Username) != "" {
		return u.Username
	}
	for _, k := range []string{"USER", "USERNAME", "LOGNAME"} {
		if v, ok := lookupEnv(k); ok && strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
