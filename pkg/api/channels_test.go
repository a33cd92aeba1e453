package api

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNativeChannelTable checks the rule against the one table the
// simulator's tests read too.
func TestNativeChannelTable(t *testing.T) {
	b, err := os.ReadFile("../../testdata/channels.json")
	require.NoError(t, err)
	var table struct{ Native, Web []string }
	require.NoError(t, json.Unmarshal(b, &table))
	require.NotEmpty(t, table.Native)
	for _, ch := range table.Native {
		assert.True(t, IsNativeChannel(ch), "%q is native", ch)
		assert.False(t, IsTerminable(&Session{Channels: []string{ch}}), "%q alone cannot be terminated", ch)
	}
	for _, ch := range table.Web {
		assert.False(t, IsNativeChannel(ch), "%q is not native", ch)
	}
}
