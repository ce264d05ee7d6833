package main

import (
	"bytes"
	"encoding"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/credit"
)

// cellKind is the type of value a scoring-file column holds.
type cellKind uint8

const (
	kindInteger cellKind = iota + 1
	kindNumber
	kindMoney
	kindBoolean
	kindEnum
)

func (k cellKind) String() string {
	switch k {
	case kindInteger:
		return "integer"
	case kindNumber:
		return "number"
	case kindMoney:
		return "amount"
	case kindBoolean:
		return "boolean"
	case kindEnum:
		return "one of"
	}
	return ""
}

// factColumn maps one column of a scoring file (CSV header name = the JSON path of the
// credit.Facts field) to that field.
//
// Rows are parsed without allocating: each worker keeps slots, a credit.Facts whose pointers
// all point at worker-owned values, and a row's Facts points into it. A row must therefore be
// finished (assessed and written) before the worker parses the next one.
type factColumn struct {
	name   string
	kind   cellKind
	values []string // kindEnum: the accepted names
	doc    string
	alloc  func(slots *credit.Facts)
	parse  func(f, slots *credit.Facts, cell []byte) error
	money  func(f *credit.Facts) *decimal.Decimal // kindMoney: the field, for checkMoney
}

// errCell is the condition of a cell that does not hold a value of its column's kind.
var errCell = errors.New("bad value")

// rowError describes the bad values of a row; errors.Is(err, errCell) holds.
type rowError struct{ msg string }

func (e *rowError) Error() string        { return e.msg }
func (e *rowError) Is(target error) bool { return target == errCell }

func cellError(cell []byte, want string) error {
	return &rowError{quoteCell(cell) + " is not " + want}
}

// quoteCell quotes a cell for a message, shortened to 40 bytes and with every byte that is
// not printable escaped, so binary garbage cannot corrupt a rejects file or a terminal.
func quoteCell(cell []byte) string {
	const limit = 40
	if len(cell) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(cell[cut]) {
			cut--
		}
		return strconv.QuoteToASCII(string(cell[:cut])) + "…"
	}
	return strconv.QuoteToASCII(string(cell))
}

func intColumn(name, doc string, get func(*credit.Facts) **int) factColumn {
	return factColumn{name: name, kind: kindInteger, doc: doc,
		alloc: func(s *credit.Facts) { *get(s) = new(int) },
		parse: func(f, s *credit.Facts, cell []byte) error {
			v, err := strconv.Atoi(string(cell))
			if err != nil {
				return cellError(cell, "a whole number")
			}
			p := *get(s)
			*p = v
			*get(f) = p
			return nil
		}}
}

func numberColumn(name, doc string, get func(*credit.Facts) **float64) factColumn {
	return factColumn{name: name, kind: kindNumber, doc: doc,
		alloc: func(s *credit.Facts) { *get(s) = new(float64) },
		parse: func(f, s *credit.Facts, cell []byte) error {
			v, err := strconv.ParseFloat(string(cell), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return cellError(cell, "a finite number")
			}
			p := *get(s)
			*p = v
			*get(f) = p
			return nil
		}}
}

func moneyColumn(name, doc string, get func(*credit.Facts) **decimal.Decimal) factColumn {
	return factColumn{name: name, kind: kindMoney, doc: doc,
		money: func(f *credit.Facts) *decimal.Decimal { return *get(f) },
		alloc: func(s *credit.Facts) { *get(s) = new(decimal.Decimal) },
		parse: func(f, s *credit.Facts, cell []byte) error {
			v, err := parseMoney(cell)
			if err != nil {
				return cellError(cell, fmt.Sprintf("an amount (plain digits, at most %d before the point and %d after)", maxMoneyIntDigits, maxMoneyDecimals))
			}
			p := *get(s)
			*p = v
			*get(f) = p
			return nil
		}}
}

// maxMoneyLen bounds the text of an amount in a CSV cell.
const maxMoneyLen = 40

