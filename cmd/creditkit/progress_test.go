package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProgressDescription(t *testing.T) {
	assert.Equal(t, "scoring 250,000 rows 25,000 rows/s", progressDescription("scoring", 250000, 10*time.Second))
	assert.Equal(t, "scoring 0 rows 0 rows/s", progressDescription("scoring", 0, 0))
}

func TestProgressDrawsAndClears(t *testing.T) {
	var buf syncBuffer
	p := startProgress(&buf, "scoring", 1000)
	p.update(10, 500)
	p.finish()
	out := buf.String()
	assert.Contains(t, out, "scoring 10 rows")
	assert.Contains(t, out, "rows/s")
	assert.Contains(t, out, "50%")
	assert.True(t, strings.HasSuffix(out, "\r"), "the line is cleared at the end: %q", out)

	// Input of unknown size (a pipe): rows and rows/s, without a share.
	buf = syncBuffer{}
	p = startProgress(&buf, "scoring", 0)
	p.update(1234, 99999)
	p.finish()
	out = buf.String()
	assert.Contains(t, out, "scoring")
	assert.Contains(t, out, "1234")
	assert.Contains(t, out, "rows/s")
	assert.NotContains(t, out, "%")
	assert.True(t, strings.HasSuffix(out, "\r"), "the line is cleared at the end: %q", out)

	var nilProgress *progress
	nilProgress.update(1, 1)
	nilProgress.finish()
}

// TestScoreProgressBar: creditkit score draws the bar on standard error when it is a
// terminal (the check replaced here), for a file with its share done, and never with
// --no-progress or when standard error is not a terminal.
func TestScoreProgressBar(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	var data bytes.Buffer
	require.NoError(t, writeApplicants(&data, 20000)) // several batches: the bar is drawn before the end
	require.NoError(t, os.WriteFile(in, data.Bytes(), 0o644))
	args := []string{"score", "--card", "individual", "--in", in, "--out", filepath.Join(dir, "x.csv"), "--score-only"}
	code, _, stderr := runWith(args, "")
	require.Equal(t, exitOK, code, stderr)
	assert.Empty(t, stderr, "quiet: standard error is not a terminal")

	old := stderrIsTerminal
	defer func() { stderrIsTerminal = old }()
	stderrIsTerminal = func(io.Writer) bool { return true }
	code, _, stderr = runWith(args, "")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stderr, "scoring ")
	assert.Contains(t, stderr, "rows/s")
	assert.Contains(t, stderr, "% |█", "a bar of the share done")
	assert.True(t, strings.HasSuffix(stderr, "\r"), "cleared at the end: %q", stderr)

	code, _, stderr = runWith([]string{"score", "--card", "individual", "--in", "-", "--out", filepath.Join(dir, "y.csv"), "--score-only"},
		data.String())
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stderr, "rows/s", "standard input: rows and rows/s")

	code, _, stderr = runWith(append(args, "--no-progress"), "")
	require.Equal(t, exitOK, code, stderr)
	assert.Empty(t, stderr)
}

func TestThousands(t *testing.T) {
	for give, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", -1234567: "-1,234,567", 100000: "100,000"} {
		assert.Equal(t, want, thousands(give))
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writers and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
