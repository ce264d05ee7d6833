package main

import (
	"bytes"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/creditkit/creditkit/credit"
)

// The fast path of creditkit score --score-only on CSV input. A worker reads the ordinary
// rows of a batch — no quotes, the header's number of fields, every value in plain form and
// within credit's validation rules — straight into columns of the card's variables, without
// building credit.Facts, and scores them block by block with credit.ScoreColumnsReasons.
// Every other row (quoted fields, values in another spelling such as "+5" or "1e3", anything
// invalid) goes through the general row parser and validation one by one, so its result or
// rejection is exactly what it always was. The fast path only takes rows whose output cannot
// differ: TestFastPathMatchesRowPath and FuzzFastRow check it against the general path.

// fastBlock is the rows scored together: the columns of a block stay in the core's cache.
const fastBlock = 256

// intRule is the range credit.Facts.Validate accepts for an integer column.
type intRule struct{ lo, hi int }

// fastIntRules are Validate's ranges of the integer columns (both bureaus' columns without
// their prefix). TestFastRulesMatchValidate checks them against Validate.
var fastIntRules = map[string]intRule{
	"history_months": {0, 1200}, "open_accounts": {0, 10000}, "delinquencies_24m": {0, 24},
	"worst_dpd_24m": {0, 10000}, "defaults_or_write_offs": {0, 10000}, "late_fees": {0, 10000},
	"hard_inquiries_6m":        {0, 10000},
	"income.occupation_class":  {1, 5},
	"profile.age":              {0, 130},
	"profile.products_held":    {0, 1000},
	"enterprise.industry_risk": {1, 5},
	"request.term_months":      {1, 600},
}

// fastNonNegative are the number columns Validate refuses below zero; the others need only
// be finite.
var fastNonNegative = map[string]bool{
	"bureau.utilisation": true, "enterprise.bureau.utilisation": true, "income.years_with_employer": true,
	"profile.years_as_customer": true, "enterprise.debt_to_assets": true, "enterprise.current_ratio": true,
	"enterprise.years_in_business": true,
}

// fastRuleName is the key of a column in fastIntRules.
func fastRuleName(name string) string {
	for _, prefix := range []string{"enterprise.bureau.", "bureau."} {
		if len(name) > len(prefix) && name[:len(prefix)] == prefix {
			return name[len(prefix):]
		}
	}
	return name
}

// Parts of capacity.dti, the one derived variable: monthly debt payments over monthly income.
const (
	dtiNone = iota
	dtiDebt
	dtiIncome
)

// fastCell is how the fast path reads one CSV column.
type fastCell struct {
	kind     cellKind // 0: a column that is not read (the ID, an ignored column)
	rule     intRule  // kindInteger
	nonNeg   bool     // kindNumber
	positive bool     // kindMoney: zero is refused too (request.amount)
	names    []string // kindEnum: names[v-1] is value v
	num      []float64
	cat      []uint8 // the card's column of this variable, or nil when the card does not use it
	dti      int     // dtiDebt or dtiIncome when the card uses capacity.dti
}

// fastParser is one worker's fast path: the plan of every column and the block's columns.
type fastParser struct {
	model   *credit.Model
	cells   []fastCell
	idCol   int
	full    credit.Columns // fastBlock rows each
	cols    credit.Columns // full, cut to the block's rows
	dti     []float64      // the card's capacity.dti column, or nil
	ids     [][]byte
	scores  []float64
	reasons []string
	nReason int
}

// newFastParser plans the fast path for the CSV columns of s.plan and the variables of card.
// ok is false when the card uses a variable the plan cannot fill (none today).
func (s *scorer) newFastParser(card *credit.Scorecard) (*fastParser, bool) {
	fp := &fastParser{model: s.model, idCol: s.plan.idCol, nReason: s.reasons,
		full: credit.Columns{Numeric: map[string][]float64{}, Categorical: map[string][]uint8{}},
		cols: credit.Columns{Numeric: map[string][]float64{}, Categorical: map[string][]uint8{}},
		ids:  make([][]byte, fastBlock), scores: make([]float64, fastBlock), reasons: make([]string, fastBlock*s.reasons)}
	known := map[string]cellKind{}
	for _, c := range factColumns() {
		known[c.name] = c.kind
	}
	for _, ch := range card.Characteristics {
		v := ch.Variable
		if _, dup := fp.full.Numeric[v]; dup {
			continue
		}
		if _, dup := fp.full.Categorical[v]; dup {
			continue
		}
		switch k, ok := known[v]; {
		case v == "capacity.dti":
		case !ok:
			return nil, false
		case (k == kindBoolean || k == kindEnum) != (ch.Type == credit.Categorical):
			return nil, false // Compile refuses such a card
		}
		if ch.Type == credit.Categorical {
			fp.full.Categorical[v] = make([]uint8, fastBlock) // 0: missing until a column fills it
			continue
		}
		col := make([]float64, fastBlock)
		for i := range col {
			col[i] = math.NaN() // missing until a column fills it
		}
		fp.full.Numeric[v] = col
	}
	fp.dti = fp.full.Numeric["capacity.dti"]
	fp.cells = make([]fastCell, len(s.plan.columns))
	for i, c := range s.plan.columns {
		if c == nil {
			continue
		}
		fc := fastCell{kind: c.kind, num: fp.full.Numeric[c.name], cat: fp.full.Categorical[c.name]}
		switch c.kind {
		case kindInteger:
			r, ok := fastIntRules[fastRuleName(c.name)]
			if !ok {
				return nil, false
			}
			fc.rule = r
		case kindNumber:
			fc.nonNeg = fastNonNegative[c.name]
		case kindMoney:
			fc.positive = c.name == "request.amount"
		case kindEnum:
			fc.names = c.values
		}
		if fp.dti != nil {
			switch c.name {
			case "capacity.monthly_debt_payments":
				fc.dti = dtiDebt
			case "income.monthly":
				fc.dti = dtiIncome
			}
		}
		fp.cells[i] = fc
	}
	return fp, true
}

