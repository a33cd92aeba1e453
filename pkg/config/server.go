package config

import (
	"net/url"
	"strings"
)

// NormalizeServer is the one spelling of a site API base that pamctl
// stores credentials under and looks them up by: scheme and host in lower
// case, no repeated or trailing slash, no trailing /api (the base is
// https://host:6443/ztna/<tenant>/<site>, not its /api). Without it,
// `auth login --server https://H:6443/ztna/t/s/` would store a token that
// PAMCTL_SERVER=https://h:6443/ztna/t/s never finds.
//
// It does not validate: a value that is not an absolute URL comes back
// trimmed but otherwise unchanged, and api.ParseServerURL reports it.
func NormalizeServer(raw string) string {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return raw
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	p := u.Path
	for strings.Contains(p, "//") {
		p = strings.ReplaceAll(p, "//", "/")
	}
	p = strings.TrimRight(p, "/")
	p = strings.TrimSuffix(p, "/api")
	p = strings.TrimRight(p, "/")
	u.Path = p
	u.RawPath = ""
	return u.String()
}
