package api

import (
	"reflect"

	"github.com/pamctl/pamctl/pkg/redact"
)

// The client's redactor knows its token in every spelling pkg/redact
// lists (as is, any letter case, JSON-, URL- and HTML-escaped, hex,
// base64 at any alignment, split by invisible characters). Every string
// the client hands out passes it: error messages, debug lines, raw bodies,
// and every 2xx body before it is decoded. The same token is also handed
// to the process's output streams (see Options.Redactor), so what a
// command writes is redacted again at the boundary.
type redactor = redact.Redactor

func newRedactor(token string, shared *redact.Redactor) *redactor {
	if shared != nil {
		shared.Add(token)
	}
	return redact.New(token)
}

func (c *Client) redactBytes(b []byte) []byte { return c.redactor.Bytes(b) }

// Redact removes the client's token, however spelled, from s. Commands
// use it on text they build from a server's answer before it reaches a
// file that is not one of the process's streams.
func (c *Client) Redact(s string) string { return c.redactor.String(s) }

// redactDecoded redacts, in place, every string in v, a value the client
// just decoded from a server's answer. The body was redacted before
// decoding; decoding can make a spelling the raw bytes did not hold (a
// URL-encoded token written with JSON \u escapes decodes to the
// URL-encoded token), so the strings are checked again after it.
func (c *Client) redactDecoded(v any) {
	if c.redactor.Empty() {
		return
	}
	redactValue(c.redactor, reflect.ValueOf(v))
}

func redactValue(r *redact.Redactor, v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			e := v.Elem()
			if v.Kind() == reflect.Interface && e.Kind() == reflect.String {
				if s := e.String(); r.String(s) != s && v.CanSet() {
					v.Set(reflect.ValueOf(r.String(s)))
				}
				return
			}
			redactValue(r, e)
		}
	case reflect.String:
		if s := v.String(); s != "" && v.CanSet() {
			if out := r.String(s); out != s {
				v.SetString(out)
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range v.NumField() {
			if t.Field(i).IsExported() {
				redactValue(r, v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return // raw bytes: redacted as a whole before decoding
		}
		for i := range v.Len() {
			redactValue(r, v.Index(i))
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			e := iter.Value()
			switch {
			case e.Kind() == reflect.String:
				if s := e.String(); r.String(s) != s {
					v.SetMapIndex(iter.Key(), reflect.ValueOf(r.String(s)).Convert(e.Type()))
				}
			case e.Kind() == reflect.Interface && !e.IsNil() && e.Elem().Kind() == reflect.String:
				if s := e.Elem().String(); r.String(s) != s {
					v.SetMapIndex(iter.Key(), reflect.ValueOf(r.String(s)))
				}
			default:
				redactValue(r, e)
			}
		}
	}
}
