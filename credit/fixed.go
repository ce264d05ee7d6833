package credit

import (
	"math"
	"math/bits"
	"strconv"

	"github.com/shopspring/decimal"
)

// fixed is a decimal c·10^e held in an int64, for the everyday arithmetic of an assessment
// (income times a ratio, minus payments, rounded to the cent) without math/big. Every
// operation gives exactly the coefficient and exponent the shopspring/decimal method of the
// same name gives — Mul adds exponents, Add and Sub work at the smaller exponent, Round(p)
// gives exponent −p — or, when an operand or the result does not fit, a fixed that is not ok;
// operations on a fixed that is not ok stay not ok, so a chain is checked once at its end and
// the caller then computes the decimal expression instead.
type fixed struct {
	c  int64
	e  int32
	ok bool
}

// maxFixedExp bounds the exponents a fixed takes, so that aligning two of them needs a power
// of ten from pow10.
const maxFixedExp = 18

// pow10[k] is 10^k.
var pow10 = func() (p [19]int64) {
	p[0] = 1
	for k := 1; k < len(p); k++ {
		p[k] = p[k-1] * 10
	}
	return p
}()

// fixedOf returns d as a fixed when its exponent is one decFloatBounds covers and its
// coefficient has at most 15 digits (the bounds compare at d's own exponent, without
// rescaling).
func fixedOf(d decimal.Decimal) fixed {
	if d.Sign() == 0 {
		return fixed{0, d.Exponent(), abs32(d.Exponent()) <= maxFixedExp}
	}
	e := int(d.Exponent()) - minDecFloatExp
	if e < 0 || e >= len(decFloatBounds) {
		return fixed{}
	}
	if b := &decFloatBounds[e]; d.Cmp(b[0]) <= 0 || d.Cmp(b[1]) >= 0 {
		return fixed{}
	}
	return fixed{d.CoefficientInt64(), d.Exponent(), true}
}

// fixedInt returns the integer n (exponent 0), as decimal.NewFromInt does.
func fixedInt(n int64) fixed { return fixed{n, 0, true} }

// decimal returns x as a decimal, and whether x is ok.
func (x fixed) decimal() (decimal.Decimal, bool) {
	if !x.ok {
		return decimal.Decimal{}, false
	}
	return decimal.New(x.c, x.e), true
}

// Mul returns x·y, as decimal's Mul.
func (x fixed) Mul(y fixed) fixed {
	e := x.e + y.e
	if !x.ok || !y.ok || abs32(e) > maxFixedExp {
		return fixed{}
	}
	c, ok := mul64(x.c, y.c)
	return fixed{c, e, ok}
}

// Add returns x + y at the smaller exponent, as decimal's Add.
func (x fixed) Add(y fixed) fixed {
	x, y = align(x, y)
	if !x.ok || !y.ok {
		return fixed{}
	}
	c := x.c + y.c
	if (x.c^c)&(y.c^c) < 0 { // overflow: the sum's sign differs from both operands'
		return fixed{}
	}
	return fixed{c, x.e, true}
}

// Sub returns x − y at the smaller exponent, as decimal's Sub.
func (x fixed) Sub(y fixed) fixed {
	if y.c == math.MinInt64 {
		return fixed{}
	}
	return x.Add(fixed{-y.c, y.e, y.ok})
}

// Cmp compares x and y as decimal's Cmp, and reports whether both were ok and aligned.
func (x fixed) Cmp(y fixed) (int, bool) {
	x, y = align(x, y)
	if !x.ok || !y.ok {
		return 0, false
	}
	switch {
	case x.c < y.c:
		return -1, true
	case x.c > y.c:
		return 1, true
	}
	return 0, true
}

// Round rounds half away from zero to places decimal places, as decimal's Round: the result
// has exponent −places (it is x itself when x already has).
func (x fixed) Round(places int32) fixed {
	if !x.ok || x.e == -places {
		return x
	}
	if abs32(places) > maxFixedExp {
		return fixed{}
	}
	if x.e > -places { // exact: the coefficient gains zeros
		if x.e+places >= int32(len(pow10)) {
			return fixed{}
		}
		c, ok := mul64(x.c, pow10[x.e+places])
		return fixed{c, -places, ok}
	}
	// decimal truncates to places+1 digits, adds ±5 and divides by ten
	k := -places - 1 - x.e
	t := int64(0) // |c| < 10^19 ≤ 10^k truncates to 0
	if k < int32(len(pow10)) {
		t = x.c / pow10[k]
	}
	if t < 0 {
		t -= 5
	} else {
		t += 5
	}
	return fixed{t / 10, -places, true}
}

