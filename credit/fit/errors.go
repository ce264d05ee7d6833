package fit

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. They arrive wrapped in a *DataError (which names the column and row) or in
// a *TableError (which holds every problem found at once); match them with errors.Is.
var (
	// ErrRaggedRow: a CSV row has a different number of fields from the header.
	ErrRaggedRow = errors.New("fit: row has the wrong number of fields")
	// ErrNotNumeric: text in a column that is numeric (declared so, or mostly numbers).
	ErrNotNumeric = errors.New("fit: text in a numeric column")
	// ErrDuplicateColumn: two header fields have the same name.
	ErrDuplicateColumn = errors.New("fit: duplicate column name")
	// ErrNoColumnName: a header field is empty.
	ErrNoColumnName = errors.New("fit: header field is empty")
	// ErrEncoding: a header field or cell is not valid UTF-8.
	ErrEncoding = errors.New("fit: text is not valid UTF-8")
	// ErrNoRows: the table has a header but no data rows, or no header at all.
	ErrNoRows = errors.New("fit: table has no data rows")
	// ErrUnknownColumn: a configured column is not in the table.
	ErrUnknownColumn = errors.New("fit: no such column")
	// ErrConstant: a characteristic takes a single value in every row.
	ErrConstant = errors.New("fit: column is constant")
	// ErrAllMissing: a characteristic is missing in every row.
	ErrAllMissing = errors.New("fit: column is missing in every row")
	// ErrOneClass: the target holds only goods or only bads.
	ErrOneClass = errors.New("fit: target has only one class")
	// ErrBadTarget: a target value is neither a good nor a bad label.
	ErrBadTarget = errors.New("fit: target value is neither good nor bad")
	// ErrTooFewRows: more characteristics than rows, or too few rows to fit or to fold.
	ErrTooFewRows = errors.New("fit: too few rows")
	// ErrNoCharacteristics: no characteristic is left to model (none given, or none passed
	// the information-value and correlation filters).
	ErrNoCharacteristics = errors.New("fit: no characteristics to model")
	// ErrNotConverged: the logistic regression did not converge (perfect separation or a
	// singular design).
	ErrNotConverged = errors.New("fit: logistic regression did not converge")
	// ErrConfig: a configuration value is out of range.
	ErrConfig = errors.New("fit: invalid configuration")
	// ErrLength: slices that must pair up have different lengths, or are empty.
	ErrLength = errors.New("fit: input lengths differ or are empty")
	// ErrCardFormat: an imported card table or PMML document is malformed.
	ErrCardFormat = errors.New("fit: malformed card")
)

// DataError locates one problem in a table: the column (empty when the problem is not about
// one column), the 1-based data row (0 when not about one row; the header is row 0 and the
// first data row is row 1) and the offending value.
type DataError struct {
	Column string
	Row    int
	Value  string
	Err    error
}

// Error describes the problem with its location.
func (e *DataError) Error() string {
	var b strings.Builder
	b.WriteString(e.Err.Error())
	if e.Column != "" {
		fmt.Fprintf(&b, ": column %q", e.Column)
	}
	if e.Row > 0 {
		fmt.Fprintf(&b, ", row %d", e.Row)
	}
	if e.Value != "" {
		fmt.Fprintf(&b, ", value %q", e.Value)
	}
	return b.String()
}

// Unwrap returns the sentinel.
func (e *DataError) Unwrap() error { return e.Err }

// maxProblems caps how many problems one TableError collects.
const maxProblems = 50

// TableError holds every problem found in a table at once (up to 50). errors.Is and
// errors.As look through all of them.
type TableError struct {
	Problems []*DataError
}

// Error lists the problems, one per line.
func (e *TableError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap returns the problems, so errors.Is and errors.As see each.
func (e *TableError) Unwrap() []error {
	out := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = p
	}
	return out
}

// problems collects DataErrors up to maxProblems.
type problems struct{ list []*DataError }

func (p *problems) add(column string, row int, value string, err error) {
	if len(p.list) < maxProblems {
		p.list = append(p.list, &DataError{Column: column, Row: row, Value: value, Err: err})
	}
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &TableError{Problems: p.list}
}
