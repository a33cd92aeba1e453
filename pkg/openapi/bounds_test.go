package openapi

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nestedDoc is the hostile document of the issue: n schemas, each the only
// property of the one before, in about 37 bytes a level (pad lengthens it).
func nestedDoc(n int, pad string) []byte {
	var b strings.Builder
	b.WriteString(`{"openapi":"3.0.3","info":{"title":"x","version":"1"},"paths":{},"components":{"schemas":{"A":`)
	for range n {
		fmt.Fprintf(&b, `{"type":"object","properties":{"a%s":`, pad)
	}
	b.WriteString(`{"type":"string"}`)
	b.WriteString(strings.Repeat("}}", n))
	b.WriteString(`}}}`)
	return []byte(b.String())
}

func TestHostileDocumentsAreRefusedBeforeParsing(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  []byte
		size int
	}{
		{"1000 nested", nestedDoc(1000, ""), 37_000},
		{"3000 nested", nestedDoc(3000, "bcdefgh-"), 135_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.InDelta(t, tc.size, len(tc.doc), float64(tc.size)/10, "the size of the issue's document")
			_, err := Load(tc.doc)
			var le *LimitError
			require.ErrorAs(t, err, &le)
			assert.Equal(t, "depth", le.Limit)
			assert.Equal(t, "the document nests deeper than 64 levels (the depth limit); a real API description does not", err.Error())
		})
	}
}

func TestYAMLDepthAndSchemaCount(t *testing.T) {
	deep := "openapi: 3.0.3\ncomponents:\n  schemas:\n    A:\n" + strings.Repeat("x:\n", 0)
	var b strings.Builder
	b.WriteString(deep)
	for i := range 80 {
		fmt.Fprintf(&b, "%sp:\n", strings.Repeat("  ", i+3))
	}
	_, err := Load([]byte(b.String()))
	var le *LimitError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, "depth", le.Limit)

	lim := DefaultLimits()
	lim.MaxSchemas = 10
	var flat strings.Builder
	flat.WriteString(`{"openapi":"3.0.3","components":{"schemas":{`)
	for i := range 11 {
		if i > 0 {
			flat.WriteString(",")
		}
		fmt.Fprintf(&flat, `"S%d":{"type":"string"}`, i)
	}
	flat.WriteString(`}}}`)
	_, err = LoadWithin(context.Background(), []byte(flat.String()), lim)
	require.ErrorAs(t, err, &le)
	assert.Equal(t, "schemas", le.Limit)
	assert.Contains(t, err.Error(), "more than 10 schemas")
	// A "type" that is a value, not a key, is not a schema.
	_, err = LoadWithin(context.Background(), []byte(`{"openapi":"3.0.3","info":{"title":"type","version":"$ref"},"paths":{}}`), lim)
	require.NoError(t, err)

	lim.MaxBytes = 100
	_, err = LoadWithin(context.Background(), []byte(flat.String()), lim)
	require.ErrorAs(t, err, &le)
	assert.Equal(t, "size", le.Limit)
}

// blockedParse stands for a parse that takes long: it returns when the
// test ends.
func blockedParse(t *testing.T) func([]byte) (*openapi3.T, error) {
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	return func([]byte) (*openapi3.T, error) {
		<-stop
		return nil, fmt.Errorf("stopped")
	}
}

func TestParseIsBoundedInTime(t *testing.T) {
	lim := DefaultLimits()
	lim.parse = blockedParse(t)
	var asked time.Duration
	lim.After = func(d time.Duration) <-chan time.Time {
		asked = d
		c := make(chan time.Time, 1)
		c <- time.Time{} // the deadline has passed
		return c
	}
	_, err := LoadWithin(context.Background(), []byte(`{"openapi":"3.0.3"}`), lim)
	var le *LimitError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, "time", le.Limit)
	assert.Equal(t, 10*time.Second, asked)
	assert.Equal(t, "reading the document took longer than 10s (the time limit); it is too complex to compare", err.Error())
}

func TestParseEndsWithTheContext(t *testing.T) {
	lim := DefaultLimits()
	lim.parse = blockedParse(t)
	lim.After = func(time.Duration) <-chan time.Time { return nil } // never
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // Ctrl-C
	_, err := LoadWithin(ctx, []byte(`{"openapi":"3.0.3"}`), lim)
	require.ErrorIs(t, err, context.Canceled)
}

// BenchmarkHostileDocuments measures doctor's cost for the issue's
// documents (refused by the depth limit).
func BenchmarkHostileDocuments(b *testing.B) {
	for _, n := range []int{1000, 3000} {
		doc := nestedDoc(n, "")
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Load(doc); err == nil {
					b.Fatal("loaded")
				}
			}
		})
	}
}
