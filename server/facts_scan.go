package server

import (
	"encoding"
	"strconv"

	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/credit"
)

// scanFacts decodes raw, the JSON of credit.Facts, when it has the plain shape clients
// send: every key spelled exactly as the struct tags spell it, at most once per object;
// strings without escapes or control characters; numbers in JSON's grammar. It gives what
// encoding/json (credit.DecodeFacts) gives for such input, by the same conversions: ints
// and floats as encoding/json parses them, decimals through their UnmarshalJSON and
// enumerations through their UnmarshalText, null as missing, null for an object as
// nothing. ok is false for anything else (a key in other case, a duplicate, an escape,
// a number where a string belongs, ...), and the caller then decodes raw with
// credit.DecodeFacts, which gives the answer; so scanFacts only ever accepts.
// FuzzAssessmentRequestFastPath checks that it accepts nothing credit.DecodeFacts refuses
// and decodes what it accepts to the same Facts.
//
// It exists for speed: decoding the facts was the costliest step of reading an
// assessment request (~6 µs with goccy/go-json, ~13 µs with encoding/json).
func scanFacts(raw []byte) (credit.Facts, bool) {
	var f credit.Facts
	s := factsScanner{b: raw}
	s.space()
	ok := s.object(factsKeys, func(k int) bool {
		switch k {
		case 0:
			return s.bureau(&f.Bureau)
		case 1:
			return s.object(incomeKeys, func(k int) bool { return s.income(k, &f.Income) })
		case 2:
			return s.object(capacityKeys, func(k int) bool { return s.capacity(k, &f.Capacity) })
		case 3:
			return s.object(profileKeys, func(k int) bool { return s.profile(k, &f.Profile) })
		case 4:
			return s.object(enterpriseKeys, func(k int) bool { return s.enterprise(k, &f.Enterprise) })
		case 5:
			return s.object(requestKeys, func(k int) bool { return s.request(k, &f.Request) })
		default:
			return scanBool(&s, &f.Blacklisted)
		}
	})
	if s.space(); !ok || s.i != len(raw) {
		return credit.Facts{}, false
	}
	return f, true
}

// The keys of each object of the facts, in the order of the fields of its struct
// (TestFactsScanKeysAreTheTags checks them against the tags).
var (
	factsKeys  = []string{"bureau", "income", "capacity", "profile", "enterprise", "request", "blacklisted"}
	bureauKeys = []string{"no_file", "history_months", "open_accounts", "delinquencies_24m", "worst_dpd_24m",
		"amount_overdue", "defaults_or_write_offs", "late_fees", "utilisation", "hard_inquiries_6m"}
	incomeKeys = []string{"monthly", "verified", "growth_yoy", "employment", "years_with_employer",
		"occupation_class"}
	capacityKeys = []string{"monthly_debt_payments", "monthly_living_costs", "liquid_assets", "property_value",
		"housing"}
	profileKeys    = []string{"age", "marital", "education", "years_as_customer", "products_held", "security"}
	enterpriseKeys = []string{"revenue", "revenue_growth", "net_margin", "debt_to_assets", "current_ratio",
		"interest_cover", "years_in_business", "industry_risk", "bureau"}
	requestKeys = []string{"amount", "term_months", "product", "method"}
)

func (s *factsScanner) bureau(b *credit.Bureau) bool {
	return s.object(bureauKeys, func(k int) bool {
		switch k {
		case 0:
			return scanBool(s, &b.NoFile)
		case 1:
			return scanInt(s, &b.HistoryMonths)
		case 2:
			return scanInt(s, &b.OpenAccounts)
		case 3:
			return scanInt(s, &b.Delinquencies24m)
		case 4:
			return scanInt(s, &b.WorstDPD24m)
		case 5:
			return scanDecimal(s, &b.AmountOverdue)
		case 6:
			return scanInt(s, &b.DefaultsOrWriteOffs)
		case 7:
			return scanInt(s, &b.LateFees)
		case 8:
			return scanFloat(s, &b.Utilisation)
		default:
			return scanInt(s, &b.HardInquiries6m)
		}
	})
}

func (s *factsScanner) income(k int, in *credit.Income) bool {
	switch k {
	case 0:
		return scanDecimal(s, &in.Monthly)
	case 1:
		return scanBool(s, &in.Verified)
	case 2:
		return scanFloat(s, &in.GrowthYoY)
	case 3:
		return scanText(s, &in.Employment)
	case 4:
		return scanFloat(s, &in.YearsWithEmployer)
	default:
		return scanInt(s, &in.OccupationClass)
	}
}

func (s *factsScanner) capacity(k int, c *credit.Capacity) bool {
	switch k {
	case 0:
		return scanDecimal(s, &c.MonthlyDebtPayments)
	case 1:
		return scanDecimal(s, &c.MonthlyLivingCosts)
	case 2:
		return scanDecimal(s, &c.LiquidAssets)
	case 3:
		return scanDecimal(s, &c.PropertyValue)
	default:
		return scanText(s, &c.Housing)
	}
}

func (s *factsScanner) profile(k int, p *credit.Profile) bool {
	switch k {
	case 0:
		return scanInt(s, &p.Age)
	case 1:
		return scanText(s, &p.Marital)
	case 2:
		return scanText(s, &p.Education)
	case 3:
		return scanFloat(s, &p.YearsAsCustomer)
	case 4:
		return scanInt(s, &p.ProductsHeld)
	default:
		return scanText(s, &p.Security)
	}
}

