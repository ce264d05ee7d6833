package credit

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestAnnuityPaymentHandComputed(t *testing.T) {
	// 100 000 at 12% a year (1% a month) over 12 months: 100000·0.01/(1 − 1.01^−12) = 8884.878867…
	got := AnnuityPayment(dec("100000"), MonthlyRate(1200), 12)
	assert.Equal(t, "8884.88", got.Round(2).String())
	assert.Equal(t, "8333.33", AnnuityPayment(dec("100000"), decimal.Zero, 12).Round(2).String())
	assert.Equal(t, "0.01", MonthlyRate(1200).String())
}

func TestScheduleSumsToTheCent(t *testing.T) {
	tests := []struct {
		name        string
		principal   string
		bp          int64
		months      int
		method      Method
		first, last string
		interest    string
	}{
		// Hand-computed: 11 × 8884.88 + a last instalment of 8884.85 absorbing rounding.
		{"equal instalments", "100000", 1200, 12, EqualInstalments, "8884.88", "8884.85", "6618.53"},
		// Principal 8333.33 a month, the last 8333.37 (+ interest 83.33 = 8416.70).
		{"equal principal", "100000", 1200, 12, EqualPrincipal, "9333.33", "8416.70", "6500.00"},
		// Interest 1000 a month, principal at the end.
		{"interest only", "100000", 1200, 12, InterestOnly, "1000.00", "101000.00", "12000.00"},
		{"zero rate", "1000", 0, 3, EqualInstalments, "333.33", "333.34", "0.00"},
		{"one month", "500.05", 435, 1, EqualPrincipal, "501.86", "501.86", "1.81"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSchedule(dec(tt.principal), tt.bp, tt.months, tt.method)
			require.NoError(t, err)
			require.Len(t, s.Instalments, tt.months)
			assert.Equal(t, tt.first, s.Instalments[0].Payment.StringFixed(2))
			assert.Equal(t, tt.last, s.Instalments[tt.months-1].Payment.StringFixed(2))
			assert.Equal(t, tt.interest, s.TotalInterest.StringFixed(2))
			sum := decimal.Zero
			for _, in := range s.Instalments {
				sum = sum.Add(in.Principal)
				assert.True(t, in.Payment.Equal(in.Principal.Add(in.Interest)))
			}
			assert.True(t, sum.Equal(dec(tt.principal)), "principal repaid %s", sum)
			assert.True(t, s.Instalments[tt.months-1].Balance.IsZero())
			assert.True(t, s.TotalPaid.Equal(sum.Add(s.TotalInterest)))
		})
	}
}

func TestNewScheduleRejects(t *testing.T) {
	_, err := NewSchedule(dec("-1.005"), -1, 0, 0)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Len(t, ve.Problems, 4)
}

func TestMaxPrincipalInvertsTheMethod(t *testing.T) {
	i := MonthlyRate(1200)
	tests := []struct {
		name   string
		method Method
		pay    string
		want   string
	}{
		// 8884.88 · (1 − 1.01^−12)/0.01 = 100 000.0127… → 100 000.01 (rounded down)
		{"equal instalments", EqualInstalments, "8884.88", "100000.01"},
		// 9333.33 / (1/12 + 0.01) = 99 999.96
		{"equal principal", EqualPrincipal, "9333.33", "99999.96"},
		{"interest only", InterestOnly, "1000", "100000.00"},
		{"no capacity", EqualInstalments, "0", "0.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, MaxPrincipal(tt.method, dec(tt.pay), i, 12).StringFixed(2))
		})
	}
	assert.Equal(t, "1200.00", MaxPrincipal(InterestOnly, dec("100"), decimal.Zero, 12).StringFixed(2))
}

func TestAPRByIRR(t *testing.T) {
	s, err := NewSchedule(dec("100000"), 1200, 12, EqualInstalments)
	require.NoError(t, err)
	tests := []struct {
		name string
		fees string
		want string
	}{
		{"no fees: the nominal rate", "0", "0.12"},
		// IRR of −99 000, 11 × 8884.88, 8884.85, found independently: 0.139131 a year.
		{"1000 up front", "1000", "0.139131"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.APR(dec(tt.fees))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.String())
		})
	}
	_, err = s.APR(dec("100000"))
	require.ErrorIs(t, err, ErrInvalid)
	_, err = s.APR(dec("-1"))
	require.ErrorIs(t, err, ErrInvalid)
}
