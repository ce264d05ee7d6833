package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/server/audit"
	"github.com/creditkit/creditkit/server/store"
)

func timeNow() time.Time { return time.Now() }

func auditCmd(env map[string]string) *cobra.Command { return newAuditCommand(envOf(env)) }

func TestAuditVerify(t *testing.T) {
	dir := t.TempDir()
	out, _, _, err := runSecurityCmd(auditCmd(nil), "verify", "--data", dir)
	require.NoError(t, err, "an empty trail is intact")
	assert.Contains(t, out, "intact: 0 records")

	for _, role := range []string{"admin", "officer", "auditor"} {
		_, _, _, err := runSecurityCmd(keysCmd(nil), "create", "--role", role, "--data", dir)
		require.NoError(t, err)
	}
	out, _, code, err := runSecurityCmd(auditCmd(nil), "verify", "--data", dir)
	require.NoError(t, err)
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "intact: 3 records")
	head := lastWord(t, out)
	_, err = audit.ParseAnchor(head)
	require.NoError(t, err, "the last word is the head, SEQ:HASH")

	out, _, _, err = runSecurityCmd(auditCmd(map[string]string{"CREDITKIT_DATA": dir}), "verify", "--anchor", head)
	require.NoError(t, err)
	assert.Contains(t, out, "1 anchor(s) matched")

	out, _, _, err = runSecurityCmd(auditCmd(nil), "list", "--entity", "api_key", "--limit", "2", "--data", dir)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2)
	var rec audit.Record
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &rec))
	assert.Equal(t, int64(3), rec.Seq, "newest first")
	assert.Equal(t, "api_key.create", rec.Action)
	assert.True(t, strings.HasPrefix(rec.Actor, "cli:"))

	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "creditkit.db"))
	require.NoError(t, err)
	defer st.Close()
	require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE audit_log SET role = 'officer' WHERE seq = 2`)
		return err
	}))
	_, _, code, err = runSecurityCmd(auditCmd(nil), "verify", "--data", dir)
	require.Error(t, err)
	assert.Equal(t, exitError, code)
	assert.Contains(t, err.Error(), "the first bad record is 2 (changed)")
	var ce *audit.ChainError
	require.True(t, errors.As(err, &ce))
	assert.Equal(t, int64(2), ce.Seq)
}

func TestAuditErrors(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"verify", "--anchor", "nonsense", "--data", dir},
		{"verify", "extra", "--data", dir},
		{"list", "--limit", "0", "--data", dir},
		{"list", "--since", "yesterday", "--data", dir},
		{"list", "--since", "2026-03-02T00:00:00Z", "--until", "2026-03-01T00:00:00Z", "--data", dir},
	} {
		_, _, code, err := runSecurityCmd(auditCmd(nil), args...)
		require.Error(t, err, args)
		assert.Equal(t, exitUsage, code, "%v: %v", args, err)
	}
}
