package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRoles defines a committee role, makes a key with it, refuses to delete it while the
// key holds it, and deletes it after the key is revoked.
func TestRoles(t *testing.T) {
	dir := t.TempDir()
	roles := func(args ...string) (string, int, error) {
		out, _, code, err := runSecurityCmd(newRolesCommand(envOf(nil)), append(args, "--data", dir)...)
		return out, code, err
	}
	out, code, err := roles("put", "committee", "--permission", "application:read,application:decide",
		"--description", "credit committee")
	require.NoError(t, err, out)
	assert.Equal(t, exitOK, code)
	assert.Equal(t, "Stored role committee with 2 permission(s).\n", out)

	out, _, err = roles("list")
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^committee\s+custom\s+no\s+application:read application:decide$`, out)
	assert.Regexp(t, `(?m)^officer\s+built-in\s+yes\s+customer:read `, out)

	keyOut, _, _, err := runSecurityCmd(keysCmd(nil), "create", "--role", "committee", "--subject", "E2001", "--data", dir)
	require.NoError(t, err, keyOut)
	key := lastWord(t, keyOut)

	_, code, err = roles("delete", "committee")
	require.Error(t, err)
	assert.Equal(t, exitUsage, code, "a key still holds it")
	_, _, _, err = runSecurityCmd(keysCmd(nil), "revoke", key[3:19], "--data", dir)
	require.NoError(t, err)
	out, code, err = roles("delete", "committee")
	require.NoError(t, err)
	assert.Equal(t, exitOK, code)
	assert.Equal(t, "Deleted role committee.\n", out)

	for _, bad := range [][]string{
		{"put", "auditor", "--permission", "audit:read"},   // built in
		{"put", "x", "--permission", "customer:fly"},       // no such permission
		{"put", "Bad Name!", "--permission", "audit:read"}, // malformed name
		{"delete", "nobody"},                               // not stored
	} {
		_, code, err := roles(bad...)
		assert.Error(t, err, "%q", bad)
		assert.Equal(t, exitUsage, code, "%q", bad)
	}

	// Every change is in the audit trail.
	out, _, _, err = runSecurityCmd(newAuditCommand(envOf(nil)), "verify", "--data", dir)
	require.NoError(t, err, out)
}
