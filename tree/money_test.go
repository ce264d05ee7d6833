package tree

import (
	"errors"
	"math/big"
	mrand "math/rand"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
)

// refToCents is toCents as first written: the coefficient always read through a big.Int.
func refToCents(d decimal.Decimal) (int64, error) {
	if d.Sign() < 0 {
		return 0, ErrNegative
	}
	var c int64
	switch exp := d.Exponent(); {
	case exp >= -2 && exp <= 0:
		co := d.Coefficient()
		if !co.IsInt64() {
			return 0, ErrOverflow
		}
		c = co.Int64()
		switch exp {
		case 0:
			if c > maxAmountCents/100 {
				return 0, ErrOverflow
			}
			c *= 100
		case -1:
			if c > maxAmountCents/10 {
				return 0, ErrOverflow
			}
			c *= 10
		}
	default:
		s := d.Shift(2)
		if !s.IsInteger() {
			return 0, ErrPrecision
		}
		bi := s.BigInt()
		if !bi.IsInt64() {
			return 0, ErrOverflow
		}
		c = bi.Int64()
	}
	if c > maxAmountCents {
		return 0, ErrOverflow
	}
	return c, nil
}

// TestToCentsMatchesReference draws coefficients of every length, with extra weight just
// below and above powers of ten and int64's limit, and exponents around the cent.
func TestToCentsMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pow := func(k int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(k)), nil) }
	for range 200000 {
		var co *big.Int
		switch k := rng.IntN(22); rng.IntN(3) {
		case 0: // near a power of ten
			co = new(big.Int).Add(pow(k), big.NewInt(int64(rng.IntN(5)-2)))
		case 1: // near int64's limit
			co = new(big.Int).Add(big.NewInt(1<<62), new(big.Int).Lsh(big.NewInt(int64(rng.IntN(5))), 61))
		default:
			co = new(big.Int).Rand(mrand.New(&randSource{rng}), pow(k))
		}
		if co.Sign() < 0 && rng.IntN(2) == 0 {
			co.Neg(co)
		}
		d := decimal.NewFromBigInt(co, int32(rng.IntN(6)-4))
		want, wantErr := refToCents(d)
		got, err := toCents("x", d)
		require.Equal(t, want, got, "%s", d)
		if wantErr == nil {
			require.NoError(t, err, "%s", d)
		} else {
			require.True(t, errors.Is(err, wantErr), "%s: %v, want %v", d, err, wantErr)
		}
	}
}

// TestToCentsRefusesHostileExponents: amounts whose exponent would make the reference
// build a power of ten with millions of digits are answered at once, and the same as
// the reference where it is cheap.
func TestToCentsRefusesHostileExponents(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		err  error
	}{
		{"0e999999999", 0, nil}, {"0e-999999999", 0, nil}, {"1e999999999", 0, ErrOverflow},
		{"1e-999999999", 0, ErrPrecision}, {"-1e999999999", 0, ErrNegative}, {"1e18", 0, ErrOverflow}, {"1e17", 0, ErrOverflow},
		{"1e14", 1e16, nil}, {"1000e-5", 1, nil}, {"100000e-7", 1, nil}, {"1e-3", 0, ErrPrecision},
		{"123400000000000000000000e-22", 1234, nil}, {"1234e-30", 0, ErrPrecision},
	} {
		d := decimal.RequireFromString(c.in)
		got, err := toCents("x", d)
		require.Equal(t, c.want, got, c.in)
		require.ErrorIs(t, err, c.err, c.in)
		if err != nil {
			require.Less(t, len(err.Error()), 100, c.in) // the message does not spell the amount out
		}
		if len(c.in) < 40 && !strings.Contains(c.in, "99999") {
			want, wantErr := refToCents(d)
			require.Equal(t, want, got, c.in)
			require.ErrorIs(t, err, wantErr, c.in)
		}
	}
}

// randSource adapts math/rand/v2 to the math/rand source big.Int.Rand takes.
type randSource struct{ rng *rand.Rand }

func (r *randSource) Int63() int64 { return int64(r.rng.Uint64() >> 1) }
func (r *randSource) Seed(int64)   {}
