package credit

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDefaultMasterScale(t *testing.T) {
	s := DefaultMasterScale()
	require.NoError(t, s.Validate())
	tests := []struct {
		give float64
		want Grade
	}{
		{0, AAA}, {0.00049, AAA}, {0.0005, AA}, {0.001, A}, {0.0074, BBB}, {0.0075, BB},
		{0.0249, BB}, {0.05, B}, {0.19, CCC}, {0.2, CC}, {0.35, C}, {1, C},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, s.Grade(tt.give), "pd %g", tt.give)
	}
}

func TestMasterScaleValidate(t *testing.T) {
	tests := []struct {
		name string
		give MasterScale
		want []string
	}{
		{"empty", MasterScale{}, []string{"required"}},
		{"not monotone", MasterScale{Bands: []Band{{A, 0.01}, {B, 0.005}, {C, 1}}}, []string{"monotone"}},
		{"grades out of order", MasterScale{Bands: []Band{{B, 0.01}, {A, 0.05}, {C, 1}}}, []string{"order"}},
		{"does not end at 1", MasterScale{Bands: []Band{{A, 0.01}, {C, 0.9}}}, []string{"cover"}},
		{"D is not a band", MasterScale{Bands: []Band{{A, 0.01}, {D, 1}}}, []string{"enum"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ve *ValidationError
			require.ErrorAs(t, tt.give.Validate(), &ve)
			assert.Equal(t, tt.want, rules(ve))
		})
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		give      int
		want      LoanClass
		provision string
		zh        string
	}{
		{-5, Normal, "0", "正常"}, {0, Normal, "0", "正常"}, {1, SpecialMention, "0.02", "关注"},
		{90, SpecialMention, "0.02", "关注"}, {91, Substandard, "0.25", "次级"}, {270, Substandard, "0.25", "次级"},
		{271, Doubtful, "0.5", "可疑"}, {360, Doubtful, "0.5", "可疑"}, {361, Loss, "1", "损失"},
	}
	for _, tt := range tests {
		got := Classify(tt.give)
		assert.Equal(t, tt.want, got, "dpd %d", tt.give)
		assert.Equal(t, tt.provision, got.ProvisionRate().String())
		assert.Equal(t, tt.zh, got.ZH())
	}
}
