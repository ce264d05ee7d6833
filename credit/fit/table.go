package fit

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind says whether a column holds numbers or categories.
type Kind int

// Column kinds. The zero Kind is unset: ReadCSV infers it.
const (
	Numeric Kind = iota + 1
	Categorical
)

var kindNames = []string{"", "numeric", "categorical"}

// String returns "numeric" or "categorical" ("" for the zero Kind).
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

// MarshalText encodes a set Kind; the zero Kind is an error.
func (k Kind) MarshalText() ([]byte, error) {
	if k != Numeric && k != Categorical {
		return nil, fmt.Errorf("%w: kind %d", ErrConfig, int(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText decodes "numeric" or "categorical".
func (k *Kind) UnmarshalText(b []byte) error {
	switch string(b) {
	case "numeric":
		*k = Numeric
	case "categorical":
		*k = Categorical
	default:
		return fmt.Errorf("%w: kind %q", ErrConfig, b)
	}
	return nil
}

// Column is one column of a Table. A numeric column fills Num (NaN where missing); a
// categorical column fills Cat (with "" where missing). Missing marks the missing cells of
// either kind.
type Column struct {
	Name    string
	Kind    Kind
	Num     []float64
	Cat     []string
	Missing []bool
}

// Table is a column-oriented data set read from CSV. A Table is not changed by Fit or the
// metrics and may be shared between goroutines once built.
type Table struct {
	Columns []*Column
	Rows    int
}

// Column returns the column with the given name.
func (t *Table) Column(name string) (*Column, bool) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return nil, false
}

// Subset returns a new table holding the given rows of t in the given order (repeats
// allowed), sharing no slices with t: for example a train/test split. Errors: ErrLength
// (as a *DataError naming the row) for an index outside the table or an empty list.
func (t *Table) Subset(rows []int) (*Table, error) {
	if len(rows) == 0 {
		return nil, &DataError{Err: ErrLength}
	}
	for _, r := range rows {
		if r < 0 || r >= t.Rows {
			return nil, &DataError{Row: r + 1, Value: strconv.Itoa(r), Err: ErrLength}
		}
	}
	return t.subset(rows), nil
}

// subset returns a table with the given rows, sharing no slices with t.
func (t *Table) subset(rows []int) *Table {
	out := &Table{Rows: len(rows), Columns: make([]*Column, len(t.Columns))}
	for j, c := range t.Columns {
		nc := &Column{Name: c.Name, Kind: c.Kind, Missing: make([]bool, len(rows))}
		if c.Kind == Numeric {
			nc.Num = make([]float64, len(rows))
		} else {
			nc.Cat = make([]string, len(rows))
		}
		for i, r := range rows {
			nc.Missing[i] = c.Missing[r]
			if c.Kind == Numeric {
				nc.Num[i] = c.Num[r]
			} else {
				nc.Cat[i] = c.Cat[r]
			}
		}
		out.Columns[j] = nc
	}
	return out
}

// DefaultMissing are the cell values ReadCSV reads as missing when CSVConfig.Missing is nil
// (compared after trimming spaces, case-sensitively).
var DefaultMissing = []string{"", "NA", "N/A", "NaN", "nan", "null", "NULL", "?"}

// CSVConfig tunes ReadCSV. The zero value reads comma-separated text with DefaultMissing as
// missing markers and infers each column's Kind.
type CSVConfig struct {
	// Comma is the field separator; 0 means ','.
	Comma rune
	// Missing are the cell values that mean "missing"; nil means DefaultMissing.
	Missing []string
	// Kinds forces the Kind of named columns. A column forced Numeric with text in it is an
	// ErrNotNumeric error for each such row.
	Kinds map[string]Kind
}

// ReadCSV reads a table with a header row. Every problem is reported at once in a
// *TableError: rows with the wrong number of fields (ErrRaggedRow), duplicate header names
// (ErrDuplicateColumn), empty header fields (ErrNoColumnName), text in a numeric column
// (ErrNotNumeric), invalid UTF-8 (ErrEncoding), and an empty table (ErrNoRows). A column whose Kind is not forced is numeric when every non-missing cell is a
// finite number, categorical when fewer than half are, and an ErrNotNumeric error otherwise
// (naming the rows with text: declare the column Categorical if the text is meant).
// Malformed quoting stops the read with the *csv.ParseError (wrapped; use errors.As).
func ReadCSV(r io.Reader, cfg CSVConfig) (*Table, error) {
	cr := csv.NewReader(r)
	if cfg.Comma != 0 {
		cr.Comma = cfg.Comma
	}
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	missing := cfg.Missing
	if missing == nil {
		missing = DefaultMissing
	}
	isMissing := make(map[string]bool, len(missing))
	for _, m := range missing {
		isMissing[m] = true
	}

	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &TableError{Problems: []*DataError{{Err: ErrNoRows}}}
	}
	if err != nil {
		return nil, fmt.Errorf("fit: read csv header: %w", err)
	}
	var probs problems
	seen := make(map[string]bool, len(header))
	names := make([]string, len(header))
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		names[i] = h
		if !utf8.ValidString(h) {
			probs.add("", 0, "field "+strconv.Itoa(i+1), ErrEncoding)
		}
		if h == "" {
			probs.add("", 0, "field "+strconv.Itoa(i+1), ErrNoColumnName)
		}
		if seen[h] {
			probs.add(h, 0, "", ErrDuplicateColumn)
		}
		seen[h] = true
	}
	for name, k := range cfg.Kinds {
		if !seen[name] {
			probs.add(name, 0, "", ErrUnknownColumn)
		}
		if k != Numeric && k != Categorical {
			probs.add(name, 0, k.String(), ErrConfig)
		}
	}

	cells := make([][]string, len(names))
	row := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("fit: read csv row %d: %w", row+1, err)
		}
		row++
		if len(rec) != len(names) {
			probs.add("", row, strconv.Itoa(len(rec))+" fields", ErrRaggedRow)
			continue
		}
		for j, v := range rec {
			if !utf8.ValidString(v) {
				probs.add(names[j], row, "", ErrEncoding)
			}
			cells[j] = append(cells[j], strings.TrimSpace(v))
		}
	}
	if row == 0 {
		probs.add("", 0, "", ErrNoRows)
	}
	if err := probs.err(); err != nil {
		return nil, err
	}

	t := &Table{Rows: row, Columns: make([]*Column, len(names))}
	for j, name := range names {
		t.Columns[j] = buildColumn(name, cells[j], cfg.Kinds[name], isMissing, &probs)
	}
	if err := probs.err(); err != nil {
		return nil, err
	}
	return t, nil
}

