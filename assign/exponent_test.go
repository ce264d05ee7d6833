package assign

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Amounts written with an extreme exponent are refused by validation, before any
// comparison, scaling or message could build the power of ten they stand for.
func TestExtremeExponentsAreRefused(t *testing.T) {
	for _, v := range []string{"1e999999999", "-1e999999999", "0e-999999999", "1e-101"} {
		d := decimal.RequireFromString(v)
		c := Case{ApplicationID: "a1", Kind: Individual, Product: Consumer, Amount: d}
		assertScale(t, c.Validate(), "amount", v)

		os, _ := benchTeam(10, 10, 2)
		os[1].Authority = d
		_, err := NewMatcher(os, DefaultRules(), Config{Now: fixedNow})
		assertScale(t, err, "officers[1].authority", v)

		rules := DefaultRules()
		rules.LargeAmount = d
		assertScale(t, rules.Validate(), "large_amount", v)
		rules = DefaultRules()
		rules.Seniority[0].MinAmount = d
		assertScale(t, rules.Validate(), "seniority[0].min_amount", v)
	}
	c := Case{ApplicationID: "a1", Kind: Individual, Product: Consumer, Amount: decimal.RequireFromString("1e30")}
	assert.NoError(t, c.Validate(), "1e30 is an amount, if a large one")
}

func assertScale(t *testing.T, err error, path, value string) {
	t.Helper()
	var ve *ValidationError
	require.ErrorAs(t, err, &ve, value)
	require.NotEmpty(t, ve.Problems, value)
	assert.Equal(t, path, ve.Problems[0].Path, value)
	assert.Equal(t, "scale", ve.Problems[0].Rule, value)
}
