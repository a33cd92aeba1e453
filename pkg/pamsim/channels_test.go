package pamsim

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNativeChannelTable checks the simulator's rule against the table the
// client's tests read too, so the two cannot drift apart.
func TestNativeChannelTable(t *testing.T) {
	b, err := os.ReadFile("../../testdata/channels.json")
	require.NoError(t, err)
	var table struct{ Native, Web []string }
	require.NoError(t, json.Unmarshal(b, &table))
	for _, ch := range table.Native {
		assert.True(t, isNative(ch), "%q is native", ch)
	}
	for _, ch := range table.Web {
		assert.False(t, isNative(ch), "%q is not native", ch)
	}
}
