package assign

import (
	"cmp"
	"math/bits"
	"slices"

	"github.com/shopspring/decimal"
)

// This file holds the allocation-free paths behind the hard rules: exact conversions of
// decimal amounts that stay off math/big for ordinary values, and the per-rule sets of
// officers built with word operations instead of a check per officer.

var pow10i = [...]int64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14,
	1e15, 1e16, 1e17, 1e18}

var pow10f = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14,
	1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// smallDigits is the most digits a coefficient may have for the fast paths: below 2⁵³, so it
// is an exact int64 and float64. Decimal.NumDigits does not allocate for such coefficients.
const smallDigits = 15

// scaled returns d in units of 10⁻⁴ when that is exact and its magnitude is below 10¹⁸.
func scaled(d decimal.Decimal) (int64, bool) {
	if nd := d.NumDigits(); nd <= smallDigits {
		c, e := d.CoefficientInt64(), int(d.Exponent())+authorityScale
		switch {
		case c == 0:
			return 0, true
		case e >= 0:
			// 10^(nd−1) ≤ |c| < 10^nd, so |c·10^e| < 10¹⁸ exactly when nd + e ≤ 18.
			if nd+e > 18 {
				return 0, false
			}
			return c * pow10i[e], true
		case -e > smallDigits:
			return 0, false // |c| < 10¹⁵ is not a multiple of 10^−e
		case c%pow10i[-e] != 0:
			return 0, false
		default:
			return c / pow10i[-e], true
		}
	}
	s := d.Shift(authorityScale)
	if !s.IsInteger() || s.Abs().Cmp(decimal.New(1, 18)) >= 0 {
		return 0, false
	}
	return s.IntPart(), true
}

// toFloat returns the float64 nearest to d, as d.InexactFloat64 does. For a coefficient below
// 2⁵³ and an exponent within ±22 both factors are exact floats, so one correctly rounded
// multiplication or division gives the same nearest value without math/big.
func toFloat(d decimal.Decimal) float64 {
	if d.NumDigits() <= smallDigits {
		c, e := float64(d.CoefficientInt64()), d.Exponent()
		switch {
		case e >= 0 && int(e) < len(pow10f):
			return c * pow10f[e]
		case e < 0 && int(-e) < len(pow10f):
			return c / pow10f[-e]
		}
	}
	return d.InexactFloat64()
}

// seniorityRule is a SeniorityRule with its amount threshold pre-scaled.
type seniorityRule struct {
	minAmount decimal.Decimal
	scaled    int64
	scaledOK  bool
	byAmount  bool // MinAmount is positive
	minTerm   int
	years     float64
}

// ruleIndex holds the officers ordered by authority and by seniority, so that the officers
// failing either rule for a case are a prefix found by binary search.
type ruleIndex struct {
	byAuthority  []int32 // officers whose authority scales exactly, by authority
	authorityAsc []int64
	authorityBig []int32 // officers whose authority does not scale exactly
	bySeniority  []int32
	seniorityAsc []float64
	leavers      []int32 // officers with any leave
}

