package api

import (
	"net/url"
	"strings"

	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/text"
)

// maxDecodes bounds how many times a path is URL-decoded while looking for
// a dot segment (%2e, %252e, %25252e, ...).
const maxDecodes = 8

// checkPath refuses a path that could reach outside the site's /api once
// a proxy or the server decodes it: a dot segment ("." or "..", however
// often percent-encoded, also before a ";" parameter or with a backslash
// as separator), an empty segment ("//"), an absolute URL, or a path that does not stay under
// /api/. The query is not checked: it is never a path.
func checkPath(p string) error {
	bad := func() error {
		return cmdutil.FlagErrorf("path %q: give a path under the site's /api without . or .. segments (also percent-encoded), such as /api/user/context; nothing was sent", text.Safe(p))
	}
	if strings.Contains(p, "://") {
		return cmdutil.FlagErrorf("path %q: give a path under the site's /api, not a URL, such as /api/user/context; nothing was sent", text.Safe(p))
	}
	pathPart, _, _ := strings.Cut(p, "?")
	dec := pathPart
	for i := 0; ; i++ {
		if hasDotSegment(dec) {
			return bad()
		}
		if hasEmptySegment(dec) {
			return cmdutil.FlagErrorf("path %q: give a path under the site's /api without empty segments (//), such as /api/user/context; nothing was sent", text.Safe(p))
		}
		next, err := url.PathUnescape(dec)
		if err != nil {
			// Not decodable as a whole: decode what can be, by hand.
			next = strings.NewReplacer("%2e", ".", "%2E", ".", "%2f", "/", "%2F", "/", "%5c", "\\", "%5C", "\\", "%25", "%").Replace(dec)
		}
		if next == dec {
			break
		}
		if i == maxDecodes {
			return bad()
		}
		dec = next
	}
	full := dec
	if !strings.HasPrefix(full, "/") {
		full = "/" + full
	}
	if !strings.HasPrefix(full, "/api/") && full != "/api" {
		full = "/api" + full
	}
	if !strings.HasPrefix(full, "/api/") && full != "/api" {
		return bad()
	}
	return nil
}

// hasEmptySegment reports "//" (or a backslash doubling a separator): a
// proxy or the server may read "//host/..." as another authority, so such a
// path is refused like a dot segment rather than sent.
func hasEmptySegment(p string) bool {
	p = strings.ReplaceAll(p, "\\", "/")
	return strings.Contains(p, "//")
}

func hasDotSegment(p string) bool {
	for _, seg := range strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' }) {
		seg, _, _ = strings.Cut(seg, ";")
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}
