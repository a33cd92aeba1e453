// Package pamsim is an in-memory simulator of the 12Port PAM REST API described in
// shared/api/CONTRACT.md: user context, the Sessions Report, terminate, assets, the Events
// Report and the Session Events Report, with the contract's permissions and error statuses.
//
// pamctl has no real 12Port server to test against, so every test and the README demo run
// the client over real HTTP against this server instead of hand-written stubs. The simulator
// also records every request (so a test can prove that no terminate request was sent) and
// injects faults (latency, 5xx, 429 with Retry-After, HTML login pages, truncated bodies,
// dropped connections) for reliability tests.
//
// Its state is seeded from the embedded fixtures (testdata/fixtures.json, with fixed IDs that
// tests refer to) plus Options.Sessions generated sessions, deterministic for Options.Seed.
// Use Start or StartTLS in tests, New plus any http.Server elsewhere (see cmd/pamsim).
package pamsim