// parse reads rec into row j of the block's columns and returns the row's ID (nil without an
// ID column). ok is false when the row is not for the fast path; row j is then left to be
// overwritten.
func (fp *fastParser) parse(rec []byte, j int) (id []byte, ok bool) {
	if bytes.IndexByte(rec, '"') >= 0 || !utf8.Valid(rec) {
		return nil, false
	}
	var debt, income float64
	haveDebt, haveIncome := false, false
	last := len(fp.cells) - 1
	pos := 0
	for ci := range fp.cells {
		end := pos
		for end < len(rec) && rec[end] != ',' {
			end++
		}
		if (end == len(rec)) != (ci == last) {
			return nil, false // the wrong number of fields
		}
		cell := trimCell(rec[pos:end])
		pos = end + 1
		if ci == fp.idCol {
			id = cell
			continue
		}
		c := &fp.cells[ci]
		if c.kind == 0 {
			continue
		}
		if len(cell) == 0 { // missing
			if c.num != nil {
				c.num[j] = math.NaN()
			}
			if c.cat != nil {
				c.cat[j] = 0
			}
			continue
		}
		switch c.kind {
		case kindInteger:
			v, ok := plainInt(cell)
			if !ok || v < c.rule.lo || v > c.rule.hi {
				return nil, false
			}
			if c.num != nil {
				c.num[j] = float64(v)
			}
		case kindNumber:
			v, ok := plainFloat(cell)
			if !ok || c.nonNeg && v < 0 {
				return nil, false
			}
			if c.num != nil {
				c.num[j] = v
			}
		case kindMoney:
			v, ok := plainMoney(cell)
			if !ok || c.positive && !(v > 0) {
				return nil, false
			}
			if c.num != nil {
				c.num[j] = v
			}
			switch c.dti {
			case dtiDebt:
				debt, haveDebt = v, true
			case dtiIncome:
				income, haveIncome = v, true
			}
		case kindBoolean:
			var v uint8
			switch string(cell) {
			case "true", "TRUE", "True", "1":
				v = 2
			case "false", "FALSE", "False", "0":
				v = 1
			default:
				return nil, false
			}
			if c.cat != nil {
				c.cat[j] = v
			}
		case kindEnum:
			v := 0
			for k, name := range c.names {
				if name == string(cell) {
					v = k + 1
					break
				}
			}
			if v == 0 {
				return nil, false
			}
			if c.cat != nil {
				c.cat[j] = uint8(v)
			}
		}
	}
	if fp.dti != nil {
		// as credit's ratio: missing unless both are present and the income is above zero
		fp.dti[j] = math.NaN()
		if haveDebt && haveIncome && income > 0 {
			fp.dti[j] = debt / income
		}
	}
	return id, true
}

// score scores the block's first n rows.
func (fp *fastParser) score(n int) error {
	for name, col := range fp.full.Numeric {
		fp.cols.Numeric[name] = col[:n]
	}
	for name, col := range fp.full.Categorical {
		fp.cols.Categorical[name] = col[:n]
	}
	return fp.model.ScoreColumnsReasons(fp.cols, fp.scores[:n], fp.reasons[:n*fp.nReason], fp.nReason)
}

// result fills res with row k of the block scored last.
func (fp *fastParser) result(s *scorer, k int, res *result) {
	*res = result{score: fp.scores[k]}
	res.pd = s.model.PD(res.score)
	res.grade = s.scale.Grade(res.pd)
	for _, code := range fp.reasons[k*fp.nReason : (k+1)*fp.nReason] {
		if code == "" { // reason codes are never empty: the row's reasons end here
			break
		}
		res.reasons[res.nReasons] = code
		res.nReasons++
	}
}

