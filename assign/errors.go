package assign

import (
	"errors"
	"fmt"
	"strings"
)

// Matchable conditions. The typed errors below unwrap to one of these, so callers match with
// errors.Is and read the details with errors.As.
var (
	// ErrInvalid: officers, cases, rules, weights or options failed validation.
	ErrInvalid = errors.New("assign: invalid input")
	// ErrInfeasible: no complete assignment avoids every forbidden pair.
	ErrInfeasible = errors.New("assign: infeasible assignment")
	// ErrBadCost: a cost is NaN or -Inf, or too large in magnitude.
	ErrBadCost = errors.New("assign: bad cost")
	// ErrShape: the cost matrix is ragged, or has more rows than columns.
	ErrShape = errors.New("assign: bad cost matrix shape")
	// ErrNoEligibleOfficer: no officer passes every hard rule for the case.
	ErrNoEligibleOfficer = errors.New("assign: no eligible officer")
	// ErrUnknownOfficer: no officer with that ID.
	ErrUnknownOfficer = errors.New("assign: unknown officer")
)

// Problem is one validation failure: where (a JSON path such as "officers[2].capacity"),
// which rule, and a readable English message.
type Problem struct {
	Path    string `json:"path"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// ValidationError lists every problem found in one input at once. It matches ErrInvalid.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("assign: invalid input: ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Path)
		b.WriteString(": ")
		b.WriteString(p.Message)
	}
	return b.String()
}

// Unwrap returns ErrInvalid.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

// problems collects validation problems; err returns nil when there are none.
type problems []Problem

func (ps *problems) add(path, rule, format string, args ...any) {
	*ps = append(*ps, Problem{Path: path, Rule: rule, Message: fmt.Sprintf(format, args...)})
}

func (ps problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	return &ValidationError{Problems: ps}
}

// CostError locates a bad entry of a cost matrix. It matches ErrBadCost or ErrShape.
type CostError struct {
	Row, Col int // Col is -1 when the whole row is at fault
	Err      error
}

func (e *CostError) Error() string {
	if e.Col < 0 {
		return fmt.Sprintf("assign: cost row %d: %v", e.Row, e.Err)
	}
	return fmt.Sprintf("assign: cost[%d][%d]: %v", e.Row, e.Col, e.Err)
}

// Unwrap returns the matchable condition.
func (e *CostError) Unwrap() error { return e.Err }

// InfeasibleError says which row could not be assigned without a forbidden pair. It matches
// ErrInfeasible.
type InfeasibleError struct {
	Row int
}

func (e *InfeasibleError) Error() string {
	return fmt.Sprintf("assign: infeasible assignment: row %d cannot be matched without a forbidden pair", e.Row)
}

// Unwrap returns ErrInfeasible.
func (e *InfeasibleError) Unwrap() error { return ErrInfeasible }
