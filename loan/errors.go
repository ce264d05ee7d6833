package loan

import (
	"errors"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Matchable conditions. Each typed error below unwraps to one or more of these, so callers
// (and the server's error handler) match with errors.Is and read details with errors.As.
var (
	// ErrNotFound: no application with that ID.
	ErrNotFound = errors.New("loan: application not found")
	// ErrExists: an application with that ID is already stored.
	ErrExists = errors.New("loan: application already exists")
	// ErrConflict: the action does not fit the application's current state.
	ErrConflict = errors.New("loan: conflict with the application's state")
	// ErrStale: the application changed since the caller read it (version mismatch).
	ErrStale = errors.New("loan: stale application version")
	// ErrForbidden: the actor may not take this action.
	ErrForbidden = errors.New("loan: forbidden")
	// ErrFourEyes: the actor made, prepared or already approved this case.
	ErrFourEyes = errors.New("loan: four-eyes rule")
	// ErrAuthority: the actor's authority limit is below the amount.
	ErrAuthority = errors.New("loan: authority limit too low")
	// ErrAlreadyDecided: the actor has already decided at this stage.
	ErrAlreadyDecided = errors.New("loan: already decided at this stage")
	// ErrMissingDocuments: required documents are missing, rejected or not yet verified.
	ErrMissingDocuments = errors.New("loan: required documents missing")
	// ErrAboveLimit: the amount exceeds the assessed limit and no valid override was given.
	ErrAboveLimit = errors.New("loan: amount above the assessed limit")
	// ErrDeclined: the latest assessment declined the application and no valid override was
	// given.
	ErrDeclined = errors.New("loan: the assessment declined the application")
	// ErrGroupLimit: the amount would breach the limit of a group above the customer.
	ErrGroupLimit = errors.New("loan: group limit breached")
	// ErrInvalid: the input or configuration failed validation.
	ErrInvalid = errors.New("loan: invalid input")
)

// StateError says an action is not allowed in the application's current state. It matches
// ErrConflict.
type StateError struct {
	Action Action
	Status Status // the current status
	Reason string // optional detail, e.g. "stage 2 is pending, not stage 1"
}

// Error describes the failure in English.
func (e *StateError) Error() string {
	msg := fmt.Sprintf("loan: cannot %s an application that is %s", e.Action, e.Status)
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// Unwrap returns ErrConflict.
func (e *StateError) Unwrap() error { return ErrConflict }

// VersionError says the stored application is at another version than the caller expected.
// It matches ErrStale and ErrConflict.
type VersionError struct {
	ID       string
	Expected int64
	Actual   int64
}

// Error describes the failure in English.
func (e *VersionError) Error() string {
	return fmt.Sprintf("loan: application %q is at version %d, not %d", e.ID, e.Actual, e.Expected)
}

// Unwrap returns ErrStale and ErrConflict.
func (e *VersionError) Unwrap() []error { return []error{ErrStale, ErrConflict} }

// PermissionError says why an actor may not take an action. It matches ErrForbidden and its
// Rule (ErrFourEyes, ErrAuthority, ErrAlreadyDecided, or nil for a missing role).
type PermissionError struct {
	Actor  string
	Action Action
	Rule   error  // the rule broken; nil when the actor lacks the role
	Reason string // readable detail
}

// Error describes the failure in English.
func (e *PermissionError) Error() string {
	return fmt.Sprintf("loan: %s may not %s: %s", e.Actor, e.Action, e.Reason)
}

// Unwrap returns ErrForbidden and the broken rule.
func (e *PermissionError) Unwrap() []error {
	if e.Rule == nil {
		return []error{ErrForbidden}
	}
	return []error{ErrForbidden, e.Rule}
}

// DocumentsError lists the required documents that hold up an action: absent or rejected
// ones, and for review also the ones received but not yet verified. It matches
// ErrMissingDocuments.
type DocumentsError struct {
	Action     Action
	Missing    []DocumentKind // absent or rejected
	Unverified []DocumentKind // received but not verified (only checked before review)
}

// Error describes the failure in English.
func (e *DocumentsError) Error() string {
	var parts []string
	if len(e.Missing) > 0 {
		parts = append(parts, "missing "+joinKinds(e.Missing))
	}
	if len(e.Unverified) > 0 {
		parts = append(parts, "not verified "+joinKinds(e.Unverified))
	}
	return fmt.Sprintf("loan: cannot %s: %s", e.Action, strings.Join(parts, "; "))
}

// Unwrap returns ErrMissingDocuments.
func (e *DocumentsError) Unwrap() error { return ErrMissingDocuments }

func joinKinds(ks []DocumentKind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = k.String()
	}
	return strings.Join(s, ", ")
}

// LimitError says an approved amount exceeds the latest assessed limit without an override.
// It matches ErrAboveLimit.
type LimitError struct {
	Amount decimal.Decimal
	Limit  decimal.Decimal
}

// Error describes the failure in English.
func (e *LimitError) Error() string {
	return fmt.Sprintf("loan: amount %s is above the assessed limit %s and needs an override", e.Amount, e.Limit)
}

// Unwrap returns ErrAboveLimit.
func (e *LimitError) Unwrap() error { return ErrAboveLimit }

// GroupLimitError says approving the amount would breach the limit of one or more groups
// above the customer. It matches ErrGroupLimit.
type GroupLimitError struct {
	Amount   decimal.Decimal
	Breaches []Breach
}

// Error describes the failure in English.
func (e *GroupLimitError) Error() string {
	parts := make([]string, len(e.Breaches))
	for i, b := range e.Breaches {
		parts[i] = fmt.Sprintf("group %q (%s) has headroom %s", b.GroupName, b.GroupID, b.Headroom)
	}
	return fmt.Sprintf("loan: amount %s breaches the group limit: %s", e.Amount, strings.Join(parts, "; "))
}

// Unwrap returns ErrGroupLimit.
func (e *GroupLimitError) Unwrap() error { return ErrGroupLimit }

// Problem is one validation failure: where (a JSON path such as "bands[1].to"), which rule,
// and a readable message.
type Problem struct {
	Path    string `json:"path"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// ValidationError carries every problem found at once. It matches ErrInvalid.
type ValidationError struct {
	Problems []Problem
}

// Error describes the failure in English.
func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Path + ": " + p.Message
	}
	return "loan: invalid: " + strings.Join(parts, "; ")
}

// Unwrap returns ErrInvalid.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

// problems collects validation failures.
type problems []Problem

func (p *problems) add(path, rule, format string, args ...any) {
	*p = append(*p, Problem{Path: path, Rule: rule, Message: fmt.Sprintf(format, args...)})
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Problems: p}
}
