package contain

import (
	"testing"

	"github.com/stretchr/testify/assert"

	query "github.com/pamctl/pamctl/pkg/cmd/sessions/selector"
)

func TestCriteriaNamesOnlyWhatWasGiven(t *testing.T) {
	assert.Equal(t, "state Active, user", criteria(&query.Selector{User: "bwilliams"}))
	assert.Equal(t, "state Active, asset, channel", criteria(&query.Selector{Asset: "db", Channel: "ssh"}))
	assert.Equal(t, "state Active, user, asset, channel", criteria(&query.Selector{User: "u", Asset: "a", Channel: "c"}))
}
