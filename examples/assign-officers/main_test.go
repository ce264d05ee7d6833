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
// hand against the rules: only Li Wei (O-2) holds the equity pledge skill, so she takes the
// pledge; Wang Fang keeps her existing customer (continuity); O-2 may not serve C-ACME, to
// which she is linked; Chen Jie is on leave; nobody covers jingan; and at the handover Liu
// Yang's single free place takes one of the two mortgages, the other waits (capacity), the
// pledge has nobody else with the skill, and the history shows both owners of each moved case.
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
