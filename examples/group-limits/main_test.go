package main

import (
	"bytes"
	"flag"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/output.golden")

// TestRun checks the walk-through's exact output against testdata/output.golden, reviewed by
// hand: the manufacturing sub-group holds 8,800,000 under its 12,000,000 limit, so of the
// 5,000,000 the scorecard would grant only 3,200,000 fits; and the trader and the packager,
// linked to the group's logistics arm but outside the group, are flagged as one borrower
// over the large-exposure limit (14,500,000 against 15% of 80,000,000 capital).
func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out))
	if *update {
		require.NoError(t, os.WriteFile("testdata/output.golden", out.Bytes(), 0o644))
	}
	want, err := os.ReadFile("testdata/output.golden")
	require.NoError(t, err)
	assert.Equal(t, string(want), out.String())
}
