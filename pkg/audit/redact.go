package audit

import "github.com/pamctl/pamctl/pkg/redact"

// SetRedactor makes Append pass every line through r, so a secret that
// reached an entry (a server echoing the token in a field or an error)
// is not written to the journal, or from there to an export bundle. The
// commands hand in the process's redactor, which knows every token in use.
func (j *Journal) SetRedactor(r *redact.Redactor) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.red = r
}
