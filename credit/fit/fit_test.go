package fit_test

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/credit/fit"
)

func load(t testing.TB, name string) *fit.Table {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	require.NoError(t, err)
	defer f.Close()
	tb, err := fit.ReadCSV(f, fit.CSVConfig{})
	require.NoError(t, err)
	return tb
}

func german(t testing.TB) *fit.Table     { return load(t, "german_credit.csv") }
func creditData(t testing.TB) *fit.Table { return load(t, "credit_data.csv") }

var (
	germanCfg     = fit.Config{Target: "creditability"}
	creditDataCfg = fit.Config{Target: "Status"}
)

// TestCrossValidatedAUC asserts the figures: German credit 10-fold AUC ≥ 0.78,
// credit_data 5-fold AUC ≥ 0.83.
func TestCrossValidatedAUC(t *testing.T) {
	if testing.Short() {
		t.Skip("TestHoldOutAUC asserts a real AUC under -short")
	}
	tests := []struct {
		name  string
		table *fit.Table
		cfg   fit.Config
		folds int
		want  float64
	}{
		{"german credit", german(t), germanCfg, 10, 0.78},
		{"credit_data", creditData(t), creditDataCfg, 5, 0.83},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := fit.CrossValidate(tt.table, tt.cfg, tt.folds, 1)
			require.NoError(t, err)
			require.Len(t, res.Folds, tt.folds)
			t.Logf("mean AUC %.4f ± %.4f, pooled %.4f, Gini %.4f, KS %.4f", res.MeanAUC, res.StdAUC, res.PooledAUC, res.MeanGini, res.MeanKS)
			assert.GreaterOrEqual(t, res.MeanAUC, tt.want)
			assert.GreaterOrEqual(t, res.PooledAUC, tt.want)
			assert.InDelta(t, 2*res.MeanAUC-1, res.MeanGini, 1e-12)
		})
	}
}

// TestHoldOutAUC is the cheap check that still runs under -short: fit credit_data on four
// rows in five and score the fifth.
func TestHoldOutAUC(t *testing.T) {
	tb := creditData(t)
	var train, test []int
	for i := range tb.Rows {
		if i%5 == 0 {
			test = append(test, i)
		} else {
			train = append(train, i)
		}
	}
	tr, err := tb.Subset(train)
	require.NoError(t, err)
	te, err := tb.Subset(test)
	require.NoError(t, err)
	m, err := fit.Fit(tr, creditDataCfg)
	require.NoError(t, err)
	scores, err := m.Score(te)
	require.NoError(t, err)
	bad := flags(t, te, "Status", "bad")
	auc, err := fit.AUC(scores, bad)
	require.NoError(t, err)
	t.Logf("hold-out AUC %.4f", auc)
	assert.GreaterOrEqual(t, auc, 0.82)
	_, err = tb.Subset([]int{tb.Rows})
	require.ErrorIs(t, err, fit.ErrLength)
}

func TestCrossValidateDeterministic(t *testing.T) {
	tb := german(t)
	a, err := fit.CrossValidate(tb, germanCfg, 5, 42)
	require.NoError(t, err)
	b, err := fit.CrossValidate(tb, germanCfg, 5, 42)
	require.NoError(t, err)
	assert.Equal(t, a, b)
	c, err := fit.CrossValidate(tb, germanCfg, 5, 43)
	require.NoError(t, err)
	assert.NotEqual(t, a.Folds, c.Folds)
}

func TestFitDeterministic(t *testing.T) {
	tb := creditData(t)
	a, err := fit.Fit(tb, creditDataCfg)
	require.NoError(t, err)
	b, err := fit.Fit(tb, creditDataCfg)
	require.NoError(t, err)
	ca, err := a.Scorecard()
	require.NoError(t, err)
	cb, err := b.Scorecard()
	require.NoError(t, err)
	assert.Equal(t, ca.SHA256, cb.SHA256)
}

