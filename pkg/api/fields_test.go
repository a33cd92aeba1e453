package api

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFieldsOf(t *testing.T) {
	fs := Fields(pageType[Session]())
	require.Len(t, fs, 4)
	assert.Equal(t, "page.Total", fs[0].Go)
	assert.Equal(t, KindObjects, fs[3].Kind)
	assert.Equal(t, "SessionPage", TypeName(pageType[Session]()))
	var got []string
	for _, f := range Fields(fs[3].Elem) {
		got = append(got, f.Go+"="+f.JSON)
	}
	assert.Contains(t, got, "Session.AssetName=assetName")
	assert.Equal(t, "`json:\"assetName\"`", Fields(fs[3].Elem)[2].Tag())
}

func pageType[T any]() reflect.Type { return reflect.TypeOf(page[T]{}) }
