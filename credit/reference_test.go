package credit_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/credit"
)

func TestReference(t *testing.T) {
	scores := make([]float64, 1000)
	for i := range scores {
		scores[i] = 400 + float64(i%200)
	}
	r, err := credit.NewReference(scores, 10, "development sample")
	require.NoError(t, err)
	require.Len(t, r.Shares, 10)
	assert.Equal(t, []float64{420, 440, 460, 480, 500, 520, 540, 560, 580}, r.Edges)
	for _, s := range r.Shares {
		assert.InDelta(t, 0.1, s, 1e-12)
	}
	same, err := r.PSI(scores)
	require.NoError(t, err)
	assert.InDelta(t, 0, same, 1e-12, "the development sample itself is stable")

	// Everybody 40 points lower: two bands gain what two bands lose.
	lower := make([]float64, len(scores))
	for i, s := range scores {
		lower[i] = s - 40
	}
	shifted, err := r.PSI(append(lower, math.NaN()))
	require.NoError(t, err)
	want := 0.0
	for _, a := range []float64{0.3, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.0001, 0.0001} {
		want += (a - 0.1) * math.Log(a/0.1)
	}
	assert.InDelta(t, want, shifted, 1e-9)
	assert.Greater(t, shifted, 0.25)

	_, err = r.PSI([]float64{math.NaN()})
	assert.ErrorIs(t, err, credit.ErrNoScores)

	ties, err := credit.NewReference([]float64{500, 500, 500, 600}, 4, "")
	require.NoError(t, err)
	assert.Equal(t, []float64{600}, ties.Edges, "ties are never split")
	assert.Equal(t, []float64{0.75, 0.25}, ties.Shares)

	for _, bad := range [][]float64{nil, {math.Inf(1)}} {
		_, err := credit.NewReference(bad, 10, "")
		assert.Error(t, err)
	}
	_, err = credit.NewReference(scores, 1, "")
	assert.Error(t, err)
}

// TestScorecardReferenceValidation: a card's reference is checked with the card, and
// changes its hash.
func TestScorecardReferenceValidation(t *testing.T) {
	card, err := credit.BuiltinCard("individual")
	require.NoError(t, err)
	hash := card.SHA256
	for _, tt := range []struct {
		name string
		ref  credit.Reference
		path string
	}{
		{"one band", credit.Reference{Shares: []float64{1}}, "reference.shares"},
		{"edges and shares disagree", credit.Reference{Edges: []float64{500, 600}, Shares: []float64{0.5, 0.5}}, "reference.edges"},
		{"descending edges", credit.Reference{Edges: []float64{600, 500}, Shares: []float64{0.2, 0.3, 0.5}}, "reference.edges[1]"},
		{"negative share", credit.Reference{Edges: []float64{500}, Shares: []float64{-0.5, 1.5}}, "reference.shares[0]"},
		{"shares do not sum to 1", credit.Reference{Edges: []float64{500}, Shares: []float64{0.5, 0.6}}, "reference.shares"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := *card
			c.Reference = &tt.ref
			var ve *credit.ValidationError
			require.ErrorAs(t, c.Validate(), &ve)
			assert.Contains(t, string(mustJSON(t, ve)), `"`+tt.path+`"`)
		})
	}
	c := *card
	c.Reference = &credit.Reference{Edges: []float64{500}, Shares: []float64{0.4, 0.6}}
	require.NoError(t, c.Validate())
	require.NoError(t, c.Seal())
	assert.NotEqual(t, hash, c.SHA256)
	data, err := json.Marshal(&c)
	require.NoError(t, err)
	back, err := credit.ParseScorecard(data)
	require.NoError(t, err)
	assert.Equal(t, c.Reference, back.Reference)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}