// DivRound returns x/y rounded half away from zero to precision places, as decimal's
// DivRound: the result has exponent −precision. y must not be zero.
func (x fixed) DivRound(y fixed, precision int32) fixed {
	if !x.ok || !y.ok || y.c == 0 || abs32(precision) > maxFixedExp {
		return fixed{}
	}
	// |x|/|y|·10^precision = num/den, with the power of ten on the side it multiplies
	num, den := uabs(x.c), uabs(y.c)
	var hi, lo uint64
	switch k := x.e - y.e + precision; {
	case k >= int32(len(pow10)) || -k >= int32(len(pow10)):
		return fixed{}
	case k >= 0:
		hi, lo = bits.Mul64(num, uint64(pow10[k]))
	default:
		d, ok := mul64(int64(den), pow10[-k])
		if !ok {
			return fixed{}
		}
		lo, den = num, uint64(d)
	}
	if hi >= den || den > math.MaxInt64 {
		return fixed{}
	}
	q, r := bits.Div64(hi, lo, den)
	if 2*r >= den { // den < 2^63, so 2r does not overflow
		q++
	}
	return signedFixed(q, (x.c < 0) != (y.c < 0), -precision)
}

// signedFixed returns q·10^e, negated when neg, or a fixed that is not ok when q does not
// fit in an int64.
func signedFixed(q uint64, neg bool, e int32) fixed {
	switch {
	case q > math.MaxInt64:
		return fixed{}
	case neg:
		return fixed{-int64(q), e, true}
	}
	return fixed{int64(q), e, true}
}

// floatFixed returns x as decimal.NewFromFloat converts it — the shortest decimal that reads
// back as x, without trailing zeros — and, unlike it, without math/big; a fixed that is not
// ok for NaN and the infinities (NewFromFloat panics on those). Its exponent may lie beyond
// maxFixedExp: every operation checks the exponents it meets.
func floatFixed(x float64) fixed {
	if x == 0 {
		return fixed{0, 0, true}
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return fixed{}
	}
	var buf [32]byte
	b := strconv.AppendFloat(buf[:0], x, 'e', -1, 64) // -d.ddde-dd: at most 17 digits
	var c int64
	nd, i := 0, 0
	if b[0] == '-' {
		i++
	}
	for ; b[i] != 'e'; i++ {
		if b[i] != '.' {
			c = c*10 + int64(b[i]-'0')
			nd++
		}
	}
	exp, err := strconv.Atoi(string(b[i+1:]))
	if err != nil {
		return fixed{}
	}
	if b[0] == '-' {
		c = -c
	}
	return fixed{c, int32(exp - (nd - 1)), true}
}

// MulRound returns x·y rounded half away from zero to places decimal places, as decimal's
// x.Mul(y).Round(places), with a 128-bit product where Mul would overflow.
func (x fixed) MulRound(y fixed, places int32) fixed {
	if !x.ok || !y.ok || abs32(places) > maxFixedExp {
		return fixed{}
	}
	e := int64(x.e) + int64(y.e)
	if e >= -int64(places) {
		return x.Mul(y).Round(places)
	}
	k := -int64(places) - e           // digits to drop, at least 1
	const top = int64(len(pow10) - 1) // 10^18, the largest power of ten in pow10
	if k > 2*top {
		return fixed{}
	}
	hi, lo := bits.Mul64(uabs(x.c), uabs(y.c))
	var q uint64
	if k <= top {
		den := uint64(pow10[k])
		if hi >= den {
			return fixed{}
		}
		var r uint64
		q, r = bits.Div64(hi, lo, den)
		if 2*r >= den { // den ≤ 10^18 < 2^63, so 2r does not overflow
			q++
		}
	} else {
		// Drop 18 digits, then the other k − 18 (m = 10^(k−18), even): the dropped part
		// r·10^18 + r18 reaches half of 10^k exactly when r reaches m/2, as r18 < 10^18.
		e18 := uint64(pow10[top])
		if hi >= e18 {
			return fixed{}
		}
		q18, _ := bits.Div64(hi, lo, e18)
		m := uint64(pow10[k-top])
		q = q18 / m
		if q18%m >= m/2 {
			q++
		}
	}
	return signedFixed(q, (x.c < 0) != (y.c < 0), -places)
}

// lessThan is a.LessThan(b), without rescaling when both fit a fixed.
func lessThan(a, b decimal.Decimal) bool {
	if c, ok := fixedOf(a).Cmp(fixedOf(b)); ok {
		return c < 0
	}
	return a.LessThan(b)
}

// align returns x and y at the smaller of their exponents, as decimal.RescalePair does.
func align(x, y fixed) (fixed, fixed) {
	if !x.ok || !y.ok || abs32(x.e-y.e) >= int32(len(pow10)) {
		return fixed{}, fixed{}
	}
	if x.e > y.e {
		c, ok := mul64(x.c, pow10[x.e-y.e])
		x = fixed{c, y.e, ok}
	} else if y.e > x.e {
		c, ok := mul64(y.c, pow10[y.e-x.e])
		y = fixed{c, x.e, ok}
	}
	return x, y
}

// mul64 returns a·b and whether it fits in an int64 (and is not its minimum, so that it can
// be negated).
func mul64(a, b int64) (int64, bool) {
	hi, lo := bits.Mul64(uabs(a), uabs(b))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	if (a < 0) != (b < 0) {
		return -int64(lo), true
	}
	return int64(lo), true
}

func uabs(a int64) uint64 {
	if a < 0 {
		return uint64(-a)
	}
	return uint64(a)
}

func abs32(e int32) int32 {
	if e < 0 {
		return -e
	}
	return e
}
