package credit

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

// tinyCard is a two-characteristic card used to test the loader; edit it with replace.
const tinyCard = `{"model_id":"tiny","version":"1","target":"bad = 90+ dpd in 12m",
"scaling":{"base_score":600,"base_odds":50,"pdo":20},
"characteristics":[
 {"variable":"profile.age","type":"numeric","bins":[
   {"hi":25,"points":10,"reason_code":"AGE"},
   {"lo":25,"hi":40,"points":20,"reason_code":"AGE"},
   {"lo":40,"points":30,"reason_code":"AGE"}],
  "special":[{"values":[0],"points":1,"reason_code":"AGE"}],
  "missing":{"points":5,"reason_code":"AGE"}},
 {"variable":"capacity.housing","type":"categorical","bins":[
   {"values":["own","mortgage"],"points":40,"reason_code":"HOU"},
   {"values":["rent","family"],"points":25,"reason_code":"HOU"}],
  "missing":{"points":20,"reason_code":"HOU"}}],
"reasons":[{"code":"AGE","en":"Age","zh":"年龄"}]}`

func TestParseScorecardRejects(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		wantRule string
	}{
		{"gap", `"lo":25,"hi":40`, `"lo":26,"hi":40`, "gap"},
		{"overlap", `"lo":40,"points":30`, `"lo":39,"points":30`, "overlap"},
		{"first bin bounded below", `{"hi":25,"points":10`, `{"lo":0,"hi":25,"points":10`, "gap"},
		{"last bin bounded above", `"lo":40,"points":30`, `"lo":40,"hi":90,"points":30`, "gap"},
		{"no missing policy", `"missing":{"points":20,"reason_code":"HOU"}`, `"label_en":"Housing"`, "missing_policy"},
		{"categorical overlap", `["rent","family"]`, `["rent","own"]`, "overlap"},
		{"valid card parses", `"type":"numeric"`, `"type":"numeric"`, ""},
		{"no model id", `"model_id":"tiny"`, `"model_id":""`, "required"},
		{"pdo zero", `"pdo":20`, `"pdo":0`, "positive"},
		{"empty reason code", `"points":10,"reason_code":"AGE"`, `"points":10,"reason_code":""`, "required"},
		{"lo not below hi", `"lo":25,"hi":40`, `"lo":25,"hi":25`, "order"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := strings.Replace(tinyCard, tt.old, tt.new, 1)
			_, err := ParseScorecard([]byte(data))
			if tt.wantRule == "" {
				require.NoError(t, err)
				return
			}
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			require.ErrorIs(t, err, ErrInvalid)
			assert.Contains(t, rules(ve), tt.wantRule)
		})
	}
}

func rules(ve *ValidationError) []string {
	var out []string
	for _, p := range ve.Problems {
		out = append(out, p.Rule)
	}
	return out
}

func TestParseScorecardStrictDecoding(t *testing.T) {
	tests := []struct {
		name    string
		give    string
		unknown string // the *UnknownFieldError's field, if that is the error
	}{
		{"unknown top-level field", strings.Replace(tinyCard, `"version":"1"`, `"version":"1","colour":"red"`, 1), "colour"},
		{"unknown bin field", strings.Replace(tinyCard, `{"hi":25,`, `{"hi":25,"weight":1,`, 1), "weight"},
		{"unknown type name", strings.Replace(tinyCard, `"type":"numeric"`, `"type":"ordinal"`, 1), ""},
		{"trailing data", tinyCard + `{}`, ""},
		{"not JSON", `{"model_id":`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseScorecard([]byte(tt.give))
			require.Error(t, err)
			var uf *UnknownFieldError
			if assert.Equal(t, tt.unknown != "", errors.As(err, &uf)) && uf != nil {
				assert.Equal(t, tt.unknown, uf.Field)
			}
		})
	}
}

func TestParseScorecardReportsEveryProblem(t *testing.T) {
	data := strings.NewReplacer(`"model_id":"tiny"`, `"model_id":""`, `"lo":25,"hi":40`, `"lo":26,"hi":40`,
		`"missing":{"points":20,"reason_code":"HOU"}`, `"label_en":"x"`).Replace(tinyCard)
	_, err := ParseScorecard([]byte(data))
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	paths := map[string]bool{}
	for _, p := range ve.Problems {
		paths[p.Path] = true
		assert.NotEmpty(t, p.MessageZH)
	}
	assert.True(t, paths["model_id"])
	assert.True(t, paths["characteristics[0].bins[1].lo"])
	assert.True(t, paths["characteristics[1].missing"])
}

func TestScorecardRoundTripAndHash(t *testing.T) {
	for _, name := range BuiltinCards() {
		t.Run(name, func(t *testing.T) {
			card, err := BuiltinCard(name)
			require.NoError(t, err)
			require.Len(t, card.SHA256, 64)
			data, err := json.Marshal(card)
			require.NoError(t, err)
			again, err := ParseScorecard(data)
			require.NoError(t, err)
			assert.Equal(t, card, again)

			tampered := strings.Replace(string(data), `"points":`, `"points":1`, 1)
			_, err = ParseScorecard([]byte(tampered))
			require.ErrorIs(t, err, ErrHashMismatch)
		})
	}
}

func TestBuiltinCardHashesArePinned(t *testing.T) {
	// A change to an embedded card must be deliberate: bump its version and this hash.
	tests := []struct{ give, want string }{
		{"individual", "4559f3323a6cc6f2b992f2f465d2f6cf528bcddb5084c7568e4b5a703e59b536"},
		{"enterprise", "8c2ffc11b401013fe1a5057d72950509bef1c5685e7a58fb662050baae38902e"},
	}
	for _, tt := range tests {
		card, err := BuiltinCard(tt.give)
		require.NoError(t, err)
		assert.Equal(t, tt.want, card.SHA256, tt.give)
	}
	_, err := BuiltinCard("retail")
	require.ErrorIs(t, err, ErrUnknownCard)
	_, err = BuiltinCard("")
	require.ErrorIs(t, err, ErrUnknownCard)
}

func TestSealMatchesParse(t *testing.T) {
	card, err := ParseScorecard([]byte(tinyCard))
	require.NoError(t, err)
	built := *card
	built.SHA256 = ""
	require.NoError(t, built.Seal())
	assert.Equal(t, card.SHA256, built.SHA256)
}

func TestScalingPDO(t *testing.T) {
	s := Scaling{BaseScore: 600, BaseOdds: 50, PDO: 20}
	// factor = 20/ln 2 = 28.853900817779268; offset = 600 − factor·ln 50 = 487.1228762045055.
	assert.InDelta(t, 28.853900817779268, s.Factor(), 1e-12)
	assert.InDelta(t, 487.1228762045055, s.Offset(), 1e-9)
	tests := []struct {
		name  string
		score float64
		pd    float64
	}{
		{"base odds 50:1", 600, 1.0 / 51},
		{"one PDO up doubles the odds", 620, 1.0 / 101},
		{"one PDO down halves them", 580, 1.0 / 26},
		{"offset is even odds", 487.1228762045055, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.InDelta(t, tt.pd, s.PD(tt.score), 1e-12)
			assert.InDelta(t, tt.score, s.Score(tt.pd), 1e-9)
		})
	}
	assert.True(t, math.IsInf(s.Score(0), 1))
}
