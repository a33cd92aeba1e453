package pamsim

// Rewriting real answers for the ground fault kinds: a list filtered again on the answer's
// items, and fields of list items or single objects set or respelled.

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// serveRefiltered answers a session list the way the server would without the query
// parameters drop, then filtered by keep (which may rewrite an item), then paged as asked:
// for servers whose filter differs from the contract's in more than ignoring it.
func (s *Server) serveRefiltered(w http.ResponseWriter, r *http.Request, apply applyFunc, drop []string, keep func([]objField) ([]objField, bool)) {
	pg, err := parsePaging(r.URL.Query())
	if err != nil {
		apply(w, r)
		return
	}
	q := r.URL.Query()
	for _, k := range drop {
		q.Del(k)
	}
	var kept []json.RawMessage
	for off := 0; ; off += maxLimit {
		q.Set("offset", strconv.Itoa(off))
		q.Set("limit", strconv.Itoa(maxLimit))
		rec, p, ok := recordPage(apply, withQuery(r, q))
		if !ok {
			copyRecorded(w, rec, rec.Body.Bytes())
			return
		}
		for _, it := range p.Items {
			obj, ok := parseObject(it)
			if !ok {
				continue
			}
			if obj, ok = keep(obj); ok {
				kept = append(kept, encodeObject(obj))
			}
		}
		if len(p.Items) == 0 || off+len(p.Items) >= p.Total {
			break
		}
	}
	out := listPage{Total: len(kept), Offset: pg.offset, Limit: pg.limit, Items: []json.RawMessage{}}
	for i, it := range kept {
		if pg.inPage(i) {
			out.Items = append(out.Items, it)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// rewriteItems applies fn to every item of a list answer, or to a single object answer (one
// with an "id"); ok is false when body is neither.
func rewriteItems(body []byte, fn func([]objField) []objField) ([]byte, bool) {
	top, ok := parseObject(body)
	if !ok {
		return nil, false
	}
	for i, fl := range top {
		if fl.key != "items" {
			continue
		}
		var items []json.RawMessage
		if json.Unmarshal(fl.val, &items) != nil {
			return nil, false
		}
		for j, it := range items {
			if obj, ok := parseObject(it); ok {
				items[j] = encodeObject(fn(obj))
			}
		}
		v, err := json.Marshal(items)
		if err != nil {
			return nil, false
		}
		top[i].val = v
		return encodeObject(top), true
	}
	if stringField(top, "id") != "" {
		return encodeObject(fn(top)), true
	}
	return nil, false
}

// respellState writes Active as to and Completed in to's letter case (all capitals, all
// small, or as the contract spells it).
func respellState(obj []objField, to string) []objField {
	switch stringField(obj, "state") {
	case StateActive:
		v, _ := json.Marshal(to)
		return setField(obj, "state", v)
	case StateCompleted:
		c := StateCompleted
		switch to {
		case strings.ToUpper(to):
			c = strings.ToUpper(c)
		case strings.ToLower(to):
			c = strings.ToLower(c)
		}
		v, _ := json.Marshal(c)
		return setField(obj, "state", v)
	}
	return obj
}

// stringField is the string value of key in obj, or "".
func stringField(obj []objField, key string) string {
	for _, f := range obj {
		if f.key == key {
			var v string
			_ = json.Unmarshal(f.val, &v)
			return v
		}
	}
	return ""
}

// setField sets key to val in obj, in place when present, else at the end.
func setField(obj []objField, key string, val json.RawMessage) []objField {
	for i := range obj {
		if obj[i].key == key {
			obj[i].val = val
			return obj
		}
	}
	return append(obj, objField{key, val})
}