// buildIndex fills m.idx, the pre-scaled seniority rules, the scratch sets and the set of
// officers at capacity; NewMatcher calls it once the officers, authorities, seniorities and
// loads are in place.
func (m *Matcher) buildIndex() {
	x := &m.idx
	n := len(m.officers)
	for i := range n {
		if m.authority[i] >= 0 {
			x.byAuthority = append(x.byAuthority, int32(i))
		} else {
			x.authorityBig = append(x.authorityBig, int32(i))
		}
		x.bySeniority = append(x.bySeniority, int32(i))
		if len(m.officers[i].Leave) > 0 {
			x.leavers = append(x.leavers, int32(i))
		}
	}
	slices.SortStableFunc(x.byAuthority, func(a, b int32) int { return cmp.Compare(m.authority[a], m.authority[b]) })
	slices.SortStableFunc(x.bySeniority, func(a, b int32) int { return cmp.Compare(m.senior[a], m.senior[b]) })
	for _, i := range x.byAuthority {
		x.authorityAsc = append(x.authorityAsc, m.authority[i])
	}
	for _, i := range x.bySeniority {
		x.seniorityAsc = append(x.seniorityAsc, m.senior[i])
	}
	for _, s := range m.rules.Seniority {
		r := seniorityRule{minAmount: s.MinAmount, byAmount: s.MinAmount.IsPositive(), minTerm: s.MinTermMonths,
			years: float64(s.MinYears)}
		r.scaled, r.scaledOK = scaled(s.MinAmount)
		m.seniorityRules = append(m.seniorityRules, r)
	}
	for k := range m.scratch.fail {
		m.scratch.buf[k] = m.newSet()
	}
	m.scratch.eligible = m.newSet()
	m.scratch.onLeave = m.newSet()
	m.full = m.newSet()
	for i := range n {
		m.setFull(i)
	}
}

// setFull records whether officer i is at capacity with its current load. Every change of
// m.load goes through addLoad, which calls it.
func (m *Matcher) setFull(i int) {
	if m.load[i] >= m.officers[i].Capacity {
		setBit(m.full, i)
	} else {
		m.full[i>>6] &^= 1 << (i & 63)
	}
}

// addLoad raises officer i's load by n. The caller holds m.mu.
func (m *Matcher) addLoad(i, n int) {
	m.load[i] += n
	m.setFull(i)
}

// atLeast reports whether the case amount is at least the rule's amount threshold.
func (f *caseFacts) atLeast(s *seniorityRule) bool {
	if f.amountOK && s.scaledOK {
		return f.amountScale >= s.scaled
	}
	return f.amount.Cmp(s.minAmount) >= 0
}

// below reports whether officer i's authority is below the case amount.
func (m *Matcher) below(f *caseFacts, i int) bool {
	if f.amountOK && m.authority[i] >= 0 {
		return m.authority[i] < f.amountScale
	}
	return m.officers[i].Authority.Cmp(f.amount) < 0
}

// leaveSet fills dst with the officers on leave on f.date.
func (m *Matcher) leaveSet(f *caseFacts, dst []uint64) {
	clear(dst)
	for _, i := range m.idx.leavers {
		if m.officers[i].OnLeave(f.date) {
			setBit(dst, int(i))
		}
	}
}

// eligibleSet fills dst with the officers passing every hard rule for the case except
// capacity, which batch plans leave to the flow, given the officers on leave that day. It
// computes no per-rule sets; failures does, for explanations. The caller holds m.mu.
func (m *Matcher) eligibleSet(c *Case, f *caseFacts, onLeave, dst []uint64) {
	region := m.enforced[RuleRegion]
	near := f.near
	if !m.rules.AllowNeighbours {
		near = nil
	}
	var kinds, skills, conflicts []uint64
	if m.enforced[RuleCustomerKind] && c.Kind >= Individual && c.Kind <= Enterprise {
		kinds = m.kinds[c.Kind]
	}
	if m.enforced[RuleSkill] && c.Product >= Consumer && c.Product <= AssetAllocation && m.skilled[c.Product] {
		skills = m.skills[c.Product]
	}
	if m.enforced[RuleConflict] {
		conflicts = m.linked[c.CustomerID]
	}
	leave := m.enforced[RuleAvailability]
	for w := range dst {
		x := m.allOfficer[w]
		if region {
			var pass uint64
			if f.exact != nil {
				pass = f.exact[w]
			}
			if near != nil {
				pass |= near[w]
			}
			x &= pass
		}
		if kinds != nil {
			x &= kinds[w]
		}
		if skills != nil {
			x &= skills[w]
		}
		if leave {
			x &^= onLeave[w]
		}
		if conflicts != nil {
			x &^= conflicts[w]
		}
		dst[w] = x
	}
	authority, seniority := m.enforced[RuleAuthority], m.enforced[RuleSeniority]
	if !authority && !seniority {
		return
	}
	for w, word := range dst {
		for word != 0 {
			b := word & -word
			word ^= b
			i := w<<6 | bits.TrailingZeros64(b)
			if (authority && m.below(f, i)) || (seniority && m.senior[i] < f.minYears) {
				dst[w] &^= b
			}
		}
	}
}

