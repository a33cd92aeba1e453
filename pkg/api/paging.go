package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/pamctl/pamctl/pkg/text"
)

// The paging envelope is checked strictly, because a destructive tool
// must never read "nothing matched" into an answer it does not understand
// (see docs/api-contract.md, "What pamctl checks"): the body must be an
// object whose "items" is an array and whose "total" is a whole number not
// below the items seen. Paging stops at the first page's total; a page
// longer than the limit asked, an empty page before the total is reached,
// or a page that repeats an item already seen is an error, so a server
// that pages differently fails loudly instead of looping or hiding rows.

// envelope is one page as it comes over the wire; its parts are checked
// before the items are decoded.
type envelope struct {
	Total json.RawMessage `json:"total"`
	Items json.RawMessage `json:"items"`
}

// listing describes one list call.
type listing[T any] struct {
	path  string
	query url.Values
	limit int // 0: all
	// keep is applied to every item as its page arrives (interning).
	keep func(*T)
	// check refuses an item that lacks what pamctl acts on.
	check func(*T) error
	// id is an item's identity for the repeat check ("" skips the item).
	id func(*T) string
}

type pageOf[T any] struct {
	total int
	items []T
}

// listAll fetches every item of a list endpoint (or the first limit) into
// memory, at most opts.MaxItems of them: for callers that need the whole
// list (tables, terminate's targets). Streaming callers use eachPage.
func listAll[T any](ctx context.Context, c *Client, l listing[T]) ([]T, error) {
	var out []T
	err := eachPage(ctx, c, l, func(want int) error {
		// The server's total sizes nothing: a lie costs one small slice.
		out = make([]T, 0, min(want, initialCap))
		return nil
	}, func(items []T) error {
		out = append(out, items...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func eachPageIn[T any](ctx context.Context, c *Client, l listing[T], start func(want int) error, fn func(items []T) error) error {
	size := c.opts.PageSize
	if l.limit > 0 && l.limit < size {
		size = l.limit
	}
	first, err := fetchPage(ctx, c, l, 0, size)
	if err != nil {
		return err
	}
	want := first.total
	if l.limit > 0 && l.limit < want {
		want = l.limit
	}
	if err := tooMany(c, l, want, len(first.items)); err != nil {
		return err
	}
	if start != nil {
		if err := start(want); err != nil {
			return err
		}
	}
	rep := newRepeats(c, l, want)
	deliver := func(items []T) error {
		if err := rep.add(items); err != nil {
			return err
		}
		return fn(items)
	}
	if len(first.items) >= want {
		return deliver(first.items[:want])
	}
	if len(first.items) == 0 {
		return pageErr(c, l, 0, size, fmt.Sprintf("an empty page although \"total\" is %d", first.total))
	}
	// The server may clamp the page size below what we asked for.
	step := len(first.items)
	if err := deliver(first.items); err != nil {
		return err
	}
	type result struct {
		items []T
		err   error
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// One buffered channel a page in flight, handed from the fetcher to
	// the reader in order (queue): a fetch never blocks on a reader that
	// stopped, and nothing is sized by the server's total. window bounds
	// the pages fetched but not yet handed over.
	queue := make(chan chan result, c.opts.Concurrency)
	window := make(chan struct{}, c.opts.Concurrency)
	go func() {
		defer close(queue)
		for off := step; off < want; off += step {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				return
			}
			page := make(chan result, 1)
			queue <- page
			go func() {
				n := min(step, want-off)
				p, err := fetchPage(ctx, c, l, off, n)
				switch {
				case err != nil:
					page <- result{err: err}
				case len(p.items) == 0:
					page <- result{err: pageErr(c, l, off, n, fmt.Sprintf("an empty page at offset %d although \"total\" was %d", off, first.total))}
				case len(p.items) < n && off+len(p.items) < p.total:
					// Short, although its own total says more follow:
					// items would go missing without a word.
					page <- result{err: pageErr(c, l, off, n, fmt.Sprintf("a page of %s at offset %d although %d were asked and \"total\" is %d", text.Plural(len(p.items), "item"), off, n, p.total))}
				default:
					// A page that came back short (sessions ended
					// while we paged) is handed over as it is.
					page <- result{items: p.items}
				}
			}()
		}
	}()
	for page := range queue {
		var r result
		select {
		case r = <-page:
		case <-ctx.Done():
			return ctx.Err()
		}
		<-window
		if r.err != nil {
			return r.err
		}
		if err := deliver(r.items); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// fetchPage GETs one page and checks its envelope and items.
func fetchPage[T any](ctx context.Context, c *Client, l listing[T], offset, n int) (*pageOf[T], error) {
	q := url.Values{}
	for k, v := range l.query {
		q[k] = v
	}
	q.Set(qOffset, strconv.Itoa(offset))
	q.Set(qLimit, strconv.Itoa(n))
	var raw rawBody
	if err := c.getJSON(ctx, l.path, q, &raw); err != nil {
		return nil, err
	}
	fail := func(reason string) error {
		return &ResponseError{Method: http.MethodGet, URL: c.url(l.path, q), Reason: c.redact(reason)}
	}
	body := bytes.TrimSpace(raw)
	if len(body) == 0 || body[0] != '{' {
		return nil, fail(fmt.Sprintf("the list answer is %s, not the paging envelope {\"total\": n, \"items\": [...]}; this server's list endpoint differs from the modeled one (run `pamctl doctor`)", jsonKind(body)))
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fail("the list answer is not valid JSON: " + excerpt(err.Error(), 120))
	}
	items := bytes.TrimSpace(env.Items)
	if string(items) == "null" && string(bytes.TrimSpace(env.Total)) == "0" {
		// An empty list serialised as null: consistent, so accepted.
		items = []byte("[]")
	}
	if len(items) == 0 || items[0] != '[' {
		what := "has no \"items\""
		if len(items) > 0 {
			what = "has \"items\" as " + jsonKind(items) + ", not an array"
		}
		return nil, fail(fmt.Sprintf("the list answer %s (its keys: %s); this server's paging envelope differs from the modeled one (run `pamctl doctor`)", what, keysOf(body)))
	}
	total, err := strconv.Atoi(string(bytes.TrimSpace(env.Total)))
	if err != nil || total < 0 {
		what := "has no \"total\""
		if len(env.Total) > 0 {
			what = "has \"total\" as " + excerpt(string(env.Total), 40) + ", not a whole number"
		}
		return nil, fail(fmt.Sprintf("the list answer %s (its keys: %s); pamctl will not guess how many items there are", what, keysOf(body)))
	}
	p := &pageOf[T]{total: total}
	if err := json.Unmarshal(items, &p.items); err != nil {
		return nil, decodeJSON(http.MethodGet, c.url(l.path, q), "application/json", items, &p.items)
	}
	c.redactDecoded(p.items)
	switch {
	case len(p.items) > n:
		return nil, fail(fmt.Sprintf("a page of %s although the limit asked was %d; this server pages differently from the modeled contract", text.Plural(len(p.items), "item"), n))
	case offset+len(p.items) > total:
		return nil, fail(fmt.Sprintf("%s up to offset %d but \"total\" is %d", text.Plural(offset+len(p.items), "item"), offset, total))
	}
	for i := range p.items {
		if l.check != nil {
			if err := l.check(&p.items[i]); err != nil {
				return nil, fail(fmt.Sprintf("item %d: %v", offset+i, err))
			}
		}
		if l.keep != nil {
			l.keep(&p.items[i])
		}
	}
	return p, nil
}

// repeats fails when an item appears twice across a listing: a server
// that ignores offset, or pages that overlap, must not be mistaken for more
// sessions. IDs are kept as 64-bit hashes in one sorted slice, sized once
// as they come, never from the total: 200,000 sessions cost 1.6 MB (a map costs several times
// that), which a streaming listing's memory bound feels.
type repeats[T any] struct {
	c       *Client
	l       listing[T]
	seed    maphash.Seed
	seen    []uint64 // sorted
	scratch []uint64
}

func newRepeats[T any](c *Client, l listing[T], want int) *repeats[T] {
	r := &repeats[T]{c: c, l: l, seed: maphash.MakeSeed()}
	if l.id != nil {
		r.seen = make([]uint64, 0, min(want, initialCap))
	}
	return r
}

func (r *repeats[T]) add(items []T) error {
	if r.l.id == nil {
		return nil
	}
	hs := r.scratch[:0]
	for i := range items {
		if id := r.l.id(&items[i]); id != "" {
			hs = append(hs, maphash.String(r.seed, IDKey(id)))
		}
	}
	r.scratch = hs
	slices.Sort(hs)
	for i := 1; i < len(hs); i++ {
		if hs[i] == hs[i-1] {
			return r.repeated(items, hs[i])
		}
	}
	for i, j := 0, 0; i < len(r.seen) && j < len(hs); {
		switch {
		case r.seen[i] == hs[j]:
			return r.repeated(items, hs[j])
		case r.seen[i] < hs[j]:
			i++
		default:
			j++
		}
	}
	// Merge the page's hashes in, from the back, in place.
	n := len(r.seen)
	r.seen = append(r.seen, hs...)
	a, b := n-1, len(hs)-1
	for k := len(r.seen) - 1; b >= 0; k-- {
		if a >= 0 && r.seen[a] > hs[b] {
			r.seen[k] = r.seen[a]
			a--
		} else {
			r.seen[k] = hs[b]
			b--
		}
	}
	return nil
}

// repeated names the item of this page whose ID hashes to h.
func (r *repeats[T]) repeated(items []T, h uint64) error {
	id := "an item"
	for i := range items {
		if v := r.l.id(&items[i]); v != "" && maphash.String(r.seed, IDKey(v)) == h {
			id = v
			break
		}
	}
	return &ResponseError{Method: http.MethodGet, URL: r.c.url(r.l.path, r.l.query), Reason: fmt.Sprintf("the server listed %s more than once across its pages (IDs compare without regard to ASCII case): a server that ignores offset, or pages that overlap; the listing was refused", excerpt(id, 80))}
}

func pageErr[T any](c *Client, l listing[T], offset, n int, reason string) error {
	q := url.Values{}
	for k, v := range l.query {
		q[k] = v
	}
	q.Set(qOffset, strconv.Itoa(offset))
	q.Set(qLimit, strconv.Itoa(n))
	return &ResponseError{Method: http.MethodGet, URL: c.url(l.path, q), Reason: reason + "; this server pages differently from the modeled contract"}
}

// jsonKind names what a JSON value is, for messages.
func jsonKind(b []byte) string {
	if len(b) == 0 {
		return "empty"
	}
	switch b[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	}
	return "a number"
}

// keysOf lists an object's keys, for messages.
func keysOf(body []byte) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil || len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, strconv.Quote(k))
	}
	slices.Sort(keys)
	if len(keys) > 8 {
		keys = append(keys[:8], "…")
	}
	return excerpt(strings.Join(keys, ", "), 200)
}