func TestFitGerman(t *testing.T) {
	tb := german(t)
	m, err := fit.Fit(tb, germanCfg)
	require.NoError(t, err)

	// IV table: the checking account status is the strongest; useless ones are dropped.
	ivs := m.IVTable()
	require.Len(t, ivs, 20)
	assert.Equal(t, "status_of_existing_checking_account", ivs[0].Name)
	for _, r := range ivs {
		assert.False(t, r.IV < 0.02 && r.Selected, r.Name)
		assert.NotEqual(t, r.Selected, isDropped(m, r.Name), r.Name)
		assert.False(t, math.IsNaN(r.IV) || math.IsInf(r.IV, 0))
	}
	for _, d := range m.Drops {
		if d.Reason == fit.DropLowIV {
			assert.Less(t, ivOf(m, d.Name), 0.02)
		}
	}

	// Every slope is negative under WoE = ln(good share / bad share).
	require.Len(t, m.Coefficients, len(m.Card)+1)
	for _, c := range m.Coefficients[1:] {
		assert.Negative(t, c.Estimate, c.Name)
		assert.Positive(t, c.StdErr)
		assert.InDelta(t, c.Estimate/c.StdErr, c.Z, 1e-9)
		assert.True(t, c.PValue >= 0 && c.PValue <= 1)
	}

	// Numeric bins: at most 20, monotone bad rate, each range ≥ 5% of rows.
	for _, b := range m.Binnings {
		if b.Kind != fit.Numeric {
			continue
		}
		var prev float64 = -1
		for _, bin := range b.Bins {
			if bin.Missing || bin.Special != nil {
				continue
			}
			assert.GreaterOrEqual(t, bin.Goods+bin.Bads, 50, b.Name)
			r := bin.BadRate()
			if prev >= 0 {
				if b.Trend == fit.Ascending {
					assert.Greater(t, r, prev, b.Name)
				} else {
					assert.Less(t, r, prev, b.Name)
				}
			}
			prev = r
		}
	}

	// Training AUC of the points.
	scores, err := m.Score(tb)
	require.NoError(t, err)
	bad := flags(t, tb, "creditability", "bad")
	auc, err := fit.AUC(scores, bad)
	require.NoError(t, err)
	assert.Greater(t, auc, 0.8)
}

func isDropped(m *fit.Model, name string) bool {
	for _, d := range m.Drops {
		if d.Name == name {
			return true
		}
	}
	return false
}

func ivOf(m *fit.Model, name string) float64 {
	for _, b := range m.Binnings {
		if b.Name == name {
			return b.IV
		}
	}
	return math.NaN()
}

func flags(t testing.TB, tb *fit.Table, col, badLabel string) []bool {
	t.Helper()
	c, ok := tb.Column(col)
	require.True(t, ok)
	out := make([]bool, tb.Rows)
	for i := range out {
		out[i] = c.Cat[i] == badLabel
	}
	return out
}

// TestPointsMatchScaling checks the PDO scaling: before rounding, the sum of points is
// offset + factor·ln(odds) of the regression's PD.
func TestPointsMatchScaling(t *testing.T) {
	tb := creditData(t)
	cfg := creditDataCfg
	cfg.Decimals = 6
	cfg.Scaling = credit.Scaling{BaseScore: 500, BaseOdds: 20, PDO: 40}
	m, err := fit.Fit(tb, cfg)
	require.NoError(t, err)
	scores, err := m.Score(tb)
	require.NoError(t, err)
	// Reference: logit from coefficients and WoE, row 0.
	eta := m.Coefficients[0].Estimate
	for j, b := range m.Card {
		c, _ := tb.Column(b.Name)
		eta += m.Coefficients[j+1].Estimate * woeOfRow(b, c, 0)
	}
	want := cfg.Scaling.Offset() - cfg.Scaling.Factor()*eta
	assert.InDelta(t, want, scores[0], 1e-4)
	assert.InDelta(t, 1/(1+math.Exp(-eta)), m.PD(scores[0]), 1e-6)
}

// woeOfRow finds row i's bin by its label semantics (the exported fields only).
func woeOfRow(b *fit.Binning, c *fit.Column, i int) float64 {
	for _, bin := range b.Bins {
		switch {
		case c.Missing[i]:
			if bin.Missing {
				return bin.WoE
			}
		case bin.Missing || bin.Special != nil:
		case bin.Categories != nil:
			for _, v := range bin.Categories {
				if v == c.Cat[i] {
					return bin.WoE
				}
			}
		case c.Num[i] >= bin.Lo && c.Num[i] < bin.Hi:
			return bin.WoE
		}
	}
	return math.NaN()
}

