package api

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// checkNames checks one map of modeled -> server names: known keys,
// non-empty where needed, no server name used twice (an entry left out
// keeps its modeled name, which counts too).
func checkNames(section string, modeled []string, m map[string]string, needed []string) error {
	used := map[string]string{}
	for _, k := range modeled {
		v, set := m[k]
		if !set {
			v = k
		}
		if v == "" {
			if set && slices.Contains(needed, k) {
				return &OverlayError{Key: section + "." + k, Reason: "is left without a server name, but pamctl decides with it", Fix: "name the server's " + k + ", or remove the entry to keep " + k}
			}
			continue
		}
		if err := checkName(section+"."+k, v); err != nil {
			return err
		}
		if other, dup := used[v]; dup {
			return &OverlayError{Key: section + "." + k, Reason: fmt.Sprintf("maps to %q, as %s.%s does: two pamctl names cannot read one server name", v, section, other), Fix: "give each its own server name"}
		}
		used[v] = k
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(modeled, k) {
			return &OverlayError{Key: section + "." + k, Reason: "is not a name pamctl uses", Fix: "use one of " + strings.Join(modeled, ", ")}
		}
	}
	return nil
}

// checkValues checks a map whose keys are open (channel names).
func checkValues(section string, m map[string]string) error {
	used := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		if err := checkName(section+"."+k, k); err != nil {
			return err
		}
		if err := checkName(section+"."+k, v); err != nil {
			return err
		}
		if other, dup := used[v]; dup {
			return &OverlayError{Key: section + "." + k, Reason: fmt.Sprintf("maps to %q, as %s.%s does", v, section, other), Fix: "give each its own server spelling"}
		}
		used[v] = k
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if other, ok := used[k]; ok && other != k && m[k] != k {
			return &OverlayError{Key: section + "." + k, Reason: fmt.Sprintf("is also the server's spelling of %s: the mapping would be read two ways", other), Fix: "map each channel to a spelling no other one has"}
		}
	}
	return nil
}

func checkName(key, v string) error {
	if v == "" || len(v) > 128 || strings.ContainsFunc(v, func(r rune) bool { return r < 0x21 || r == 0x7f || r > 0x7e }) {
		return &OverlayError{Key: key, Reason: fmt.Sprintf("%q is not a usable name (printable ASCII, no spaces, at most 128)", excerpt(v, 40)), Fix: "write the server's name as its document spells it"}
	}
	return nil
}

// checkRoute checks one endpoint's method and path template: a path that
// names one object has exactly one {id}, others none; reads stay GET.
func checkRoute(ep Endpoint, r EndpointOverlay) error {
	key := "endpoints." + ep.ID
	if r.Method != "" {
		m := strings.ToUpper(r.Method)
		switch {
		case ep.Method == http.MethodGet && m != http.MethodGet:
			return &OverlayError{Key: key + ".method", Reason: fmt.Sprintf("%s is a read; pamctl sends it only as GET (it retries reads)", ep.ID), Fix: "remove the method, or ask the maintainers if the server reads with " + m}
		case ep.Method != http.MethodGet && !slices.Contains([]string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}, m):
			return &OverlayError{Key: key + ".method", Reason: fmt.Sprintf("%q is not a method that changes state", r.Method), Fix: "use POST, PUT, PATCH or DELETE"}
		}
	}
	if r.Path == "" {
		return nil
	}
	p := r.Path
	wantID := strings.Contains(ep.Path, "{id}")
	switch {
	case !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "?#% \t") || strings.Contains(p, "//"):
		return &OverlayError{Key: key + ".path", Reason: fmt.Sprintf("%q is not a path template", excerpt(p, 80)), Fix: "write the path under the site's API base, starting with /, e.g. /api/sessions/{id}"}
	case slices.ContainsFunc(strings.Split(p, "/"), func(s string) bool { return s == "." || s == ".." }):
		return &OverlayError{Key: key + ".path", Reason: "holds a dot segment", Fix: "write the path without . or .."}
	case !strings.HasPrefix(p, "/api/"):
		return &OverlayError{Key: key + ".path", Reason: fmt.Sprintf("%q is not under /api/", excerpt(p, 80)), Fix: "write the path under the site's API base, starting with /api/"}
	case wantID && strings.Count(p, "{id}") != 1:
		return &OverlayError{Key: key + ".path", Reason: fmt.Sprintf("%q must hold {id} exactly once: %s names one object", excerpt(p, 80), ep.ID), Fix: "put {id} where the server expects the ID, e.g. /api/sessions/{id}"}
	case !wantID && strings.Contains(p, "{id}"):
		return &OverlayError{Key: key + ".path", Reason: fmt.Sprintf("%q holds {id}, but %s names no object", excerpt(p, 80), ep.ID), Fix: "remove {id}"}
	case strings.Count(p, "{") != strings.Count(p, "{id}"):
		return &OverlayError{Key: key + ".path", Reason: fmt.Sprintf("%q holds a path parameter other than {id}", excerpt(p, 80)), Fix: "pamctl fills only {id}"}
	}
	return nil
}

// CheckStates refuses a state mapped to a value that allowed (the values
// the server's document allows for the state field) does not hold. An
// empty allowed list checks nothing.
func (o *Overlay) CheckStates(allowed []string) error {
	if len(allowed) == 0 {
		return nil
	}
	for _, k := range []string{StateActive, StateCompleted} {
		v := k
		if s, ok := o.States[k]; ok {
			v = s
		}
		if !slices.Contains(allowed, v) {
			return &OverlayError{Key: "states." + k, Reason: fmt.Sprintf("maps to %q, which the server's document does not allow (it allows %s)", v, strings.Join(allowed, ", ")), Fix: "map " + k + " to one of those"}
		}
	}
	return nil
}
