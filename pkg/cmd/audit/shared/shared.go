// Package shared holds what the audit verbs share: the journal's location,
// the row and its columns, and the filter.
package shared

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/audit"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/output"
)

// Row is one journal line as the audit verbs print it: the line's fields
// (JSON: the journal's own names) and the site, the last element of the
// server's URL.
type Row struct {
	audit.Entry
	Site string `json:"site"`
}

// NewRow makes the row of a journal entry.
func NewRow(e audit.Entry) Row {
	if e.Channels == nil {
		e.Channels = []string{}
	}
	return Row{Entry: e, Site: SiteOf(e.Server)}
}

// SiteOf is the site part of a server URL
// (https://host/ztna/<tenant>/<site> gives <site>), or the URL itself.
func SiteOf(server string) string {
	u, err := url.Parse(server)
	if err != nil || u.Path == "" || u.Path == "/" {
		return server
	}
	return path.Base(strings.TrimSuffix(u.Path, "/"))
}

// Columns are the journal's columns.
func Columns() []output.Column[Row] {
	return []output.Column[Row]{
		{Header: "TIME", Age: true, Value: func(r Row) any { return r.Time }},
		{Header: "OPERATOR", Value: func(r Row) any { return r.Operator }},
		{Header: "SITE", Value: func(r Row) any { return r.Site }},
		{Header: "SESSION", Value: func(r Row) any { return r.Session }},
		{Header: "USER", Value: func(r Row) any { return r.User }},
		{Header: "ASSET", Value: func(r Row) any { return r.Asset }},
		{Header: "RESULT", Value: func(r Row) any { return r.Result }},
		{Header: "VERIFIED", Value: func(r Row) any { return r.Verified }},
		{Header: "REASON", Value: func(r Row) any { return r.Reason }},
		{Header: "CHANNELS", Wide: true, Value: func(r Row) any { return r.Channels }},
		{Header: "ERROR", Wide: true, Value: func(r Row) any { return r.Error }},
		{Header: "REQUEST", Wide: true, Value: func(r Row) any { return strings.TrimSpace(r.Method + " " + r.Path) }},
		{Header: "SERVER", Wide: true, Value: func(r Row) any { return r.Server }},
		{Header: "SEQ", Wide: true, Value: func(r Row) any { return r.Seq }},
	}
}

// AddJournalFlag adds --journal.
func AddJournalFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVar(p, "journal", "", "read the journal at `path` instead of this user's (its rotated files too)")
}

// JournalPath is --journal when given (read relative to dir, the user's
// working directory: cmdutil.InDir), else this user's journal; name is
// how messages call it (--journal as given).
func JournalPath(dir, flag string, lookup func(string) (string, bool)) (path, name string, err error) {
	if flag != "" {
		return cmdutil.InDir(dir, flag), flag, nil
	}
	path, err = audit.Path(lookup)
	return path, path, err
}

// Shown is text (a file name, a finding) with the files beside the journal
// at path (it and its rotated files) called as name calls the journal:
// the directory as the user gave it.
func Shown(path, name, text string) string {
	if path == name {
		return text
	}
	from, to := filepath.Dir(path)+string(filepath.Separator), ""
	if d := filepath.Dir(name); d != "." {
		to = d + string(filepath.Separator)
	}
	return strings.ReplaceAll(text, from, to)
}

// ReadError words a journal that cannot be read.
func ReadError(path string, err error) error {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return cmdutil.NotFoundf("no audit journal at %s: pamctl writes it when a terminate run acts on a session (--journal PATH reads another)", path)
	case errors.Is(err, audit.ErrNotJournal):
		return fmt.Errorf("%w: give the path of an audit.jsonl file", err)
	}
	return err
}

// Filter selects journal lines; a zero field matches everything.
type Filter struct {
	Since, Until time.Time // Since inclusive, Until exclusive
	Reason       string    // a substring, ASCII case folded
	User, Asset  string    // ASCII case folded
	Session      string
	Result       string
	Server       string // a profile's server
}

// Match reports whether e passes the filter.
func (f *Filter) Match(e *audit.Entry) bool {
	switch {
	case !f.Since.IsZero() && e.Time.Before(f.Since):
	case !f.Until.IsZero() && !e.Time.Before(f.Until):
	case f.Reason != "" && !strings.Contains(lower(e.Reason), lower(f.Reason)):
	case f.User != "" && lower(e.User) != lower(f.User):
	case f.Asset != "" && lower(e.Asset) != lower(f.Asset):
	case f.Session != "" && lower(e.Session) != lower(f.Session):
	case f.Result != "" && lower(e.Result) != lower(f.Result):
	case f.Server != "" && strings.TrimSuffix(e.Server, "/") != strings.TrimSuffix(f.Server, "/"):
	default:
		return true
	}
	return false
}

// Quick reports whether the raw journal line raw may pass the filter,
// without decoding it: false only when a value the filter needs is not in
// the line at all (ASCII case folded). Only values that JSON writes as they
// are (letters, digits, -_.@:/ and space) are looked for; buf is scratch
// space, reused between calls.
func (f *Filter) Quick(raw []byte, buf *[]byte) bool {
	var low []byte
	for _, v := range []string{f.Reason, f.User, f.Asset, f.Session, f.Result} {
		if v == "" || !plain(v) {
			continue
		}
		if low == nil {
			low = append((*buf)[:0], raw...)
			for i, c := range low {
				if 'A' <= c && c <= 'Z' {
					low[i] = c + 'a' - 'A'
				}
			}
			*buf = low
		}
		if !bytes.Contains(low, []byte(lower(v))) {
			return false
		}
	}
	return true
}

// plain reports whether JSON writes s byte for byte.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.@:/ ", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}

// lower folds ASCII letters only.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
