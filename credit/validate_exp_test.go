package credit

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFactsRefuseHostileExponents: an amount written with a huge exponent, zero and tiny
// ones included, is refused by Validate (so by DecodeFacts and Assess) before any
// arithmetic; Assess used to spend minutes building the power of ten they stand for.
func TestFactsRefuseHostileExponents(t *testing.T) {
	for _, tt := range []struct{ path, value string }{
		{"income.monthly", "0e999999999"}, {"income.monthly", "0e-999999999"},
		{"capacity.property_value", "1e-999999999"}, {"bureau.amount_overdue", "0e99999"},
		{"enterprise.bureau.amount_overdue", "1e-13"}, {"request.amount", "1e-999999999"},
		{"request.amount", "0.0000000000001"},
	} {
		t.Run(tt.path+"="+tt.value, func(t *testing.T) {
			f := applicant(t)
			d := decimal.RequireFromString(tt.value)
			switch tt.path {
			case "income.monthly":
				f.Income.Monthly = &d
			case "capacity.property_value":
				f.Capacity.PropertyValue = &d
			case "bureau.amount_overdue":
				f.Bureau.AmountOverdue = &d
			case "enterprise.bureau.amount_overdue":
				f.Enterprise.Bureau.AmountOverdue = &d
			case "request.amount":
				f.Request.Amount = &d
			}
			var ve *ValidationError
			require.ErrorAs(t, f.Validate(), &ve)
			require.Len(t, ve.Problems, 1)
			assert.Equal(t, Problem{Path: tt.path, Rule: "scale",
				Message:   "must have at most 12 decimal places and an exponent of at most 15",
				MessageZH: "最多 12 位小数，指数不能超过 15"}, ve.Problems[0])
			_, err := assessor(t, "individual", Config{}).Assess(f)
			require.ErrorAs(t, err, &ve)
		})
	}
	for _, ok := range []string{"0", "0.000000000001", "1e15", "0e15", "18000.50"} {
		f := applicant(t)
		d := decimal.RequireFromString(ok)
		f.Capacity.LiquidAssets = &d
		assert.NoError(t, f.Validate(), ok)
	}
}

// TestDecodeFactsRefusesOverlongNumbers: a number of thousands of digits, which would take
// time in the square of its length to parse, is refused before it is parsed.
func TestDecodeFactsRefusesOverlongNumbers(t *testing.T) {
	long := "1" + strings.Repeat("7", maxDigits)
	for _, doc := range []string{`{"income":{"monthly":"` + long + `"}}`, `{"income":{"monthly":` + long + `}}`,
		`{"bureau":{"utilisation":0.` + long + `}}`} {
		_, err := DecodeFacts([]byte(doc))
		require.ErrorIs(t, err, ErrInvalid)
		assert.Contains(t, err.Error(), "more than 1000 digits")
	}
	_, err := ParseScorecard([]byte(`{"name":"` + long + `"}`))
	require.ErrorIs(t, err, ErrInvalid)
	assert.Contains(t, err.Error(), "more than 1000 digits")
	// A long exact decimal expansion of a float, as some serialisers write, is fine.
	f, err := DecodeFacts([]byte(`{"bureau":{"utilisation":0.419999999999999984456877655247808434069156646728515625}}`))
	require.NoError(t, err)
	assert.InDelta(t, 0.42, *f.Bureau.Utilisation, 1e-15)
}
