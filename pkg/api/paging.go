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

	"golang.org/x/sync/errgroup"
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

// listAll fetches every page of a list endpoint (or the first limit items).
// The first page tells the total; the remaining pages are then fetched with
// at most opts.Concurrency requests in flight, assembled in order. The first
// error (or a cancelled ctx) stops the rest.
func listAll[T any](ctx context.Context, c *Client, l listing[T]) ([]T, error) {
	size := c.opts.PageSize
	if l.limit > 0 && l.limit < size {
		size = l.limit
	}
	first, err := fetchPage(ctx, c, l, 0, size)
	if err != nil {
		return nil, err
	}
	want := first.total
	if l.limit > 0 && l.limit < want {
		want = l.limit
	}
	if want > c.opts.MaxItems {
		// The result is held in memory; a total this large (or a server
		// that lies about it) must not make pamctl allocate without bound.
		return nil, &ResponseError{Method: http.MethodGet, URL: c.url(l.path, l.query), Reason: fmt.Sprintf("the server reports %d matching items, more than the %d pamctl lists at once; narrow the request (filters, --since) or pass --limit", first.total, c.opts.MaxItems)}
	}
	if len(first.items) >= want {
		out := first.items[:want]
		return out, checkRepeats(c, l, out)
	}
	if len(first.items) == 0 {
		return nil, pageErr(c, l, 0, size, fmt.Sprintf("an empty page although \"total\" is %d", first.total))
	}
	// The server may clamp the page size below what we asked for.
	step := len(first.items)
	var offsets []int
	for off := step; off < want; off += step {
		offsets = append(offsets, off)
	}
	// Pages are copied into one preallocated slice as they arrive, so a
	// large listing holds each item once, not once per page and again in
	// the result.
	out := make([]T, want)
	copy(out, first.items)
	got := make([]int, len(offsets))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.opts.Concurrency)
	for i, off := range offsets {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			n := min(step, want-off)
			p, err := fetchPage(gctx, c, l, off, n)
			if err != nil {
				return err
			}
			if len(p.items) == 0 {
				return pageErr(c, l, off, n, fmt.Sprintf("an empty page at offset %d although \"total\" was %d", off, first.total))
			}
			got[i] = copy(out[off:off+n], p.items)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// A page that came back short (sessions ended while we paged) leaves a
	// gap: close it, keeping the order.
	w := len(first.items)
	for i, off := range offsets {
		n := got[i]
		if w != off {
			copy(out[w:w+n], out[off:off+n])
		}
		w += n
	}
	out = out[:w]
	return out, checkRepeats(c, l, out)
}

// fetchPage GETs one page and checks its envelope and items.
func fetchPage[T any](ctx context.Context, c *Client, l listing[T], offset, n int) (*pageOf[T], error) {
	q := url.Values{}
	for k, v := range l.query {
		q[k] = v
	}
	q.Set(qOffset, strconv.Itoa(offset))
	q.Set(qLimit, strconv.Itoa(n))
	var raw json.RawMessage
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
	switch {
	case len(p.items) > n:
		return nil, fail(fmt.Sprintf("a page of %d items although the limit asked was %d; this server pages differently from the modeled contract", len(p.items), n))
	case offset+len(p.items) > total:
		return nil, fail(fmt.Sprintf("%d items up to offset %d but \"total\" is %d", offset+len(p.items), offset, total))
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

// checkRepeats fails when an item appears twice: a server that ignores
// offset, or pages that overlap, must not be mistaken for more sessions.
func checkRepeats[T any](c *Client, l listing[T], items []T) error {
	if l.id == nil || len(items) < 2 {
		return nil
	}
	seed := maphash.MakeSeed()
	seen := make(map[uint64]struct{}, len(items))
	for i := range items {
		id := l.id(&items[i])
		if id == "" {
			continue
		}
		h := maphash.String(seed, strings.ToLower(id))
		if _, dup := seen[h]; dup {
			return &ResponseError{Method: http.MethodGet, URL: c.url(l.path, l.query), Reason: fmt.Sprintf("the server listed %s more than once across its pages (a server that ignores offset, or pages that overlap); nothing was acted on", excerpt(id, 80))}
		}
		seen[h] = struct{}{}
	}
	return nil
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
