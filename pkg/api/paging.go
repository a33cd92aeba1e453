package api

import (
	"context"
	"fmt"
	"net/url"
	"sync"
)

// listAll fetches every page of a list endpoint (or the first limit items).
// The first page tells the total; the remaining pages are then fetched with
// at most opts.Concurrency requests in flight, assembled in order. The first
// error (or a cancelled ctx) stops the rest.
//
// keep, when set, is applied to every item as its page arrives (before the
// page's memory can be released); ListSessions uses it to share repeated
// strings.
func listAll[T any](ctx context.Context, c *Client, path string, q url.Values, limit int, keep func(*T)) ([]T, error) {
	size := c.opts.PageSize
	if limit > 0 && limit < size {
		size = limit
	}
	fetch := func(ctx context.Context, offset, n int) (*page[T], error) {
		pq := url.Values{}
		for k, v := range q {
			pq[k] = v
		}
		pq.Set(qOffset, itoa(offset))
		pq.Set(qLimit, itoa(n))
		var p page[T]
		if err := c.getJSON(ctx, path, pq, &p); err != nil {
			return nil, err
		}
		if keep != nil {
			for i := range p.Items {
				keep(&p.Items[i])
			}
		}
		return &p, nil
	}
	first, err := fetch(ctx, 0, size)
	if err != nil {
		return nil, err
	}
	if first.Total < len(first.Items) {
		// The total is missing or wrong (its name is modeled, not
		// documented): never conclude "nothing more" from it; page on
		// until a short page instead.
		return listUntilShort(ctx, first.Items, size, limit, fetch)
	}
	want := first.Total
	if limit > 0 && limit < want {
		want = limit
	}
	if want > c.opts.MaxItems {
		// The result is held in memory; a total this large (or a server
		// that lies about it) must not make pamctl allocate without bound.
		return nil, &ResponseError{Method: "GET", URL: c.url(path, q), Reason: fmt.Sprintf("the server reports %d matching items, more than the %d pamctl lists at once; narrow the request (filters, --since) or pass --limit", first.Total, c.opts.MaxItems)}
	}
	if want < 0 {
		want = 0
	}
	if len(first.Items) >= want || len(first.Items) == 0 {
		return capItems(first.Items, want), nil
	}
	// The server may clamp the page size below what we asked for.
	step := len(first.Items)
	if first.Limit > 0 && first.Limit < step {
		step = first.Limit
	}
	var offsets []int
	for off := len(first.Items); off < want; off += step {
		offsets = append(offsets, off)
	}
	// Pages are copied into one preallocated slice as they arrive, so a
	// large listing holds each item once, not once per page and again in
	// the result.
	out := make([]T, want)
	copy(out, first.Items)
	got := make([]int, len(offsets))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		sem      = make(chan struct{}, c.opts.Concurrency)
	)
	for i, off := range offsets {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func(i, off int) {
			defer wg.Done()
			defer func() { <-sem }()
			n := min(step, want-off)
			p, err := fetch(ctx, off, n)
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				cancel()
				return
			}
			got[i] = copy(out[off:off+n], p.Items)
		}(i, off)
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// A page that came back short (sessions ended while we paged) leaves a
	// gap: close it, keeping the order.
	w := len(first.Items)
	for i, off := range offsets {
		n := got[i]
		if w != off {
			copy(out[w:w+n], out[off:off+n])
		}
		w += n
	}
	return out[:w], nil
}

// listUntilShort pages one page at a time until a page comes back shorter
// than asked, for servers whose total cannot be trusted.
func listUntilShort[T any](ctx context.Context, items []T, size, limit int, fetch func(context.Context, int, int) (*page[T], error)) ([]T, error) {
	out := items
	last := len(items)
	for last >= size && (limit <= 0 || len(out) < limit) {
		n := size
		if limit > 0 {
			n = min(size, limit-len(out))
		}
		p, err := fetch(ctx, len(out), n)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Items...)
		last = len(p.Items)
		if last < n {
			break
		}
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func capItems[T any](items []T, n int) []T {
	if items == nil {
		return []T{}
	}
	if n >= 0 && len(items) > n {
		return items[:n]
	}
	return items
}
