//go:build !unix

package audit

// noFollow is unavailable here; Open's Lstat check still refuses links.
const noFollow = 0
