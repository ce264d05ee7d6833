package main

import (
	"bytes"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRun checks the walk-through's exact output against testdata/output.golden, which was
// reviewed by hand: numbers with valid check digits, every validation problem in both
// languages, the duplicate named by number, pinyin order, the stale update refused, the
// assessment, the officer chosen, each loan transition and the maker's approval refused.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out))
	want, err := os.ReadFile("testdata/output.golden")
	require.NoError(t, err)
	assert.Equal(t, string(want), out.String())
}