// TestScorecardRoundTrip: the card validates, survives JSON and ParseScorecard, and
// scoring the table with it gives the model's scores.
func TestScorecardRoundTrip(t *testing.T) {
	tb := creditData(t)
	m, err := fit.Fit(tb, creditDataCfg)
	require.NoError(t, err)
	card, err := m.Scorecard()
	require.NoError(t, err)
	require.NoError(t, card.Validate())
	data, err := json.Marshal(card)
	require.NoError(t, err)
	back, err := credit.ParseScorecard(data)
	require.NoError(t, err)
	assert.Equal(t, card, back)
	want, err := m.Score(tb)
	require.NoError(t, err)
	got, err := fit.ScoreTable(back, tb)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	for j, ch := range back.Characteristics {
		assert.Equal(t, fit.ReasonCode(j), ch.Missing.ReasonCode)
	}
	assert.Len(t, back.Reasons, len(back.Characteristics))
}

// TestCreditScorerAgrees fits on columns named after credit variables and checks that
// credit.Compile's scorer gives every applicant the same score as the fitted model.
func TestCreditScorerAgrees(t *testing.T) {
	tb := german(t)
	require.NoError(t, tb.Rename("duration_in_month", "request.term_months"))
	require.NoError(t, tb.Rename("credit_amount", "request.amount"))
	require.NoError(t, tb.Rename("age_in_years", "profile.age"))
	cfg := germanCfg
	cfg.Characteristics = []string{"request.term_months", "request.amount", "profile.age"}
	m, err := fit.Fit(tb, cfg)
	require.NoError(t, err)
	card, err := m.Scorecard()
	require.NoError(t, err)
	model, err := credit.Compile(card)
	require.NoError(t, err)
	want, err := m.Score(tb)
	require.NoError(t, err)
	term, _ := tb.Column("request.term_months")
	amount, _ := tb.Column("request.amount")
	age, _ := tb.Column("profile.age")
	for i := range tb.Rows {
		n, a := int(term.Num[i]), int(age.Num[i])
		amt := decimal.NewFromFloat(amount.Num[i])
		f := credit.Facts{Request: credit.Request{TermMonths: &n, Amount: &amt}, Profile: credit.Profile{Age: &a}}
		require.InDelta(t, want[i], model.Score(&f), 1e-9, "row %d", i+1)
	}
}

func TestBadData(t *testing.T) {
	tests := []struct {
		name   string
		give   string
		cfg    fit.Config
		want   error
		column string
		row    int
	}{
		{"ragged row", "a,y\n1,good\n2\n", fit.Config{Target: "y"}, fit.ErrRaggedRow, "", 2},
		{"text in numeric", "a,y\n1,good\n2,bad\nx,good\n3,bad\n", fit.Config{Target: "y"}, fit.ErrNotNumeric, "a", 3},
		{"constant", "a,b,y\n1,5,good\n1,6,bad\n1,7,good\n1,8,bad\n", fit.Config{Target: "y"}, fit.ErrConstant, "a", 0},
		{"one class", "a,y\n1,good\n2,good\n3,good\n", fit.Config{Target: "y"}, fit.ErrOneClass, "y", 0},
		{"all missing", "a,b,y\nNA,1,good\nNA,2,bad\n,3,good\nNA,4,bad\n", fit.Config{Target: "y"}, fit.ErrAllMissing, "a", 0},
		{"too few rows", "a,b,c,y\n1,2,3,good\n2,3,4,bad\n", fit.Config{Target: "y"}, fit.ErrTooFewRows, "", 0},
		{"bad target", "a,y\n1,good\n2,maybe\n3,bad\n", fit.Config{Target: "y"}, fit.ErrBadTarget, "y", 2},
		{"missing target column", "a,y\n1,good\n2,bad\n", fit.Config{Target: "z"}, fit.ErrUnknownColumn, "z", 0},
		{"unknown characteristic", "a,y\n1,good\n2,bad\n3,good\n", fit.Config{Target: "y", Characteristics: []string{"q"}}, fit.ErrUnknownColumn, "q", 0},
		{"duplicate header", "a,a,y\n1,2,good\n", fit.Config{Target: "y"}, fit.ErrDuplicateColumn, "a", 0},
		{"no rows", "a,y\n", fit.Config{Target: "y"}, fit.ErrNoRows, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := readAndFit(tt.give, tt.cfg)
			require.ErrorIs(t, err, tt.want)
			var te *fit.TableError
			require.ErrorAs(t, err, &te)
			var de *fit.DataError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, tt.column, de.Column)
			assert.Equal(t, tt.row, de.Row)
		})
	}
}

