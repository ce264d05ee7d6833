package credit

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Match them with errors.Is; they may arrive wrapped in a *ValidationError.
var (
	// ErrInvalid: the input breaks one or more rules; the *ValidationError that wraps it lists them.
	ErrInvalid = errors.New("credit: invalid input")
	// ErrHashMismatch: a scorecard's sha256 field does not match its content.
	ErrHashMismatch = errors.New("credit: scorecard hash does not match its content")
	// ErrUnknownCard: no built-in scorecard has that name.
	ErrUnknownCard = errors.New("credit: unknown built-in scorecard")
	// ErrNoConvergence: an iterative solver (the APR's IRR) did not converge.
	ErrNoConvergence = errors.New("credit: solver did not converge")
	// ErrLength: a batch's input and output slices differ in length.
	ErrLength = errors.New("credit: slice lengths differ")
)

// UnknownFieldError is the error of DecodeFacts and ParseScorecard for a JSON member the
// document's type does not have (they decode strictly, so a misspelt field is never
// silently ignored). Field is the member's name; encoding/json does not report where in
// the document it was.
type UnknownFieldError struct {
	Field string
}

// Error returns `credit: unknown field "<Field>"`.
func (e *UnknownFieldError) Error() string { return fmt.Sprintf("credit: unknown field %q", e.Field) }

// Problem is one broken rule: where (a JSON path such as "income.monthly"), which rule, and a
// readable message in English and Chinese.
type Problem struct {
	Path      string `json:"path"`
	Rule      string `json:"rule"`
	Message   string `json:"message"`
	MessageZH string `json:"message_zh"`
}

// ValidationError lists every problem found in one input. errors.Is(err, ErrInvalid) holds.
type ValidationError struct {
	Problems []Problem `json:"problems"`
}

// Error joins the problems as "path: message; ...".
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("credit: invalid input: ")
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

// Is reports whether target is ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// problems collects Problems; its zero value is ready to use.
type problems struct{ list []Problem }

func (p *problems) add(path, rule, en, zh string, args ...any) {
	p.list = append(p.list, Problem{Path: path, Rule: rule,
		Message: fmt.Sprintf(en, args...), MessageZH: fmt.Sprintf(zh, args...)})
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &ValidationError{Problems: p.list}
}
