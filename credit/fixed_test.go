package credit

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
)

// randomDecimal draws coefficients of every length up to 19 digits, both signs, around the
// int64 limits and around 10^15, at exponents from −20 to 20.
func randomDecimal(rng *rand.Rand) decimal.Decimal {
	var c int64
	switch rng.IntN(5) {
	case 0:
		c = rng.Int64N(1000)
	case 1:
		c = rng.Int64N(1_000_000_000)
	case 2:
		c = 1_000_000_000_000_000 + rng.Int64N(2_000_001) - 1_000_000
	case 3:
		c = rng.Int64() >> rng.IntN(63)
	default:
		c = 1<<62 + rng.Int64N(1<<62)
	}
	if rng.IntN(3) == 0 {
		c = -c
	}
	e := int32(rng.IntN(41) - 20)
	if rng.IntN(2) == 0 {
		e = int32(rng.IntN(7) - 4)
	}
	if rng.IntN(20) == 0 {
		return decimal.Decimal{} // no coefficient at all
	}
	return decimal.New(c, e)
}

// sameDecimal requires got, when ok, to have want's coefficient and exponent.
func sameDecimal(t *testing.T, want decimal.Decimal, got fixed, msg string, args ...any) bool {
	t.Helper()
	d, ok := got.decimal()
	if !ok {
		return false
	}
	require.Equal(t, want.Exponent(), d.Exponent(), append([]any{msg}, args...)...)
	require.Equal(t, want.Coefficient().String(), d.Coefficient().String(), append([]any{msg}, args...)...)
	return true
}

// TestFixedMatchesDecimal compares every fixed operation with the decimal method it stands
// for, representation included, and checks that ordinary amounts take the fixed path.
func TestFixedMatchesDecimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	var oks, total, divOks, divs int
	for range 300000 {
		a, b := randomDecimal(rng), randomDecimal(rng)
		x, y := fixedOf(a), fixedOf(b)
		if x.ok {
			sameDecimal(t, a, x, "fixedOf %s", a)
		}
		places := int32(rng.IntN(9) - 2)
		total += 5
		for _, ok := range []bool{
			sameDecimal(t, a.Mul(b), x.Mul(y), "%s × %s", a, b),
			sameDecimal(t, a.Add(b), x.Add(y), "%s + %s", a, b),
			sameDecimal(t, a.Sub(b), x.Sub(y), "%s − %s", a, b),
			sameDecimal(t, a.Round(places), x.Round(places), "%s round %d", a, places),
			sameDecimal(t, a.Mul(b).Round(2), x.Mul(y).Round(2), "%s × %s round 2", a, b),
		} {
			if ok {
				oks++
			}
		}
		if !b.IsZero() {
			divs++
			prec := int32(rng.IntN(21))
			if sameDecimal(t, a.DivRound(b, prec), x.DivRound(y, prec), "%s / %s to %d", a, b, prec) {
				divOks++
			}
		}
		require.Equal(t, a.LessThan(b), lessThan(a, b), "%s < %s", a, b)
		if c, ok := x.Cmp(y); ok {
			require.Equal(t, a.Cmp(b), c, "%s cmp %s", a, b)
		}
	}
	require.Greater(t, oks, total/4, "the fixed path is taken")
	require.Greater(t, divOks, divs/10, "the fixed path of DivRound is taken")
	// sums and differences past the int64 limits once aligned
	for _, tc := range [][2]int64{{922337000000000, 999999000000000}, {-922337000000000, -999999000000000},
		{922337000000000, -999999000000000}, {-922337000000000, 999999000000000}} {
		a, b := decimal.New(tc[0], 4), decimal.New(tc[1], 0)
		x, y := fixedOf(a), fixedOf(b)
		require.True(t, x.ok && y.ok, "%s %s", a, b)
		sameDecimal(t, a.Add(b), x.Add(y), "%s + %s", a, b)
		sameDecimal(t, a.Sub(b), x.Sub(y), "%s − %s", a, b)
	}
	for _, tc := range []struct{ give, want string }{
		{"18000", "18000"}, {"0.55", "0.55"}, {"2500.00", "2500.00"}, {"0", "0"}, {"-1.5", "-1.5"},
	} {
		d := decimal.RequireFromString(tc.give)
		require.True(t, sameDecimal(t, d, fixedOf(d), "%s", tc.give), tc.give)
	}
}