// failures fills the per-rule sets of officers failing each hard rule for the case (nil for
// rules not enforced or failed by nobody) and returns them with the eligible set. Both live in
// scratch space of m, valid until the next call; the caller holds m.mu. ignoreCapacity
// leaves capacity to the caller (batch plans).
func (m *Matcher) failures(c *Case, f *caseFacts, ignoreCapacity bool) ([]uint64, *[RuleConflict + 1][]uint64) {
	s := &m.scratch
	for r := range s.fail {
		s.fail[r] = nil
	}
	keep := func(r Rule) {
		buf := s.buf[r]
		for _, w := range buf {
			if w != 0 {
				s.fail[r] = buf
				return
			}
		}
	}
	all := m.allOfficer
	if m.enforced[RuleRegion] {
		buf := s.buf[RuleRegion]
		for w := range buf {
			var pass uint64
			if f.exact != nil {
				pass = f.exact[w]
			}
			if m.rules.AllowNeighbours && f.near != nil {
				pass |= f.near[w]
			}
			buf[w] = all[w] &^ pass
		}
		keep(RuleRegion)
	}
	if m.enforced[RuleCustomerKind] && c.Kind >= Individual && c.Kind <= Enterprise {
		buf, pass := s.buf[RuleCustomerKind], m.kinds[c.Kind]
		for w := range buf {
			buf[w] = all[w] &^ pass[w]
		}
		keep(RuleCustomerKind)
	}
	if m.enforced[RuleSkill] && c.Product >= Consumer && c.Product <= AssetAllocation && m.skilled[c.Product] {
		buf, pass := s.buf[RuleSkill], m.skills[c.Product]
		for w := range buf {
			buf[w] = all[w] &^ pass[w]
		}
		keep(RuleSkill)
	}
	if m.enforced[RuleAuthority] {
		buf := s.buf[RuleAuthority]
		clear(buf)
		if f.amountOK {
			n, _ := slices.BinarySearch(m.idx.authorityAsc, f.amountScale)
			for _, i := range m.idx.byAuthority[:n] {
				setBit(buf, int(i))
			}
			for _, i := range m.idx.authorityBig {
				if m.below(f, int(i)) {
					setBit(buf, int(i))
				}
			}
		} else {
			for i := range m.officers {
				if m.below(f, i) {
					setBit(buf, i)
				}
			}
		}
		keep(RuleAuthority)
	}
	if m.enforced[RuleSeniority] {
		buf := s.buf[RuleSeniority]
		clear(buf)
		n, _ := slices.BinarySearch(m.idx.seniorityAsc, f.minYears)
		for _, i := range m.idx.bySeniority[:n] {
			setBit(buf, int(i))
		}
		keep(RuleSeniority)
	}
	if m.enforced[RuleCapacity] && !ignoreCapacity {
		copy(s.buf[RuleCapacity], m.full)
		keep(RuleCapacity)
	}
	if m.enforced[RuleAvailability] {
		m.leaveSet(f, s.buf[RuleAvailability])
		keep(RuleAvailability)
	}
	if m.enforced[RuleConflict] {
		buf := s.buf[RuleConflict]
		clear(buf)
		if linked := m.linked[c.CustomerID]; linked != nil {
			copy(buf, linked)
		}
		keep(RuleConflict)
	}
	eligible := s.eligible
	copy(eligible, all)
	for _, set := range s.fail {
		for w, b := range set {
			eligible[w] &^= b
		}
	}
	return eligible, &s.fail
}
