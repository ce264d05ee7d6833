package fit_test

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/credit/fit"
)

func TestAUCAndGini(t *testing.T) {
	tests := []struct {
		name   string
		scores []float64
		bad    []bool
		want   float64
	}{
		{"perfect", []float64{1, 2, 3, 4}, []bool{true, true, false, false}, 1},
		{"inverted", []float64{1, 2, 3, 4}, []bool{false, false, true, true}, 0},
		{"all tied", []float64{5, 5, 5, 5}, []bool{true, false, true, false}, 0.5},
		// bads 1,3; goods 2,3: pairs (1<2)=1, (1<3)=1, (3>2)=0, (3=3)=½ → 2.5/4
		{"one tie", []float64{1, 2, 3, 3}, []bool{true, false, true, false}, 0.625},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			auc, err := fit.AUC(tt.scores, tt.bad)
			require.NoError(t, err)
			assert.InDelta(t, tt.want, auc, 1e-12)
			g, err := fit.Gini(tt.scores, tt.bad)
			require.NoError(t, err)
			assert.InDelta(t, 2*tt.want-1, g, 1e-12)
		})
	}
}

func TestMetricErrors(t *testing.T) {
	_, err := fit.AUC([]float64{1}, []bool{true, false})
	require.ErrorIs(t, err, fit.ErrLength)
	_, err = fit.AUC([]float64{1, 2}, []bool{true, true})
	require.ErrorIs(t, err, fit.ErrOneClass)
	_, err = fit.AUC([]float64{math.NaN(), 2}, []bool{true, false})
	require.ErrorIs(t, err, fit.ErrConfig)
	_, _, err = fit.KS(nil, nil)
	require.ErrorIs(t, err, fit.ErrLength)
	_, err = fit.Gains([]float64{1, 2}, []bool{true, false}, 0)
	require.ErrorIs(t, err, fit.ErrConfig)
	_, _, err = fit.PSI(nil, []float64{1}, 10)
	require.ErrorIs(t, err, fit.ErrLength)
	_, err = fit.Calibration([]string{"A"}, []float64{0.1, 0.2}, []bool{true})
	require.ErrorIs(t, err, fit.ErrLength)
	_, err = fit.Calibration([]string{"A"}, []float64{1.5}, []bool{true})
	require.ErrorIs(t, err, fit.ErrConfig)
}

func TestKS(t *testing.T) {
	// bads at 1,2; goods at 3,4: after score 2 F_bad = 1, F_good = 0.
	ks, at, err := fit.KS([]float64{1, 2, 3, 4}, []bool{true, true, false, false})
	require.NoError(t, err)
	assert.InDelta(t, 1, ks, 1e-12)
	assert.InDelta(t, 2, at, 0)
	ks, _, err = fit.KS([]float64{1, 2, 3, 4}, []bool{true, false, true, false})
	require.NoError(t, err)
	assert.InDelta(t, 0.5, ks, 1e-12)
}

func TestGains(t *testing.T) {
	scores := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	bad := []bool{true, true, true, false, true, false, false, false, false, false}
	rows, err := fit.Gains(scores, bad, 5)
	require.NoError(t, err)
	require.Len(t, rows, 5)
	assert.Equal(t, fit.GainsRow{MinScore: 1, MaxScore: 2, Count: 2, Bads: 2, Goods: 0, BadRate: 1,
		CumBadShare: 0.5, CumGoodShare: 0, KS: 0.5, Lift: 2.5}, rows[0])
	last := rows[len(rows)-1]
	assert.InDelta(t, 1, last.CumBadShare, 1e-12)
	assert.InDelta(t, 1, last.CumGoodShare, 1e-12)

	// Ties are never split between bands.
	rows, err = fit.Gains([]float64{1, 1, 1, 1, 2, 3}, []bool{true, false, true, false, true, false}, 3)
	require.NoError(t, err)
	assert.Equal(t, 4, rows[0].Count)
}

