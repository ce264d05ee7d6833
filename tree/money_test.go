package tree

import (
	"errors"
	"math/big"
	mrand "math/rand"
	"math/rand/v2"
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

// randSource adapts math/rand/v2 to the math/rand source big.Int.Rand takes.
type randSource struct{ rng *rand.Rand }

func (r *randSource) Int63() int64 { return int64(r.rng.Uint64() >> 1) }
func (r *randSource) Seed(int64)   {}