func readAndFit(src string, cfg fit.Config) error {
	tb, err := fit.ReadCSV(strings.NewReader(src), fit.CSVConfig{})
	if err != nil {
		return err
	}
	_, err = fit.Fit(tb, cfg)
	return err
}

func TestEveryProblemAtOnce(t *testing.T) {
	err := readAndFit("a,b,c,y\n1,NA,5,good\n1,NA,6,bad\n1,NA,7,good\n1,NA,8,bad\n1,NA,9,good\n", fit.Config{Target: "y"})
	var te *fit.TableError
	require.ErrorAs(t, err, &te)
	require.Len(t, te.Problems, 2)
	assert.ErrorIs(t, te.Problems[0], fit.ErrConstant)
	assert.ErrorIs(t, te.Problems[1], fit.ErrAllMissing)
}

func TestConfigErrors(t *testing.T) {
	tb := german(t)
	tests := []struct {
		name string
		give fit.Config
	}{
		{"no target", fit.Config{}},
		{"max bins", fit.Config{Target: "creditability", MaxBins: 1}},
		{"min share", fit.Config{Target: "creditability", MinBinShare: 0.9}},
		{"l2", fit.Config{Target: "creditability", L2: -1}},
		{"scaling", fit.Config{Target: "creditability", Scaling: credit.Scaling{BaseScore: 600, BaseOdds: -1, PDO: 20}}},
		{"decimals", fit.Config{Target: "creditability", Decimals: 9}},
		{"trend", fit.Config{Target: "creditability", Trends: map[string]fit.Trend{"age_in_years": 7}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := fit.Fit(tb, tt.give)
			require.ErrorIs(t, err, fit.ErrConfig)
		})
	}
	_, err := fit.CrossValidate(tb, germanCfg, 1, 1)
	require.ErrorIs(t, err, fit.ErrConfig)
}

// TestMissingAndSpecialBins: credit_data's missing values get their own bin with finite WoE;
// a configured special value gets its own bin; a forced trend is obeyed.
func TestMissingAndSpecialBins(t *testing.T) {
	tb := creditData(t)
	cfg := creditDataCfg
	cfg.Special = map[string][]float64{"Assets": {0}}
	cfg.Trends = map[string]fit.Trend{"Age": fit.Ascending}
	m, err := fit.Fit(tb, cfg)
	require.NoError(t, err)
	for _, b := range m.Binnings {
		last := b.Bins[len(b.Bins)-1]
		require.True(t, last.Missing, b.Name)
		for _, bin := range b.Bins {
			assert.False(t, math.IsInf(bin.WoE, 0) || math.IsNaN(bin.WoE), "%s %s", b.Name, bin.Label())
		}
		switch b.Name {
		case "Income":
			assert.Positive(t, last.Goods+last.Bads, "Income has missing values")
		case "Assets":
			sp := b.Bins[len(b.Bins)-2]
			require.NotNil(t, sp.Special)
			assert.Equal(t, "special {0}", sp.Label())
			assert.Positive(t, sp.Goods+sp.Bads)
		case "Age":
			assert.Equal(t, fit.Ascending, b.Trend)
		}
	}
}

func TestCategoricalGrouping(t *testing.T) {
	tb := german(t)
	m, err := fit.Fit(tb, germanCfg)
	require.NoError(t, err)
	for _, b := range m.Binnings {
		if b.Kind != fit.Categorical {
			continue
		}
		prev := -1.0
		seen := map[string]bool{}
		for _, bin := range b.Bins {
			if bin.Missing {
				continue
			}
			assert.GreaterOrEqual(t, bin.Goods+bin.Bads, 50, b.Name) // rare categories merged
			assert.GreaterOrEqual(t, bin.BadRate(), prev, b.Name)    // grouped in bad-rate order
			prev = bin.BadRate()
			for _, c := range bin.Categories {
				assert.False(t, seen[c])
				seen[c] = true
			}
		}
	}
}