// FuzzFixedMatchesDecimal is TestFixedMatchesDecimal on operands the fuzzer picks.
func FuzzFixedMatchesDecimal(f *testing.F) {
	f.Add(int64(1800000), int8(-2), int64(55), int8(-2), uint8(2))
	f.Add(int64(922337000000000), int8(4), int64(-999999000000000), int8(0), uint8(16))
	f.Fuzz(func(t *testing.T, ac int64, ae int8, bc int64, be int8, places uint8) {
		a, b := decimal.New(ac, int32(ae)), decimal.New(bc, int32(be))
		x, y, p := fixedOf(a), fixedOf(b), int32(places%24)-2
		sameDecimal(t, a.Mul(b), x.Mul(y), "%s × %s", a, b)
		sameDecimal(t, a.Add(b), x.Add(y), "%s + %s", a, b)
		sameDecimal(t, a.Sub(b), x.Sub(y), "%s − %s", a, b)
		sameDecimal(t, a.Round(p), x.Round(p), "%s round %d", a, p)
		sameDecimal(t, a.Mul(b).Round(p), x.MulRound(y, p), "%s × %s round %d", a, b, p)
		if !b.IsZero() {
			sameDecimal(t, a.DivRound(b, p), x.DivRound(y, p), "%s / %s to %d", a, b, p)
		}
		require.Equal(t, a.LessThan(b), lessThan(a, b), "%s < %s", a, b)
	})
}

// TestFloatFixedMatchesNewFromFloat compares floatFixed with decimal.NewFromFloat,
// representation included, over probabilities, capital charges, APRs, whole numbers and
// arbitrary bit patterns.
func TestFloatFixedMatchesNewFromFloat(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	draws := []func() float64{
		rng.Float64,
		func() float64 { return rng.Float64() * 1e-4 },
		func() float64 { return 12.5 * rng.Float64() * 0.3 },
		func() float64 { return float64(rng.IntN(2000000)) / 1000 },
		func() float64 { return float64(rng.Int64N(1 << 53)) },
		func() float64 { return -rng.NormFloat64() * 1e6 },
		func() float64 {
			for {
				if x := math.Float64frombits(rng.Uint64()); !math.IsNaN(x) && !math.IsInf(x, 0) {
					return x
				}
			}
		},
	}
	for _, x := range []float64{0, math.Copysign(0, -1), 1, 100, 0.1, 0.5, 1e-300, 5e-324, math.MaxFloat64, -2.5e-7} {
		requireFloatFixed(t, x)
	}
	for range 200000 {
		requireFloatFixed(t, draws[rng.IntN(len(draws))]())
	}
	for _, x := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		require.False(t, floatFixed(x).ok, "%v", x)
	}
}

func requireFloatFixed(t *testing.T, x float64) {
	t.Helper()
	got := floatFixed(x)
	require.True(t, got.ok, "%v", x)
	want := decimal.NewFromFloat(x)
	d, _ := got.decimal()
	require.Equal(t, want.Exponent(), d.Exponent(), "%v", x)
	require.Equal(t, want.Coefficient().String(), d.Coefficient().String(), "%v", x)
}

// TestMulRoundMatchesDecimal: an amount times a float's decimal, rounded to the cent, as
// RWA and ExpectedLoss compute it, and arbitrary operands, against decimal.
func TestMulRoundMatchesDecimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	var oks int
	for i := range 300000 {
		if i%2 == 0 {
			a := decimal.New(rng.Int64N(1_000_000_000_000_000), -int32(rng.IntN(3)))
			f := rng.Float64() * math.Pow(10, -float64(rng.IntN(8)))
			if sameDecimal(t, a.Mul(decimal.NewFromFloat(f)).Round(2), fixedOf(a).MulRound(floatFixed(f), 2), "%s × %v to the cent", a, f) {
				oks++
			}
			continue
		}
		a, b, p := randomDecimal(rng), randomDecimal(rng), int32(rng.IntN(24))-2
		sameDecimal(t, a.Mul(b).Round(p), fixedOf(a).MulRound(fixedOf(b), p), "%s × %s round %d", a, b, p)
	}
	require.Greater(t, oks, 100000, "amounts times ordinary fractions take the fixed path")
}

// FuzzFloatFixed is TestFloatFixedMatchesNewFromFloat on the fuzzer's floats.
func FuzzFloatFixed(f *testing.F) {
	f.Add(0.0123)
	f.Add(5e-324)
	f.Fuzz(func(t *testing.T, x float64) {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			require.False(t, floatFixed(x).ok)
			return
		}
		requireFloatFixed(t, x)
	})
}