func TestCalibrationAndBinomial(t *testing.T) {
	groups := []string{"B", "A", "B", "A", "B", "A"}
	pd := []float64{0.5, 0.1, 0.5, 0.1, 0.5, 0.1}
	bad := []bool{true, false, true, false, false, true}
	rows, err := fit.Calibration(groups, pd, bad)
	require.NoError(t, err)
	require.Len(t, rows, 2)
	assert.Equal(t, "A", rows[0].Group)
	assert.InDelta(t, 1.0/3, rows[0].Observed, 1e-12)
	assert.InDelta(t, 0.1, rows[0].Predicted, 1e-12)
	// P(X = k | n=3, p=0.1): 0.729, 0.243, 0.027, 0.001; two-sided at k=1 → all ≤ 0.243.
	assert.InDelta(t, 0.243+0.027+0.001, rows[0].PValue, 1e-9)
	// Symmetric case: n=3, p=0.5, k=2 → 1.
	assert.InDelta(t, 1, rows[1].PValue, 1e-9)
	assert.InDelta(t, 1, fit.BinomialTest(5, 10, 0.5), 1e-12)
	assert.InDelta(t, 2*(1.0/1024+10.0/1024), fit.BinomialTest(1, 10, 0.5), 1e-12)
	assert.True(t, math.IsNaN(fit.BinomialTest(3, 2, 0.5)))
}

func TestPSIAndStability(t *testing.T) {
	base := make([]float64, 1000)
	for i := range base {
		base[i] = float64(i)
	}
	psi, rows, err := fit.PSI(base, base, 10)
	require.NoError(t, err)
	assert.InDelta(t, 0, psi, 1e-12)
	assert.Len(t, rows, 10)
	assert.Equal(t, "stable", fit.Stability(psi))

	shifted := make([]float64, 1000)
	for i := range shifted {
		shifted[i] = float64(i) + 400
	}
	psi, _, err = fit.PSI(base, shifted, 10)
	require.NoError(t, err)
	assert.Greater(t, psi, 0.25)
	assert.False(t, math.IsInf(psi, 0))
	assert.Equal(t, "shifted", fit.Stability(psi))
	assert.Equal(t, "watch", fit.Stability(0.2))
}

func TestCSI(t *testing.T) {
	tb := german(t)
	m, err := fit.Fit(tb, germanCfg)
	require.NoError(t, err)
	rows, err := m.CSI(tb, tb)
	require.NoError(t, err)
	require.Len(t, rows, len(m.Card))
	for _, r := range rows {
		assert.InDelta(t, 0, r.CSI, 1e-12, r.Name)
	}
	// A later population of young applicants only shifts the age characteristic.
	young := german(t)
	ageCol, _ := young.Column("age_in_years")
	for i := range ageCol.Num {
		ageCol.Num[i] = 20
	}
	rows, err = m.CSI(tb, young)
	require.NoError(t, err)
	for _, r := range rows {
		assert.Equal(t, r.Name == "age_in_years", r.CSI > 0.25, r.Name)
	}
}

func TestIVStrength(t *testing.T) {
	tests := []struct {
		give float64
		want string
	}{{0.01, "useless"}, {0.05, "weak"}, {0.2, "medium"}, {0.4, "strong"}, {0.7, "suspicious"}}
	for _, tt := range tests {
		assert.Equal(t, tt.want, fit.Strength(tt.give))
	}
}

// TestLogitAgainstClosedForm: with one binary regressor the logistic MLE is the log odds
// ratio, and its standard error is sqrt(1/a + 1/b + 1/c + 1/d) from the 2×2 table.
func TestLogitAgainstClosedForm(t *testing.T) {
	// x = WoE-like indicator 0/1; counts: x=0: 30 bad, 70 good; x=1: 10 bad, 90 good.
	var sb strings.Builder
	sb.WriteString("g,y\n")
	for i := range 200 {
		g, bad := "a", false
		if i < 100 {
			bad = i < 30
		} else {
			g, bad = "b", i < 110
		}
		y := "good"
		if bad {
			y = "bad"
		}
		sb.WriteString(g + "," + y + "\n")
	}
	tb, err := fit.ReadCSV(strings.NewReader(sb.String()), fit.CSVConfig{})
	require.NoError(t, err)
	m, err := fit.Fit(tb, fit.Config{Target: "y", MinBinShare: 0.1})
	require.NoError(t, err)
	// WoE of the two groups differ by ln(OR); the slope on WoE is therefore −1 exactly.
	require.Len(t, m.Coefficients, 2)
	assert.InDelta(t, -1, m.Coefficients[1].Estimate, 1e-6)
	g := m.Card[0]
	dw := math.Abs(g.Bins[0].WoE - g.Bins[1].WoE)
	se := math.Sqrt(1.0/30+1.0/70+1.0/10+1.0/90) / dw
	assert.InDelta(t, se, m.Coefficients[1].StdErr, 1e-6)
	assert.InDelta(t, math.Erfc(math.Abs(m.Coefficients[1].Z)/math.Sqrt2), m.Coefficients[1].PValue, 1e-12)
}
