package credit

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNormal(t *testing.T) {
	assert.InDelta(t, 0.5, NormCDF(0), 1e-15)
	assert.InDelta(t, 0.975002104851780, NormCDF(1.96), 1e-12)
	assert.InDelta(t, 3.090232306167813, NormInv(0.999), 1e-12)
	assert.InDelta(t, -2.326347874040841, NormInv(0.01), 1e-12)
}

func TestCapitalKHandComputed(t *testing.T) {
	// Hand computation, corporate PD 1%, LGD 45%, M 2.5:
	// R = 0.12·w + 0.24·(1 − w), w = (1 − e^−0.5)/(1 − e^−50) = 0.393469 → R = 0.192784;
	// b = (0.11852 − 0.05478·ln 0.01)² = 0.137486;
	// K = [0.45·N((G(0.01) + √R·G(0.999))/√(1−R)) − 0.0045] · 1/(1 − 1.5b) = 0.073853.
	tests := []struct {
		name     string
		class    AssetClass
		pd, lgd  float64
		maturity float64
		want     float64
	}{
		{"corporate M 2.5", Corporate, 0.01, 0.45, 2.5, 0.0738534411},
		{"corporate M 1", Corporate, 0.01, 0.45, 1, 0.0586227053},
		{"corporate M clamped to 1", Corporate, 0.01, 0.45, 0.25, 0.0586227053},
		{"residential mortgage", ResidentialMortgage, 0.01, 0.25, 0, 0.0250661891},
		{"qualifying revolving", QualifyingRevolving, 0.02, 0.85, 0, 0.0437057221},
		{"other retail", OtherRetail, 0.02, 0.45, 0, 0.0463891544},
		{"defaulted", Corporate, 1, 0.45, 2.5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := CapitalK(tt.class, tt.pd, tt.lgd, tt.maturity)
			require.NoError(t, err)
			assert.InDelta(t, tt.want, k, 1e-9)
		})
	}
	floored, err := CapitalK(QualifyingRevolving, 0, 0.85, 0)
	require.NoError(t, err)
	atFloor, err := CapitalK(QualifyingRevolving, 0.001, 0.85, 0)
	require.NoError(t, err)
	assert.InDelta(t, atFloor, floored, 1e-15, "PD raised to the 0.10% floor")
	assert.InDelta(t, 0.192783679, Correlation(Corporate, 0.01), 1e-9)
}

func TestCapitalKRejects(t *testing.T) {
	_, err := CapitalK(0, math.NaN(), 2, math.Inf(1))
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Len(t, ve.Problems, 3)
}

func TestRWAAndExpectedLoss(t *testing.T) {
	// RWA = 12.5 · 0.0738534411 · 1 000 000 = 923 168.01; EL = 0.01 · 0.45 · 1 000 000 = 4 500.
	assert.Equal(t, "923168.01", RWA(0.0738534411, dec("1000000")).StringFixed(2))
	el, err := ExpectedLoss(0.01, 0.45, dec("1000000"))
	require.NoError(t, err)
	assert.Equal(t, "4500.00", el.StringFixed(2))
	_, err = ExpectedLoss(1.5, 0.45, dec("1"))
	require.ErrorIs(t, err, ErrInvalid)
}
