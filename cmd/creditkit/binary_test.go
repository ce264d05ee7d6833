package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBinaryExitCodes builds the real binary and runs it as a user would, on the files in
// testdata/, checking the documented exit codes and that errors go to stderr.
func TestBinaryExitCodes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "creditkit")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, string(out))
	dir := t.TempDir()
	garbage := writeFile(t, dir, "garbage.bin", "\x00\x01\x02\xff\xfe\"\n\x7f,,\"\n")

	tests := []struct {
		name       string
		args       []string
		stdin      string
		code       int
		wantStdout string
		wantStderr string
	}{
		{"version", []string{"version"}, "", exitOK, "creditkit ", ""},
		{"help", []string{"help", "score"}, "", exitOK, "Exit status:", ""},
		{"score with rejects", []string{"score", "--card", "individual", "--in", "testdata/applicants.csv", "--out", filepath.Join(dir, "s.csv")},
			"", exitRejects, "scored 10 rows, rejected 5", "creditkit: 5 rows rejected"},
		{"score allowing rejects", []string{"score", "--card", "individual", "--in", "testdata/applicants.csv", "--out", filepath.Join(dir, "s.csv"), "--allow-rejects"},
			"", exitOK, "scored 10 rows", ""},
		{"score from a pipe to a pipe", []string{"score", "--card", "individual", "--in", "-", "--out", "-", "--score-only"},
			"id,profile.age\nP-1,40\n", exitOK, "line,id,score,pd,grade,reason_1", "scored 1 rows, rejected 0"},
		{"score empty input", []string{"score", "--card", "individual", "--in", "-", "--out", "-"}, "", exitError, "", "creditkit: standard input: empty input"},
		{"score binary garbage", []string{"score", "--card", "individual", "--in", garbage, "--out", "-"}, "", exitError, "", "creditkit: " + garbage + ": header:"},
		{"score wrong columns", []string{"score", "--card", "individual", "--in", "testdata/bad/wrong-columns.csv", "--out", "-"},
			"", exitError, "", `creditkit: testdata/bad/wrong-columns.csv: header: unknown columns "age", "salary"`},
		{"score ragged rows", []string{"score", "--card", "individual", "--in", "testdata/bad/ragged.csv", "--out", "-"},
			"", exitRejects, "\n2,A-1,", "creditkit: rejected line 3 (id \"A-2\"): wrong number of fields: 2, the header has 6"},
		{"score empty file", []string{"score", "--card", "individual", "--in", "testdata/bad/empty.csv", "--out", "-"},
			"", exitError, "", "creditkit: testdata/bad/empty.csv: empty input: no header row"},
		{"score compressed file", []string{"score", "--card", "individual", "--in", "testdata/bad/garbage.bin", "--out", "-"},
			"", exitError, "", "creditkit: testdata/bad/garbage.bin: header:"},
		{"score garbage rows", []string{"score", "--card", "individual", "--in", "testdata/bad/garbage-rows.csv", "--out", "-"},
			"", exitRejects, "\n2,A-1,", "creditkit: rejected line 3: text is not valid UTF-8"},
		{"score bad flag", []string{"score", "--cards", "x"}, "", exitUsage, "", "creditkit: unknown flag: --cards"},
		{"unknown command", []string{"scores"}, "", exitUsage, "", `creditkit: unknown command "scores"`},
		{"missing file", []string{"report", "nope.json"}, "", exitError, "", "creditkit: open nope.json"},
		{"assign", []string{"assign", "--cases", "testdata/cases.csv", "--officers", "testdata/officers.csv", "--out", filepath.Join(dir, "p.csv"), "--date", "2026-12-02"},
			"", exitOK, "assigned 6 of 10 cases", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin, tt.args...)
			cmd.Stdin = strings.NewReader(tt.stdin)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tt.code, code, "stderr: %s", stderr.String())
			assert.Contains(t, stdout.String(), tt.wantStdout)
			assert.Contains(t, stderr.String(), tt.wantStderr)
			assert.NotContains(t, stderr.String(), "\r", "no progress line when stderr is not a terminal")
		})
	}
}

func TestIsTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "x")
	require.NoError(t, err)
	defer f.Close()
	assert.False(t, isTerminal(f), "a regular file")
	assert.False(t, isTerminal(&bytes.Buffer{}), "not a file")
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	assert.False(t, isTerminal(w), "a pipe")
}

// TestBinaryInterrupted stops a long run with SIGINT: the exit code is 1, and neither the
// output nor a temporary file is left behind.
func TestBinaryInterrupted(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "creditkit")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, string(out))
	dir := t.TempDir()
	cmd := exec.Command(bin, "score", "--card", "individual", "--in", "-", "--out", filepath.Join(dir, "scored.csv"), "--workers", "1")
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	_, err = stdin.Write([]byte(benchHeader + "A-1,false,60,3,1,15,0,0,0.42,2,18000,true,private,4,2500,4000,rent,34,married,bachelor,false,150000,36,consumer,equal_instalments\n"))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(entries(t, dir)) > 0 }, 10*time.Second, 10*time.Millisecond, "the run has started")
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	err = cmd.Wait()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, exitError, exit.ExitCode())
	assert.Contains(t, stderr.String(), "creditkit: interrupted: no output written")
	assert.Empty(t, entries(t, dir))
	_ = stdin.Close()
}