func (s *factsScanner) enterprise(k int, e *credit.Enterprise) bool {
	switch k {
	case 0:
		return scanDecimal(s, &e.Revenue)
	case 1:
		return scanFloat(s, &e.RevenueGrowth)
	case 2:
		return scanFloat(s, &e.NetMargin)
	case 3:
		return scanFloat(s, &e.DebtToAssets)
	case 4:
		return scanFloat(s, &e.CurrentRatio)
	case 5:
		return scanFloat(s, &e.InterestCover)
	case 6:
		return scanFloat(s, &e.YearsInBusiness)
	case 7:
		return scanInt(s, &e.IndustryRisk)
	default:
		return s.bureau(&e.Bureau)
	}
}

func (s *factsScanner) request(k int, r *credit.Request) bool {
	switch k {
	case 0:
		return scanDecimal(s, &r.Amount)
	case 1:
		return scanInt(s, &r.TermMonths)
	case 2:
		return scanText(s, &r.Product)
	default:
		return scanText(s, &r.Method)
	}
}

// factsScanner reads the JSON in b from i on.
type factsScanner struct {
	b []byte
	i int
}

func (s *factsScanner) space() { s.i = skipJSONSpace(s.b, s.i) }

// next reports whether the byte at i is c, and moves past it when it is.
func (s *factsScanner) next(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// literal reports whether the literal lit is at i, and moves past it when it is.
func (s *factsScanner) literal(lit string) bool {
	if len(s.b)-s.i >= len(lit) && string(s.b[s.i:s.i+len(lit)]) == lit {
		s.i += len(lit)
		return true
	}
	return false
}

// object reads an object whose keys are among keys, each at most once, calling member
// with the key's index to read its value; null reads as no object, as encoding/json
// leaves a struct alone for null.
func (s *factsScanner) object(keys []string, member func(k int) bool) bool {
	if s.literal("null") {
		return true
	}
	if !s.next('{') {
		return false
	}
	s.space()
	if s.next('}') {
		return true
	}
	var seen uint64
	for {
		key, ok := s.plainString()
		if !ok {
			return false
		}
		k := -1
		for j, name := range keys {
			if string(key) == name {
				k = j
				break
			}
		}
		if k < 0 || seen&(1<<k) != 0 {
			return false
		}
		seen |= 1 << k
		if s.space(); !s.next(':') {
			return false
		}
		if s.space(); !member(k) {
			return false
		}
		s.space()
		if s.next('}') {
			return true
		}
		if !s.next(',') {
			return false
		}
		s.space()
	}
}

// plainString reads a string without escapes or control characters (plainJSONString)
// and returns its content. Every string of the facts is a key, an enumeration or a decimal,
// all ASCII, so one with other bytes is refused by what reads it.
func (s *factsScanner) plainString() ([]byte, bool) {
	v, i, ok := plainJSONString(s.b, s.i)
	if ok {
		s.i = i
	}
	return v, ok
}

// number reads a number in JSON's grammar and returns it.
func (s *factsScanner) number() ([]byte, bool) {
	start, b := s.i, s.b
	i := start
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = skipDigits(b, i)
	default:
		return nil, false
	}
	if i < len(b) && b[i] == '.' {
		if j := skipDigits(b, i+1); j > i+1 {
			i = j
		} else {
			return nil, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if j := skipDigits(b, i); j > i {
			i = j
		} else {
			return nil, false
		}
	}
	s.i = i
	return b[start:i], true
}

func skipDigits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// scanInt reads null or an integer into *p, as encoding/json reads a number into an int:
// strconv.ParseInt of the literal, so 1.0 and 1e2 are refused.
func scanInt(s *factsScanner, p **int) bool {
	if s.literal("null") {
		return true
	}
	tok, ok := s.number()
	if !ok {
		return false
	}
	n, err := strconv.ParseInt(string(tok), 10, 64)
	if err != nil {
		return false
	}
	v := int(n)
	*p = &v
	return true
}

// scanFloat reads null or a number into *p, as encoding/json does: strconv.ParseFloat.
func scanFloat(s *factsScanner, p **float64) bool {
	if s.literal("null") {
		return true
	}
	tok, ok := s.number()
	if !ok {
		return false
	}
	v, err := strconv.ParseFloat(string(tok), 64)
	if err != nil {
		return false
	}
	*p = &v
	return true
}

// scanBool reads null, true or false into *p.
func scanBool(s *factsScanner, p **bool) bool {
	var v bool
	switch {
	case s.literal("null"):
		return true
	case s.literal("true"):
		v = true
	case !s.literal("false"):
		return false
	}
	*p = &v
	return true
}

// scanDecimal reads null, a plain string or a number into *p through
// decimal.Decimal.UnmarshalJSON, given the literal with its quotes, as encoding/json
// gives it.
func scanDecimal(s *factsScanner, p **decimal.Decimal) bool {
	if s.literal("null") {
		return true
	}
	start := s.i
	var ok bool
	if s.i < len(s.b) && s.b[s.i] == '"' {
		_, ok = s.plainString()
	} else {
		_, ok = s.number()
	}
	if !ok || s.i-start > maxDecimalLiteral { // a longer one goes to credit.DecodeFacts
		return false
	}
	v := new(decimal.Decimal)
	if v.UnmarshalJSON(s.b[start:s.i]) != nil {
		return false
	}
	*p = v
	return true
}

// scanText reads null or a plain string into *p, an enumeration, through its
// UnmarshalText.
func scanText[T any, PT interface {
	*T
	encoding.TextUnmarshaler
}](s *factsScanner, p **T) bool {
	if s.literal("null") {
		return true
	}
	text, ok := s.plainString()
	if !ok {
		return false
	}
	v := PT(new(T))
	if v.UnmarshalText(text) != nil {
		return false
	}
	*p = (*T)(v)
	return true
}
