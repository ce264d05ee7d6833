package customer

import (
	"errors"
	"fmt"
)

// Sentinel errors. Match them with errors.Is; the typed errors below wrap them.
var (
	// ErrInvalid is matched by every *ValidationError.
	ErrInvalid = errors.New("customer: invalid customer")
	// ErrBadResidentID is returned by ParseResidentID for a malformed number.
	ErrBadResidentID = errors.New("customer: invalid resident identity number")
	// ErrBadUSCC is returned by ParseUSCC for a malformed unified social credit code.
	ErrBadUSCC = errors.New("customer: invalid unified social credit code")
	// ErrBadNumber is returned by ParseNumber for a malformed or mistyped customer number.
	ErrBadNumber = errors.New("customer: invalid customer number")
	// ErrUnknownValue is wrapped by *EnumError.
	ErrUnknownValue = errors.New("customer: unknown enumeration value")
	// ErrNotFound means no customer has the given number.
	ErrNotFound = errors.New("customer: not found")
	// ErrDuplicate is wrapped by *DuplicateError.
	ErrDuplicate = errors.New("customer: duplicate customer")
	// ErrStale is wrapped by *VersionError.
	ErrStale = errors.New("customer: stale version")
	// ErrClosed means the customer is closed and cannot be changed.
	ErrClosed = errors.New("customer: customer is closed")
	// ErrBadCursor is wrapped by *CursorError.
	ErrBadCursor = errors.New("customer: invalid cursor")
	// ErrBadQuery means a list or search request is malformed (limit, unknown filter, ...).
	ErrBadQuery = errors.New("customer: invalid query")
	// ErrSequenceExhausted means a sequence has no numbers left for a kind.
	ErrSequenceExhausted = errors.New("customer: sequence exhausted")
)

// ParseError reports why a resident ID, credit code or customer number was refused.
// It wraps one of ErrBadResidentID, ErrBadUSCC or ErrBadNumber. Value is masked for
// resident identity numbers.
type ParseError struct {
	Value  string // the input, masked where it identifies a person
	Reason string // what is wrong, e.g. "check character mismatch"
	Err    error  // the sentinel
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%v %q: %s", e.Err, e.Value, e.Reason)
}

// Unwrap returns the sentinel.
func (e *ParseError) Unwrap() error { return e.Err }

// DuplicateError is returned by Store.Register and Store.Update when another record already
// holds the identity number or credit code. It names the existing customer and wraps
// ErrDuplicate.
type DuplicateError struct {
	Field    string // "individual.doc_number" or "enterprise.credit_code"
	Value    string // the identity number (masked) or credit code
	Existing Number // the customer that already holds it
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("customer: %s %s already belongs to customer %s", e.Field, e.Value, e.Existing)
}

// Unwrap returns ErrDuplicate.
func (e *DuplicateError) Unwrap() error { return ErrDuplicate }

// VersionError is returned by Store.Update and Store.Close when the caller's expected
// version is not the stored one. It wraps ErrStale.
type VersionError struct {
	Number   Number
	Expected int64 // the version the caller sent
	Actual   int64 // the version in the store
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("customer: %s is at version %d, not %d", e.Number, e.Actual, e.Expected)
}

// Unwrap returns ErrStale.
func (e *VersionError) Unwrap() error { return ErrStale }

// CursorError is returned for a cursor that is malformed, tampered with, or belongs to
// another kind of query. It wraps ErrBadCursor.
type CursorError struct {
	Reason string
}

func (e *CursorError) Error() string { return "customer: invalid cursor: " + e.Reason }

// Unwrap returns ErrBadCursor.
func (e *CursorError) Unwrap() error { return ErrBadCursor }

// QueryError reports a malformed list or search request, such as an unknown filter or a
// limit over MaxLimit. It wraps ErrBadQuery.
type QueryError struct {
	Field  string // the offending parameter, e.g. "filters.colour" or "limit"
	Reason string
}

func (e *QueryError) Error() string {
	return fmt.Sprintf("customer: invalid query: %s: %s", e.Field, e.Reason)
}

// Unwrap returns ErrBadQuery.
func (e *QueryError) Unwrap() error { return ErrBadQuery }