// plainInt reads plain decimal digits (at most 18), the form of almost every integer cell.
// Other spellings strconv.Atoi accepts ("+5", "-0") are left to the general path.
func plainInt(cell []byte) (int, bool) {
	if len(cell) == 0 || len(cell) > 18 {
		return 0, false
	}
	v := 0
	for _, c := range cell {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// plainFloat reads a number as the general path does (strconv.ParseFloat), when it is
// finite.
func plainFloat(cell []byte) (float64, bool) {
	v, err := strconv.ParseFloat(string(cell), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// plainMoney reads an amount without a sign and of at most 15 significant digits, as
// parseMoney and credit's conversion of a decimal to float64 do: the coefficient divided by
// the power of ten of its decimals, trailing zeros dropped. Such an amount is below 10¹⁵,
// credit's bound. Anything else is left to the general path.
func plainMoney(cell []byte) (float64, bool) {
	if len(cell) == 0 || len(cell) > maxMoneyLen {
		return 0, false
	}
	intPart, frac := cell, []byte(nil)
	if i := bytes.IndexByte(cell, '.'); i >= 0 {
		intPart, frac = cell[:i], cell[i+1:]
	}
	if len(intPart)+len(frac) == 0 {
		return 0, false
	}
	for len(intPart) > 1 && intPart[0] == '0' {
		intPart = intPart[1:]
	}
	for len(frac) > 0 && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	if len(intPart)+len(frac) > 15 || len(frac) > maxMoneyDecimals {
		return 0, false
	}
	var coef int64
	for _, part := range [2][]byte{intPart, frac} {
		for _, c := range part {
			if c < '0' || c > '9' {
				return 0, false
			}
			coef = coef*10 + int64(c-'0')
		}
	}
	if len(frac) > 0 {
		return float64(coef) / math.Pow10(len(frac)), true
	}
	return float64(coef), true
}

// slowRow is a row of a block that went through the general path, with its result.
type slowRow struct {
	id    []byte // nil without an ID column
	hasID bool
	res   result
}

// newFastWorker returns the pipeline's row processor for --score-only on CSV input: the fast
// path for ordinary rows, the general one (as newWorker) for the others, and the results
// written in input order.
func (s *scorer) newFastWorker(card *credit.Scorecard) (func() func(*batch), bool) {
	if _, ok := s.newFastParser(card); !ok {
		return nil, false
	}
	return func() func(*batch) {
		fp, _ := s.newFastParser(card)
		p := newRowParser(s.plan)
		var pts []credit.Points
		var slow []slowRow
		var idBuf []byte
		var res result
		kinds := make([]int, fastBlock) // ≥ 0: fast row k; -1: rejected; ≤ -2: slow row −2−kind
		return func(b *batch) {
			for lo := 0; lo < len(b.recs); lo += fastBlock {
				hi := min(lo+fastBlock, len(b.recs))
				n := 0
				slow, idBuf = slow[:0], idBuf[:0]
				for i := lo; i < hi; i++ {
					rec := &b.recs[i]
					if rec.tooLong {
						b.rejects = append(b.rejects, reject{line: rec.line, reason: errRecordTooLong.Error()})
						kinds[i-lo] = -1
						continue
					}
					if id, ok := fp.parse(b.record(i), n); ok {
						fp.ids[n] = id
						kinds[i-lo] = n
						n++
						continue
					}
					f, id, err := p.parse(b.record(i))
					if err == nil {
						pts, err = s.assess(f, &res, pts)
					}
					if err != nil {
						b.rejects = append(b.rejects, reject{line: rec.line, id: string(id), reason: oneLine(err.Error())})
						kinds[i-lo] = -1
						continue
					}
					// the ID may point into the parser's buffer: keep a copy until the block is written
					start := len(idBuf)
					idBuf = append(idBuf, id...)
					slow = append(slow, slowRow{id: idBuf[start:len(idBuf):len(idBuf)], hasID: id != nil, res: res})
					kinds[i-lo] = -2 - (len(slow) - 1)
				}
				if n > 0 {
					if err := fp.score(n); err != nil {
						panic(err) // the columns are built from the card itself
					}
				}
				for i := lo; i < hi; i++ {
					switch k := kinds[i-lo]; {
					case k >= 0:
						fp.result(s, k, &res)
						b.out = s.appendResult(b.out, b.recs[i].line, fp.ids[k], &res)
						b.rows++
					case k <= -2:
						r := &slow[-2-k]
						id := r.id
						switch {
						case !r.hasID:
							id = nil
						case id == nil:
							id = []byte{}
						}
						b.out = s.appendResult(b.out, b.recs[i].line, id, &r.res)
						b.rows++
					}
				}
			}
		}
	}, true
}
