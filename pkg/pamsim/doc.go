// Package pamsim is an in-memory simulator of the 12Port PAM REST API described in
// docs/api-contract.md: user context, the Sessions Report, terminate, assets, the Events
// Report and the Session Events Report, with the contract's permissions and error statuses.
//
// pamctl has no real 12Port server to test against, so every test and the README demo run
// the client over real HTTP against this server instead of hand-written stubs. The simulator
// also records every request (so a test can prove that no terminate request was sent) and
// injects faults (see Fault) for reliability and distrust tests: what a real server or a
// proxy in front of it may do. Transport faults: latency, 5xx and 429 with Retry-After in
// seconds or as an HTTP-date, HTML login pages, truncated or empty bodies, dropped
// connections before, after or long before the request is applied. Lying answers: filters
// ignored, another object's body, list envelopes of another shape, pages larger than the
// limit, the first page at every offset, endless pages, renamed fields, and error bodies or
// redirects that echo the caller's token raw, JSON-escaped or URL-encoded.
//
// Its state is seeded from the embedded fixtures (testdata/fixtures.json, with fixed IDs that
// tests refer to, and names hostile to terminals, shells and paths) plus Options.Sessions
// generated sessions, deterministic for Options.Seed. Tokens are random per server and always
// hold "+", "/" and a trailing "=", the characters JSON and URL encodings escape.
// Use Start or StartTLS in tests, New plus any http.Server elsewhere (see cmd/pamsim).
package pamsim
