package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestServeRefusesABadApprovalMatrix checks that serve stops before listening when the
// approval matrix file is missing or invalid, naming the problem.
func TestServeRefusesABadApprovalMatrix(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "matrix.json")
	if err := os.WriteFile(bad, []byte(`{"bands": []}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{"missing": filepath.Join(dir, "none.json"), "invalid": bad} {
		t.Run(name, func(t *testing.T) {
			code, _, stderr := runCLI([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--approval-matrix", path}, nil)
			assert.Equal(t, exitError, code)
			assert.Contains(t, stderr, "approval matrix")
		})
	}
}