// buildColumn types one column, reporting text in numeric columns to probs.
func buildColumn(name string, cells []string, kind Kind, isMissing map[string]bool, probs *problems) *Column {
	n := len(cells)
	c := &Column{Name: name, Missing: make([]bool, n)}
	num := make([]float64, n)
	var present, parsed int
	var badRows []int
	for i, v := range cells {
		if isMissing[v] {
			c.Missing[i] = true
			num[i] = math.NaN()
			continue
		}
		present++
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			badRows = append(badRows, i)
			continue
		}
		parsed++
		num[i] = f
	}
	if kind == 0 {
		switch {
		case present > 0 && parsed == present:
			kind = Numeric
		case 2*parsed >= present && present > 0:
			kind = Numeric // mostly numbers: the text is an error
		default:
			kind = Categorical
		}
	}
	c.Kind = kind
	if kind == Numeric {
		for _, i := range badRows {
			probs.add(name, i+1, cells[i], ErrNotNumeric)
		}
		c.Num = num
		return c
	}
	c.Cat = make([]string, n)
	for i, v := range cells {
		if !c.Missing[i] {
			c.Cat[i] = v
		}
	}
	return c
}

// Rename renames a column, for example to the credit variable a card must score
// ("duration" → "request.term_months"). Errors: ErrUnknownColumn, ErrDuplicateColumn (as a
// *DataError). Rename changes t: do not call it while t is shared.
func (t *Table) Rename(from, to string) error {
	c, ok := t.Column(from)
	if !ok {
		return &DataError{Column: from, Err: ErrUnknownColumn}
	}
	if _, taken := t.Column(to); taken && from != to {
		return &DataError{Column: to, Err: ErrDuplicateColumn}
	}
	c.Name = to
	return nil
}
