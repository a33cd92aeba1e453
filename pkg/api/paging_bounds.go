package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// eachPage fetches every page of a list endpoint (or the first limit
// items) and hands each page's items to fn, in order, as soon as the pages
// before it were handed over. The first page tells the total (start is
// told how many items will come, before any is handed over); the others
// are fetched at most opts.Concurrency at a time, so at most that many
// pages are held at once whatever the total. Every page is checked as it
// comes (fetchPage) and every item's identity against all seen before; the
// first error, or one from fn or start, stops the rest.
func eachPage[T any](ctx context.Context, c *Client, l listing[T], start func(want int) error, fn func(items []T) error) error {
	// The whole listing has a deadline, besides each request's timeout:
	// a server that answers every page slowly cannot make it last for hours.
	ctx, cancelList := context.WithTimeoutCause(ctx, c.opts.ListTimeout, errListTimeout)
	defer cancelList()
	err := eachPageIn(ctx, c, l, start, fn)
	if errors.Is(context.Cause(ctx), errListTimeout) {
		return &ResponseError{Method: http.MethodGet, URL: c.url(l.path, l.query), Reason: fmt.Sprintf("the listing did not finish within %s; narrow the selection", c.opts.ListTimeout), TooLarge: true}
	}
	return err
}

var errListTimeout = errors.New("listing deadline")

// initialCap is the most items a listing allocates room for before they
// come.
const initialCap = 1024

// tooMany refuses, right after the first page, a listing larger than the
// caps: more than MaxItems items, or more than MaxPages requests at the
// page size the server answers with.
func tooMany[T any](c *Client, l listing[T], want, step int) error {
	reason := ""
	switch {
	case want > c.opts.MaxItems:
		reason = fmt.Sprintf("the server reports %d matching items, more than the %d pamctl lists at once", want, c.opts.MaxItems)
	case step > 0 && (want+step-1)/step > c.opts.MaxPages:
		reason = fmt.Sprintf("the server reports %d matching items but answers %d a page: %d requests, more than the %d pamctl sends for one listing", want, step, (want+step-1)/step, c.opts.MaxPages)
	default:
		return nil
	}
	return &ResponseError{Method: http.MethodGet, URL: c.url(l.path, l.query), Reason: reason + "; narrow the selection", TooLarge: true}
}
