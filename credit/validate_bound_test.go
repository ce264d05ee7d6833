package credit_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/credit"
)

// TestDecodeFactsBoundsAmounts checks that huge amounts, which would make an assessment's
// decimal arithmetic run for seconds, are refused with the field named.
func TestDecodeFactsBoundsAmounts(t *testing.T) {
	tests := []struct {
		name, json, path string
	}{
		{"income", `{"income":{"monthly":"1e999999"}}`, "income.monthly"},
		{"request", `{"request":{"amount":"1e16","term_months":12}}`, "request.amount"},
		{"overdue", `{"bureau":{"amount_overdue":"1000000000000001"}}`, "bureau.amount_overdue"},
		{"liquid assets", `{"capacity":{"liquid_assets":"2e15"}}`, "capacity.liquid_assets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := credit.DecodeFacts([]byte(tt.json))
			var ve *credit.ValidationError
			require.True(t, errors.As(err, &ve), "got %v", err)
			assert.Contains(t, err.Error(), tt.path)
		})
	}
	_, err := credit.DecodeFacts([]byte(`{"income":{"monthly":"1000000000000000"}}`))
	assert.NoError(t, err, "10^15 itself is allowed")
}
