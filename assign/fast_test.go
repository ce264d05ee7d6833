package assign

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
)

// scaledRef is the plain math/big definition the fast path of scaled must agree with.
func scaledRef(d decimal.Decimal) (int64, bool) {
	s := d.Shift(authorityScale)
	if !s.IsInteger() || s.Abs().Cmp(decimal.New(1, 18)) >= 0 {
		return 0, false
	}
	return s.IntPart(), true
}

func decimalSamples() []decimal.Decimal {
	r := rand.New(rand.NewPCG(8, 9))
	var ds []decimal.Decimal
	for _, s := range []string{"0", "-0", "0e30", "0.00000", "1", "-1", "0.0001", "0.00001", "0.00010",
		"99999999999999.9999", "100000000000000", "-99999999999999.9999", "999999999999999", "1e13", "1e14",
		"1e15", "123456789012345e-4", "123456789012345e-5", "123456789012340e-5", "9007199254740993",
		"1e22", "1e23", "1.5e-22", "3e-23", "12345678901234567890.5", "0.1", "0.3", "5e-324", "1e308"} {
		ds = append(ds, decimal.RequireFromString(s))
	}
	n := 20000
	if testing.Short() {
		n = 3000
	}
	for range n {
		digits := 1 + r.IntN(18)
		c := r.Int64N(pow10i[digits])
		if r.IntN(2) == 0 {
			c = -c
		}
		ds = append(ds, decimal.New(c, int32(r.IntN(50)-25)))
	}
	return ds
}

func TestScaledMatchesDecimal(t *testing.T) {
	for _, d := range decimalSamples() {
		got, gotOK := scaled(d)
		want, wantOK := scaledRef(d)
		require.Equal(t, wantOK, gotOK, "%s", d)
		require.Equal(t, want, got, "%s", d)
	}
}

func TestToFloatMatchesDecimal(t *testing.T) {
	for _, d := range decimalSamples() {
		got, want := toFloat(d), d.InexactFloat64()
		require.Equal(t, math.Float64bits(want), math.Float64bits(got), "%s: %v vs %v", d, got, want)
	}
}
