package tree

import (
	"errors"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Matchable conditions. Every error the package returns matches one or more of these with
// errors.Is; the typed errors below carry the details.
var (
	// ErrNotFound: no node with that ID, or no customer with that number.
	ErrNotFound = errors.New("tree: not found")
	// ErrUnknownParent: the parent named by a row or an Add does not exist.
	ErrUnknownParent = errors.New("tree: unknown parent")
	// ErrDuplicateID: a node with that ID already exists.
	ErrDuplicateID = errors.New("tree: duplicate node ID")
	// ErrDuplicateCustomer: the customer already sits elsewhere in the tree.
	ErrDuplicateCustomer = errors.New("tree: duplicate customer")
	// ErrOwnSubtree: a move would put a node under itself or one of its descendants.
	ErrOwnSubtree = errors.New("tree: move into own subtree")
	// ErrCycle: rows whose parents form a cycle.
	ErrCycle = errors.New("tree: cycle")
	// ErrKind: the kind is unset or unknown, or may not sit under the parent's kind
	// (for example a node under a customer, or a second bank).
	ErrKind = errors.New("tree: kind not allowed here")
	// ErrRoot: rows without exactly one root, or an attempt to move or remove the root.
	ErrRoot = errors.New("tree: root")
	// ErrNegative: a negative exposure, limit or amount.
	ErrNegative = errors.New("tree: negative amount")
	// ErrPrecision: an amount with more than two decimal places (finer than 0.01).
	ErrPrecision = errors.New("tree: amount finer than 0.01")
	// ErrOverflow: an amount or a subtree total beyond the range the tree can hold.
	ErrOverflow = errors.New("tree: amount out of range")
	// ErrTooDeep: the node would sit deeper than MaxDepth allows.
	ErrTooDeep = errors.New("tree: too deep")
	// ErrNotEmpty: Remove without cascade on a node that has children.
	ErrNotEmpty = errors.New("tree: node has children")
	// ErrInvalid: any other malformed input (empty name, exposure on a group, bad link).
	ErrInvalid = errors.New("tree: invalid input")
)

// Problem is one inconsistency found in input: where it is (a JSON path such as
// "rows[3].parent"), the rule it breaks, a readable message and the matching sentinel.
type Problem struct {
	Path    string `json:"path"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
	Err     error  `json:"-"`
}

// InputError reports every problem found in one input at once (a Build, an Add, an import).
// It matches the sentinel of each of its problems with errors.Is.
type InputError struct {
	Problems []Problem
}

func (e *InputError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "tree: %d problem(s) in input", len(e.Problems))
	for i, p := range e.Problems {
		if i == 10 {
			fmt.Fprintf(&b, "; and %d more", len(e.Problems)-i)
			break
		}
		fmt.Fprintf(&b, "; %s: %s", p.Path, p.Message)
	}
	return b.String()
}

// Unwrap returns the sentinel of every problem, so errors.Is matches any of them.
func (e *InputError) Unwrap() []error {
	out := make([]error, 0, len(e.Problems))
	for _, p := range e.Problems {
		if p.Err != nil {
			out = append(out, p.Err)
		}
	}
	return out
}

// problems collects Problems; its err is nil when none were added.
type problems []Problem

func (ps *problems) add(err error, path, rule, format string, args ...any) {
	*ps = append(*ps, Problem{Path: path, Rule: rule, Message: fmt.Sprintf(format, args...), Err: err})
}

func (ps problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	return &InputError{Problems: ps}
}

// MoveError says a node cannot move under a new parent because that parent is the node itself
// or one of its descendants. It matches ErrOwnSubtree.
type MoveError struct {
	Node   ID
	Parent ID
}

func (e *MoveError) Error() string {
	return fmt.Sprintf("tree: cannot move node %d under %d, which is in its own subtree", e.Node, e.Parent)
}

// Unwrap returns ErrOwnSubtree.
func (e *MoveError) Unwrap() error { return ErrOwnSubtree }

// NotFoundError names the node ID or customer number that was not found. It matches
// ErrNotFound.
type NotFoundError struct {
	ID       ID     // set when a node was looked up by ID
	Customer string // set when a customer was looked up by number
}

func (e *NotFoundError) Error() string {
	if e.Customer != "" {
		return fmt.Sprintf("tree: customer %q not found", e.Customer)
	}
	return fmt.Sprintf("tree: node %d not found", e.ID)
}

// Unwrap returns ErrNotFound.
func (e *NotFoundError) Unwrap() error { return ErrNotFound }

// AmountError says an amount is negative, too precise or out of range. It matches
// ErrNegative, ErrPrecision or ErrOverflow (Err).
type AmountError struct {
	Field  string // "exposure", "limit", "amount" or "total"
	Amount decimal.Decimal
	Err    error
}

func (e *AmountError) Error() string {
	if x := e.Amount.Exponent(); x < -40 || x > 40 {
		// Formatting 1e999999999 would build its power of ten.
		return fmt.Sprintf("%v: %s written with exponent %d", e.Err, e.Field, x)
	}
	return fmt.Sprintf("%v: %s %s", e.Err, e.Field, e.Amount)
}

// Unwrap returns the matching sentinel.
func (e *AmountError) Unwrap() error { return e.Err }