func TestOptionsPaths(t *testing.T) {
	tb := german(t)
	tests := []struct {
		name  string
		give  fit.Config
		check func(t *testing.T, m *fit.Model)
	}{
		{"forced categorical", fit.Config{Target: "creditability", Categorical: []string{"installment_rate_in_percentage_of_disposable_income"}},
			func(t *testing.T, m *fit.Model) {
				for _, b := range m.Binnings {
					if b.Name == "installment_rate_in_percentage_of_disposable_income" {
						assert.Equal(t, fit.Categorical, b.Kind)
					}
				}
			}},
		{"max p-value", fit.Config{Target: "creditability", MaxPValue: 0.01},
			func(t *testing.T, m *fit.Model) {
				for _, c := range m.Coefficients[1:] {
					assert.LessOrEqual(t, c.PValue, 0.01, c.Name)
				}
				assert.Contains(t, dropReasons(m), fit.DropInsignificant)
			}},
		{"l2 shrinks", fit.Config{Target: "creditability", L2: 200},
			func(t *testing.T, m *fit.Model) {
				plain, err := fit.Fit(tb, germanCfg)
				require.NoError(t, err)
				var a, b float64
				for _, c := range m.Coefficients[1:] {
					a += c.Estimate * c.Estimate
				}
				for _, c := range plain.Coefficients[1:] {
					b += c.Estimate * c.Estimate
				}
				assert.Less(t, a, b)
			}},
		{"keep all", fit.Config{Target: "creditability", MinIV: -1, MaxCorrelation: 1},
			func(t *testing.T, m *fit.Model) {
				assert.NotContains(t, dropReasons(m), fit.DropCorrelated)
				assert.Len(t, m.Binnings, 20)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := fit.Fit(tb, tt.give)
			require.NoError(t, err)
			tt.check(t, m)
		})
	}
}

func dropReasons(m *fit.Model) []fit.DropReason {
	var out []fit.DropReason
	for _, d := range m.Drops {
		out = append(out, d.Reason)
	}
	return out
}

func TestReasonCodes(t *testing.T) {
	tb := german(t)
	cfg := germanCfg
	cfg.Reasons = map[string]credit.ReasonText{
		"status_of_existing_checking_account": {Code: "CHK", EN: "Checking account status", ZH: "支票账户状况"},
	}
	m, err := fit.Fit(tb, cfg)
	require.NoError(t, err)
	card, err := m.Scorecard()
	require.NoError(t, err)
	for j, ch := range card.Characteristics {
		want := fit.ReasonCode(j)
		if ch.Variable == "status_of_existing_checking_account" {
			want = "CHK"
		}
		for _, b := range ch.Bins {
			assert.Equal(t, want, b.ReasonCode)
		}
		assert.Equal(t, want, card.Reasons[j].Code)
	}

	cfg.Reasons["duration_in_month"] = credit.ReasonText{Code: "CHK"}
	_, err = fit.Fit(tb, cfg)
	require.ErrorIs(t, err, fit.ErrConfig)
}

// TestFittedCardCarriesItsReference: the card of a fit holds the training scores'
// distribution in ten bands, against which the training rows are perfectly stable and a
// sample of the worst applicants is not.
func TestFittedCardCarriesItsReference(t *testing.T) {
	tbl := german(t)
	m, err := fit.Fit(tbl, germanCfg)
	require.NoError(t, err)
	card, err := m.Scorecard()
	require.NoError(t, err)
	require.NotNil(t, card.Reference)
	assert.Equal(t, m.Reference, card.Reference)
	assert.Equal(t, "training sample, 1000 rows", card.Reference.Source)
	assert.Len(t, card.Reference.Shares, 10)
	scores, err := fit.ScoreTable(card, tbl)
	require.NoError(t, err)
	psi, err := card.Reference.PSI(scores)
	require.NoError(t, err)
	assert.InDelta(t, 0, psi, 1e-12)
	sorted := slices.Sorted(slices.Values(scores))
	worst, err := card.Reference.PSI(sorted[:200])
	require.NoError(t, err)
	assert.Greater(t, worst, 0.25, "the lowest fifth of the scores is a shifted population")
}
