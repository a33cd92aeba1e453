package contain

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/pamctl/pamctl/pkg/api"
)

// TestPermissionWhyIsOneStatement: a refused terminate is worded once, by
// cmdutil.Explain; what terminating needs is added only when the server
// said nothing, so the line never repeats itself or ends at a colon.
func TestPermissionWhyIsOneStatement(t *testing.T) {
	bare := &api.HTTPError{StatusCode: 403, Method: "POST", URL: "https://h/api/session/terminate/s1", Path: "/api/session/terminate/s1"}
	assert.Equal(t, "permission denied (HTTP 403 on POST /api/session/terminate/s1); terminating needs the Asset Manager permission on db-prod-01 or the Administrator site role",
		permissionWhy(bare, "db-prod-01"))

	said := *bare
	said.Message = "terminating sessions of asset db-prod-01 requires the Administrator site role"
	assert.Equal(t, "permission denied (HTTP 403 on POST /api/session/terminate/s1): terminating sessions of asset db-prod-01 requires the Administrator site role",
		permissionWhy(&said, "db-prod-01"))

	token := *bare
	token.StatusCode = 401
	assert.Equal(t, "the server refused the token (HTTP 401 on POST /api/session/terminate/s1): it is invalid or expired, or its user lacks the permission for this; check with `pamctl auth status`",
		permissionWhy(&token, "db-prod-01"))
}
