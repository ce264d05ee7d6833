package treegen_test

import (
	"encoding/json"
	"testing"

	"github.com/creditkit/creditkit/tree/treegen"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRowsAreSeeded(t *testing.T) {
	cfg := treegen.Config{Regions: 1, BranchesPerRegion: 2, SubBranchesPerBranch: 1, SubgroupsPerConglomerate: 2, Customers: 50, Seed: 3}
	a, err := treegen.Rows(cfg)
	require.NoError(t, err)
	b, err := treegen.Rows(cfg)
	require.NoError(t, err)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	assert.Equal(t, string(ja), string(jb))
	cfg.Seed = 4
	c, err := treegen.Rows(cfg)
	require.NoError(t, err)
	jc, _ := json.Marshal(c)
	assert.NotEqual(t, string(ja), string(jc))
}

func TestRowsRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		give treegen.Config
	}{
		{"zero", treegen.Config{}},
		{"no customers", treegen.Config{Regions: 1, BranchesPerRegion: 1, SubBranchesPerBranch: 1, SubgroupsPerConglomerate: 1}},
		{"negative", treegen.Config{Regions: -1, BranchesPerRegion: 1, SubBranchesPerBranch: 1, SubgroupsPerConglomerate: 1, Customers: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := treegen.Rows(tt.give)
			assert.ErrorIs(t, err, treegen.ErrConfig)
		})
	}
}
