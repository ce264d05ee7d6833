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
// hand: the bank's route and creditkit's routes answer side by side, the bank's middleware
// runs for both, and an error under the prefix is creditkit's problem+json.
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
