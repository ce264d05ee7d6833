package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/credit"
)

// germanCredit is the UCI German credit data kept by package credit/fit (see its
// testdata/ATTRIBUTION.md).
const germanCredit = "../../credit/fit/testdata/german_credit.csv"

// TestFit fits a card on the German credit data with 5-fold cross-validation. The golden
// report was read through: the checking-account status has by far the highest IV
// ("suspicious", as in the literature), eight weak characteristics are dropped for low IV,
// and the in-sample AUC (0.82) is above the cross-validated one (0.79), as it must be.
func TestFit(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "card.json")
	code, stdout, stderr := runWith([]string{"fit", "--in", germanCredit, "--target", "creditability", "--out", out, "--cv", "5",
		"--rename", "duration_in_month=request.term_months", "--rename", "credit_amount=request.amount", "--rename", "age_in_years=profile.age"}, "")
	require.Equal(t, exitOK, code, stderr)
	golden(t, "fit.golden.txt", strings.ReplaceAll(stdout, out, "card.json"))

	data, err := os.ReadFile(out)
	require.NoError(t, err)
	card, err := credit.ParseScorecard(data)
	require.NoError(t, err, "the card is sealed and valid")
	assert.Len(t, card.Characteristics, 12)

	// card show reads it back.
	code, stdout, stderr = runWith([]string{"card", "show", out}, "")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "status_of_existing_checking_account")
	assert.Contains(t, stdout, "RC01")
}

// TestFitCardScoresApplicants fits only credit facts, so creditkit score can use the card.
func TestFitCardScoresApplicants(t *testing.T) {
	code, card, stderr := runWith([]string{"fit", "--in", germanCredit, "--target", "creditability", "--out", "-",
		"--rename", "duration_in_month=request.term_months", "--rename", "credit_amount=request.amount", "--rename", "age_in_years=profile.age",
		"--characteristics", "request.term_months,request.amount,profile.age", "--model-id", "german-3", "--version", "7"}, "")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stderr, "Wrote standard output: card german-3 7")
	assert.NotContains(t, stderr, "creditkit score cannot use it")

	dir := t.TempDir()
	path := writeFile(t, dir, "german-3.json", card)
	code, stdout, stderr := runWith([]string{"score", "--card", path, "--in", "testdata/applicants.csv", "--out", "-", "--score-only", "--allow-rejects"}, "")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stderr, "card german-3 7")
	assert.Len(t, parseCSV(t, stdout), 12)
}

func TestFitErrors(t *testing.T) {
	dir := t.TempDir()
	oneClass := writeFile(t, dir, "one.csv", "x,y\n1,good\n2,good\n3,good\n")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no flags", []string{"fit"}, exitUsage, "--in, --target, --out required"},
		{"cv 1", []string{"fit", "--in", germanCredit, "--target", "creditability", "--out", "-", "--cv", "1"}, exitUsage, "--cv must be 0 or at least 2"},
		{"bad rename", []string{"fit", "--in", germanCredit, "--target", "creditability", "--out", "-", "--rename", "x"}, exitUsage, "want OLD=NEW"},
		{"bad comma", []string{"fit", "--in", germanCredit, "--target", "creditability", "--out", "-", "--comma", ";;"}, exitUsage, "--comma must be one character"},
		{"unknown target", []string{"fit", "--in", germanCredit, "--target", "status", "--out", "-"}, exitError, "status"},
		{"rename unknown", []string{"fit", "--in", germanCredit, "--target", "creditability", "--out", "-", "--rename", "x=y"}, exitError, "--rename x=y"},
		{"one class", []string{"fit", "--in", oneClass, "--target", "y", "--out", "-"}, exitError, "only one class"},
		{"missing file", []string{"fit", "--in", "nope.csv", "--target", "y", "--out", "-"}, exitError, "nope.csv"},
		{"empty file", []string{"fit", "--in", writeFile(t, dir, "empty.csv", ""), "--target", "y", "--out", "-"}, exitError, "no data rows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runWith(tt.args, "")
			assert.Equal(t, tt.code, code, stderr)
			assert.Contains(t, stderr, tt.want)
			assert.NotContains(t, stdout, `"model_id"`, "no card written")
		})
	}
}
