package tree

import (
	"math"
	"math/big"

	"github.com/shopspring/decimal"
)

// maxAmountCents is MaxAmount in hundredths.
const maxAmountCents = int64(1e17)

// MaxAmount returns the largest exposure or limit one node may carry: 10^15 currency units.
// Subtree totals are held exactly up to about 9.2×10^16; beyond that an update fails with
// ErrOverflow.
func MaxAmount() decimal.Decimal { return decimal.New(maxAmountCents, -2) }

// toCents converts a money amount to whole hundredths (分). Amounts are held internally as
// int64 hundredths so that roll-ups cost no allocation; an amount finer than 0.01, negative or
// beyond MaxAmount is refused.
func toCents(field string, d decimal.Decimal) (int64, error) {
	switch d.Sign() {
	case -1:
		return 0, &AmountError{Field: field, Amount: d, Err: ErrNegative}
	case 0:
		return 0, nil // 0e999999999 too, without building 10^999999999
	}
	var c int64
	switch exp := d.Exponent(); {
	case exp >= -2 && exp <= 0:
		// Up to 17 digits the coefficient is an int64 (NumDigits may be one short just below a
		// power of ten, so 17 means below 10^18) and reading it does not allocate; longer
		// coefficients take the copying path.
		if d.NumDigits() <= 17 {
			c = d.CoefficientInt64()
		} else {
			co := d.Coefficient()
			if !co.IsInt64() {
				return 0, &AmountError{Field: field, Amount: d, Err: ErrOverflow}
			}
			c = co.Int64()
		}
		switch exp {
		case 0:
			if c > maxAmountCents/100 {
				return 0, &AmountError{Field: field, Amount: d, Err: ErrOverflow}
			}
			c *= 100
		case -1:
			if c > maxAmountCents/10 {
				return 0, &AmountError{Field: field, Amount: d, Err: ErrOverflow}
			}
			c *= 10
		}
	case exp > 17: // a coefficient of at least 1 makes 10^18 or more
		return 0, &AmountError{Field: field, Amount: d, Err: ErrOverflow}
	case -2-int(exp) > d.NumDigits()+1:
		// Whole hundredths need the coefficient to end in −exp−2 zeros, so to have more
		// digits than that (NumDigits may count one short); checked before IsInteger, which
		// divides by ten once per place.
		return 0, &AmountError{Field: field, Amount: d, Err: ErrPrecision}
	default:
		s := d.Shift(2)
		if !s.IsInteger() {
			return 0, &AmountError{Field: field, Amount: d, Err: ErrPrecision}
		}
		bi := s.BigInt()
		if !bi.IsInt64() {
			return 0, &AmountError{Field: field, Amount: d, Err: ErrOverflow}
		}
		c = bi.Int64()
	}
	if c > maxAmountCents {
		return 0, &AmountError{Field: field, Amount: d, Err: ErrOverflow}
	}
	return c, nil
}

// fromCents converts hundredths back to a decimal.
func fromCents(c int64) decimal.Decimal { return decimal.New(c, -2) }

// addCents adds two non-negative sums of hundredths, reporting overflow.
func addCents(a, b int64) (int64, bool) {
	if b > 0 && a > math.MaxInt64-b {
		return 0, false
	}
	if b < 0 && a < math.MinInt64-b {
		return 0, false
	}
	return a + b, true
}

// bigCents sums hundredths without overflow, for reports over many customers.
func bigCents(sum *big.Int, c int64) { sum.Add(sum, big.NewInt(c)) }

func fromBigCents(sum *big.Int) decimal.Decimal { return decimal.NewFromBigInt(sum, -2) }
