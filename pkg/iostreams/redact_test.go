package iostreams

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/pamctl/pamctl/pkg/redact"
)

func TestRedactWrapsOutAndErrOut(t *testing.T) {
	ios, _, out, errOut := Test()
	r := redact.New()
	ios.Redact(r)
	ios.Redact(redact.New("other")) // a second call changes nothing
	r.Add("s3cr3t+t0ken/x=")        // learnt after the streams were wrapped
	fmt.Fprintf(ios.Out, "row %s\n", "S3CR3T%2BT0KEN%2FX%3D")
	fmt.Fprintf(ios.ErrOut, "HTTP 400: bad token \\u0073\\u0033cr3t+t0ken/x=\n")
	fmt.Fprint(ios.ErrOut, "partial s3cr3t")
	assert.Equal(t, "row [REDACTED]\n", out.String())
	assert.Equal(t, "HTTP 400: bad token [REDACTED]\npartial ", errOut.String(), "the start of a spelling is held back")
	p := ios.PromptOut()
	assert.Equal(t, "HTTP 400: bad token [REDACTED]\npartial s3cr3t", errOut.String(), "a question flushes what is held")
	fmt.Fprint(p, "Terminate s3cr3t+t0ken/x=? [y/N] ")
	assert.Contains(t, errOut.String(), "Terminate [REDACTED]? [y/N] ")
	ios.Flush()
	assert.Same(t, r, ios.Redactor())
}