// Bounds of an amount: at most maxMoneyIntDigits digits before the decimal point and
// maxMoneyDecimals after it. Real amounts are far inside them; they keep hostile input (such
// as the JSON number 1e999999999, which decimal accepts as it is) from reaching arithmetic
// that would build numbers of a billion digits.
const (
	maxMoneyIntDigits = 16
	maxMoneyDecimals  = 12
)

// moneyColumns returns the amount columns of cols.
func moneyColumns(cols []factColumn) []factColumn {
	var out []factColumn
	for _, c := range cols {
		if c.money != nil {
			out = append(out, c)
		}
	}
	return out
}

// checkMoney returns an error naming every amount of f outside the bounds above; cols are
// the columns to check (those without an amount are skipped). It does no arithmetic on an
// amount before its size is known to be safe.
func checkMoney(f *credit.Facts, cols []factColumn) error {
	var bad []string
	for i := range cols {
		c := &cols[i]
		if c.money == nil {
			continue
		}
		d := c.money(f)
		if d == nil {
			continue
		}
		exp := int(d.Exponent())
		if exp < -64 || exp > 64 || d.Coefficient().BitLen() > 256 {
			bad = append(bad, c.name+": out of range")
			continue
		}
		switch {
		case !d.IsZero() && int(d.NumDigits())+exp > maxMoneyIntDigits:
			bad = append(bad, fmt.Sprintf("%s: more than %d digits before the decimal point", c.name, maxMoneyIntDigits))
		case exp < -maxMoneyDecimals && !d.Equal(d.Truncate(maxMoneyDecimals)):
			bad = append(bad, fmt.Sprintf("%s: more than %d decimals", c.name, maxMoneyDecimals))
		}
	}
	if len(bad) > 0 {
		return &rowError{strings.Join(bad, "; ")}
	}
	return nil
}

