package plan

import "errors"

// Reason sentinels: every *Error matches exactly one of them with
// errors.Is, so a command or a test can tell the refusals apart without
// parsing text.
var (
	ErrTruncated     = errors.New("plan truncated")
	ErrNotJSON       = errors.New("plan not JSON")
	ErrNotPlan       = errors.New("not a pamctl plan")
	ErrNewerFormat   = errors.New("plan from a newer pamctl")
	ErrInvalid       = errors.New("plan field missing or invalid")
	ErrDigest        = errors.New("plan digest mismatch")
	ErrExpired       = errors.New("plan expired")
	ErrSignature     = errors.New("plan signature refused")
	ErrSamePerson    = errors.New("plan applied by its planner")
	ErrUnknownServer = errors.New("plan for a server without a profile")
)

// Error is a refusal for safety: the plan cannot be applied as it is, and
// nothing was sent. The command maps it to exit 6:
//
//	&cmdutil.ExitError{Code: cmdutil.ExitRefused, Err: err}
//
// Error() is one line naming what was wrong and what to do.
type Error struct {
	// Reason is one of the Err* sentinels above.
	Reason error
	// Msg is the whole line.
	Msg string
}

func (e *Error) Error() string { return e.Msg }

// Is matches the sentinel of the refusal.
func (e *Error) Is(target error) bool { return target == e.Reason }

func refuse(reason error, msg string) *Error { return &Error{Reason: reason, Msg: msg} }

// remedy is what every refusal of a plan's content ends with.
const remedy = "make a new plan with `pamctl sessions terminate ... --plan-out FILE`"