// parseMoney reads an amount written as plain decimal digits with an optional sign and
// fraction ("1234.50"); exponents, thousands separators and currency signs are refused, and
// so are amounts outside the bounds of checkMoney. Amounts of up to 18 significant digits
// (every real one) are parsed without decimal's string parser.
func parseMoney(cell []byte) (decimal.Decimal, error) {
	if len(cell) == 0 || len(cell) > maxMoneyLen {
		return decimal.Decimal{}, errCell
	}
	body := cell
	neg := false
	switch body[0] {
	case '-':
		neg, body = true, body[1:]
	case '+':
		body = body[1:]
	}
	intPart, frac := body, []byte(nil)
	if i := bytes.IndexByte(body, '.'); i >= 0 {
		intPart, frac = body[:i], body[i+1:]
	}
	if len(intPart)+len(frac) == 0 || !allDigits(intPart) || !allDigits(frac) {
		return decimal.Decimal{}, errCell
	}
	for len(intPart) > 1 && intPart[0] == '0' {
		intPart = intPart[1:]
	}
	for len(frac) > 0 && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	if len(intPart) > maxMoneyIntDigits || len(frac) > maxMoneyDecimals {
		return decimal.Decimal{}, errCell
	}
	if len(intPart)+len(frac) > 18 {
		return decimal.NewFromString(string(cell))
	}
	var coef int64
	for _, part := range [2][]byte{intPart, frac} {
		for _, c := range part {
			coef = coef*10 + int64(c-'0')
		}
	}
	if neg {
		coef = -coef
	}
	return decimal.New(coef, -int32(len(frac))), nil
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func boolColumn(name, doc string, get func(*credit.Facts) **bool) factColumn {
	return factColumn{name: name, kind: kindBoolean, doc: doc, values: []string{"true", "false"},
		alloc: func(s *credit.Facts) { *get(s) = new(bool) },
		parse: func(f, s *credit.Facts, cell []byte) error {
			var v bool
			switch string(cell) {
			case "true", "TRUE", "True", "1":
				v = true
			case "false", "FALSE", "False", "0":
			default:
				return cellError(cell, "true or false")
			}
			p := *get(s)
			*p = v
			*get(f) = p
			return nil
		}}
}

// enumColumn maps a column to a credit enumeration written by its text name.
func enumColumn[E interface {
	~uint8
	encoding.TextMarshaler
}, P interface {
	*E
	encoding.TextUnmarshaler
}](name, doc string, get func(*credit.Facts) **E) factColumn {
	var names []string
	for v := 1; v < 256; v++ {
		b, err := E(v).MarshalText()
		if err != nil {
			break
		}
		names = append(names, string(b))
	}
	want := "one of " + strings.Join(names, ", ")
	return factColumn{name: name, kind: kindEnum, doc: doc, values: names,
		alloc: func(s *credit.Facts) { *get(s) = new(E) },
		parse: func(f, s *credit.Facts, cell []byte) error {
			p := *get(s)
			if err := P(p).UnmarshalText(cell); err != nil {
				return cellError(cell, want)
			}
			*get(f) = p
			return nil
		}}
}

// factColumns lists every column a scoring file may have besides the ID column, in the
// order of credit.Facts. The names are the JSON paths of the fields, so a CSV file and a
// JSON Lines file of the same applicants use the same names.
func factColumns() []factColumn {
	bureau := func(prefix, who string, get func(*credit.Facts) *credit.Bureau) []factColumn {
		return []factColumn{
			boolColumn(prefix+"no_file", who+" has no credit file at all", func(f *credit.Facts) **bool { return &get(f).NoFile }),
			intColumn(prefix+"history_months", "months since "+who+"'s first credit account", func(f *credit.Facts) **int { return &get(f).HistoryMonths }),
			intColumn(prefix+"open_accounts", "open credit accounts", func(f *credit.Facts) **int { return &get(f).OpenAccounts }),
			intColumn(prefix+"delinquencies_24m", "delinquent months in the last 24 (0–24)", func(f *credit.Facts) **int { return &get(f).Delinquencies24m }),
			intColumn(prefix+"worst_dpd_24m", "worst days past due in the last 24 months", func(f *credit.Facts) **int { return &get(f).WorstDPD24m }),
			moneyColumn(prefix+"amount_overdue", "amount overdue now", func(f *credit.Facts) **decimal.Decimal { return &get(f).AmountOverdue }),
			intColumn(prefix+"defaults_or_write_offs", "active defaults or write-offs", func(f *credit.Facts) **int { return &get(f).DefaultsOrWriteOffs }),
			intColumn(prefix+"late_fees", "late fees charged", func(f *credit.Facts) **int { return &get(f).LateFees }),
			numberColumn(prefix+"utilisation", "revolving balance / limit (0.42 = 42%)", func(f *credit.Facts) **float64 { return &get(f).Utilisation }),
			intColumn(prefix+"hard_inquiries_6m", "hard credit inquiries in the last 6 months", func(f *credit.Facts) **int { return &get(f).HardInquiries6m }),
		}
	}
	cols := bureau("bureau.", "the applicant", func(f *credit.Facts) *credit.Bureau { return &f.Bureau })
	cols = append(cols,
		moneyColumn("income.monthly", "monthly income", func(f *credit.Facts) **decimal.Decimal { return &f.Income.Monthly }),
		boolColumn("income.verified", "income verified by documents", func(f *credit.Facts) **bool { return &f.Income.Verified }),
		numberColumn("income.growth_yoy", "income growth year on year (0.05 = 5%)", func(f *credit.Facts) **float64 { return &f.Income.GrowthYoY }),
		enumColumn("income.employment", "employment type", func(f *credit.Facts) **credit.Employment { return &f.Income.Employment }),
		numberColumn("income.years_with_employer", "years with the current employer", func(f *credit.Facts) **float64 { return &f.Income.YearsWithEmployer }),
		intColumn("income.occupation_class", "occupation risk class, 1 (lowest) to 5", func(f *credit.Facts) **int { return &f.Income.OccupationClass }),
		moneyColumn("capacity.monthly_debt_payments", "existing monthly debt payments", func(f *credit.Facts) **decimal.Decimal { return &f.Capacity.MonthlyDebtPayments }),
		moneyColumn("capacity.monthly_living_costs", "monthly living costs", func(f *credit.Facts) **decimal.Decimal { return &f.Capacity.MonthlyLivingCosts }),
		moneyColumn("capacity.liquid_assets", "liquid assets", func(f *credit.Facts) **decimal.Decimal { return &f.Capacity.LiquidAssets }),
		moneyColumn("capacity.property_value", "property value", func(f *credit.Facts) **decimal.Decimal { return &f.Capacity.PropertyValue }),
		enumColumn("capacity.housing", "housing status", func(f *credit.Facts) **credit.Housing { return &f.Capacity.Housing }),
		intColumn("profile.age", "age in years (0–130)", func(f *credit.Facts) **int { return &f.Profile.Age }),
		enumColumn("profile.marital", "marital status", func(f *credit.Facts) **credit.Marital { return &f.Profile.Marital }),
		enumColumn("profile.education", "highest education", func(f *credit.Facts) **credit.Education { return &f.Profile.Education }),
		numberColumn("profile.years_as_customer", "years as the bank's customer", func(f *credit.Facts) **float64 { return &f.Profile.YearsAsCustomer }),
		intColumn("profile.products_held", "the bank's products held", func(f *credit.Facts) **int { return &f.Profile.ProductsHeld }),
		enumColumn("profile.security", "collateral or guarantee", func(f *credit.Facts) **credit.Security { return &f.Profile.Security }),
		moneyColumn("enterprise.revenue", "annual revenue", func(f *credit.Facts) **decimal.Decimal { return &f.Enterprise.Revenue }),
		numberColumn("enterprise.revenue_growth", "revenue growth (0.1 = 10%)", func(f *credit.Facts) **float64 { return &f.Enterprise.RevenueGrowth }),
		numberColumn("enterprise.net_margin", "net margin (0.08 = 8%)", func(f *credit.Facts) **float64 { return &f.Enterprise.NetMargin }),
		numberColumn("enterprise.debt_to_assets", "debt to assets", func(f *credit.Facts) **float64 { return &f.Enterprise.DebtToAssets }),
		numberColumn("enterprise.current_ratio", "current ratio", func(f *credit.Facts) **float64 { return &f.Enterprise.CurrentRatio }),
		numberColumn("enterprise.interest_cover", "interest cover", func(f *credit.Facts) **float64 { return &f.Enterprise.InterestCover }),
		numberColumn("enterprise.years_in_business", "years in business", func(f *credit.Facts) **float64 { return &f.Enterprise.YearsInBusiness }),
		intColumn("enterprise.industry_risk", "industry risk, 1 (lowest) to 5", func(f *credit.Facts) **int { return &f.Enterprise.IndustryRisk }),
	)
	cols = append(cols, bureau("enterprise.bureau.", "the enterprise", func(f *credit.Facts) *credit.Bureau { return &f.Enterprise.Bureau })...)
	cols = append(cols,
		moneyColumn("request.amount", "amount requested", func(f *credit.Facts) **decimal.Decimal { return &f.Request.Amount }),
		intColumn("request.term_months", "term in months (required for an assessment)", func(f *credit.Facts) **int { return &f.Request.TermMonths }),
		enumColumn("request.product", "product (required for an assessment)", func(f *credit.Facts) **credit.Product { return &f.Request.Product }),
		enumColumn("request.method", "repayment method (required for an assessment)", func(f *credit.Facts) **credit.Method { return &f.Request.Method }),
		boolColumn("blacklisted", "on the bank's blacklist", func(f *credit.Facts) **bool { return &f.Blacklisted }),
	)
	return cols
}

// requiredForAssessment are the columns every full assessment needs.
var requiredForAssessment = []string{"request.term_months", "request.product", "request.method"}

// columnsTable renders the column mapping as a Markdown table, for the help of creditkit
// score and for cmd/creditkit/README.md (a test keeps the two in step).
func columnsTable() string {
	var b strings.Builder
	b.WriteString("| column | type | meaning |\n|---|---|---|\n")
	for _, c := range factColumns() {
		typ := c.kind.String()
		if c.kind == kindEnum {
			typ = strings.Join(c.values, ", ")
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", c.name, typ, c.doc)
	}
	return b.String()
}

// trimCell removes the ASCII spaces and tabs around a cell.
func trimCell(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}
