package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/server"
	"github.com/creditkit/creditkit/server/auth"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/pii"
	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/storetest"
)

// runSecurityCmd runs a command built by newKeysCommand or newAuditCommand the way the
// root command would, and returns its output, error and exit code.
func runSecurityCmd(cmd *cobra.Command, args ...string) (stdout, stderr string, code int, err error) {
	var out, errOut bytes.Buffer
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	err = cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), exitCode(err), err
}

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func keysCmd(env map[string]string) *cobra.Command {
	return newKeysCommand(keysDeps{getenv: envOf(env), rotators: dataRotators})
}

// lastWord is what a script takes from keys create: the last word of the last line.
func lastWord(t *testing.T, out string) string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	words := strings.Fields(lines[len(lines)-1])
	require.NotEmpty(t, words, out)
	return words[len(words)-1]
}

func authenticatorOn(t *testing.T, dsn string) (*auth.Authenticator, *store.Store) {
	t.Helper()
	st, err := store.Open(context.Background(), dsn)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	a, err := auth.New(auth.Config{Keys: auth.NewKeyStore(st, auth.KeyStoreConfig{}), Roles: auth.NewRoleStore(st, auth.KeyStoreConfig{}), CacheTTL: -1})
	require.NoError(t, err)
	return a, st
}

func bearerHeader(key string) func(string) string {
	return func(name string) string {
		if name == "Authorization" {
			return "Bearer " + key
		}
		return ""
	}
}

func TestKeysLifecycle(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	out, _, code, err := runSecurityCmd(keysCmd(nil), "create", "--role", "officer", "--subject", "O-0007", "--name", "Li Lei", "--data", dir)
	require.NoError(t, err)
	require.Equal(t, exitOK, code)
	key := lastWord(t, out)
	assert.True(t, strings.HasPrefix(key, auth.KeyPrefix), out)
	assert.Len(t, key, 63)
	info, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), info.Mode().Perm(), "the data directory is created as serve creates it")

	a, _ := authenticatorOn(t, filepath.Join(dir, "creditkit.db"))
	actor, err := a.Authenticate(context.Background(), bearerHeader(key))
	require.NoError(t, err)
	assert.Equal(t, "O-0007", actor.ID)
	assert.Equal(t, "officer", actor.Role)
	assert.True(t, actor.AssignedOnly)

	id := key[3:19]
	out, _, _, err = runSecurityCmd(keysCmd(nil), "list", "--data", dir)
	require.NoError(t, err)
	assert.Contains(t, out, id)
	assert.Contains(t, out, "O-0007")
	assert.NotContains(t, out, key[20:], "never the secret")
	out, _, _, err = runSecurityCmd(keysCmd(nil), "list", "--json", "--data", dir)
	require.NoError(t, err)
	var listed auth.Key
	require.NoError(t, json.Unmarshal([]byte(out), &listed))
	assert.Equal(t, id, listed.ID)

	out, _, code, err = runSecurityCmd(keysCmd(nil), "revoke", id, "--data", dir)
	require.NoError(t, err, out)
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "revoked")
	_, err = a.Authenticate(context.Background(), bearerHeader(key))
	require.ErrorIs(t, err, auth.ErrUnauthorized)

	out, _, _, err = runSecurityCmd(keysCmd(nil), "list", "--data", dir)
	require.NoError(t, err)
	assert.NotContains(t, out, id)
	out, _, _, err = runSecurityCmd(keysCmd(nil), "list", "--all", "--data", dir)
	require.NoError(t, err)
	assert.Contains(t, out, id)
}

func TestKeysErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"no role", []string{"create", "--data", dir}, exitUsage},
		{"unknown role", []string{"create", "--role", "janitor", "--data", dir}, exitUsage},
		{"unknown node", []string{"create", "--role", "admin", "--node", "42", "--data", dir}, exitUsage},
		{"bad node", []string{"create", "--role", "admin", "--node", "two", "--data", dir}, exitUsage},
		{"negative expiry", []string{"create", "--role", "admin", "--expires-in", "-1h", "--data", dir}, exitUsage},
		{"unknown flag", []string{"create", "--role", "admin", "--colour", "--data", dir}, exitUsage},
		{"revoke without ID", []string{"revoke", "--data", dir}, exitUsage},
		{"revoke unknown", []string{"revoke", "aaaaaaaaaaaaaaaa", "--data", dir}, exitError},
		{"list with argument", []string{"list", "x", "--data", dir}, exitUsage},
		{"bad batch", []string{"rotate-data", "--batch", "0", "--data", dir}, exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, code, err := runSecurityCmd(keysCmd(nil), tt.args...)
			require.Error(t, err)
			assert.Equal(t, tt.want, code, err.Error())
		})
	}
	out, _, _, err := runSecurityCmd(keysCmd(nil), "list", "--all", "--data", dir)
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(out, "\n"), "only the header: nothing was created")
}

func TestKeysEnvironment(t *testing.T) {
	dir := t.TempDir()
	out, _, _, err := runSecurityCmd(keysCmd(map[string]string{"CREDITKIT_DATA": dir}), "create", "--role", "auditor")
	require.NoError(t, err)
	key := lastWord(t, out)
	a, _ := authenticatorOn(t, filepath.Join(dir, "creditkit.db"))
	_, err = a.Authenticate(context.Background(), bearerHeader(key))
	require.NoError(t, err, "CREDITKIT_DATA chose the database, as for serve")
}

func TestKeysOnPostgres(t *testing.T) {
	dsn, ok := storetest.PostgresDSN(t)
	if !ok {
		t.Skip(storetest.EnvPostgres + " not set")
	}
	out, _, _, err := runSecurityCmd(keysCmd(map[string]string{"CREDITKIT_DB": dsn}), "create", "--role", "approver", "--subject", "A-1")
	require.NoError(t, err)
	key := lastWord(t, out)
	a, _ := authenticatorOn(t, dsn)
	actor, err := a.Authenticate(context.Background(), bearerHeader(key))
	require.NoError(t, err)
	assert.Equal(t, "A-1", actor.ID)
	out, _, _, err = runSecurityCmd(keysCmd(nil), "list", "--db", dsn)
	require.NoError(t, err)
	assert.Contains(t, out, key[3:19])
}

// TestKeysWhileTheServerRuns creates and revokes a key with the command while a server
// serves on the same SQLite database, and uses the key over HTTP.
func TestKeysWhileTheServerRuns(t *testing.T) {
	dir := t.TempDir()
	a, st := authenticatorOn(t, filepath.Join(dir, "creditkit.db"))
	srv, err := server.New(server.Config{Store: st, Keyring: testRing(t, dir), Authenticator: server.APIAuthenticator(a), Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	get := func(key string) int {
		req, err := http.NewRequest("GET", "http://"+ln.Addr().String()+"/openapi.json", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		require.NoError(t, err)
		res.Body.Close()
		return res.StatusCode
	}

	out, _, _, err := runSecurityCmd(keysCmd(nil), "create", "--role", "admin", "--data", dir)
	require.NoError(t, err)
	key := lastWord(t, out)
	assert.Equal(t, 200, get(key))
	_, _, _, err = runSecurityCmd(keysCmd(nil), "revoke", key[3:19], "--data", dir)
	require.NoError(t, err)
	assert.Equal(t, 401, get(key))
}

// rows is a table with one sealed column, and the Rotator a repository would write for it.
type sealedRows struct{ st *store.Store }

func (r sealedRows) Name() string { return "sealed_rows" }

func (r sealedRows) RotateBatch(ctx context.Context, ring *pii.Keyring, cursor string, limit int) (string, int, error) {
	next, changed := "", 0
	err := r.st.Tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, r.st.Rebind(`SELECT id, v FROM sealed_rows WHERE id > ? ORDER BY id LIMIT ?`), cursor, limit)
		if err != nil {
			return err
		}
		var ids, vs []string
		for rows.Next() {
			var id, v string
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return err
			}
			ids, vs = append(ids, id), append(vs, v)
		}
		rows.Close()
		for i, id := range ids {
			next = id
			out, ch, err := ring.Reseal(vs[i], "sealed_rows/"+id)
			if err != nil {
				return err
			}
			if ch {
				if _, err := tx.ExecContext(ctx, r.st.Rebind(`UPDATE sealed_rows SET v = ? WHERE id = ? AND v = ?`), out, id, vs[i]); err != nil {
					return err
				}
				changed++
			}
		}
		return rows.Err()
	})
	return next, changed, err
}

func TestKeysRotateData(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	oldKey, newKey := pii.GenerateKey(), pii.GenerateKey()
	oldRing, err := pii.NewKeyring(oldKey)
	require.NoError(t, err)
	st, err := store.Open(ctx, filepath.Join(dir, "creditkit.db"))
	require.NoError(t, err)
	defer st.Close()
	require.NoError(t, pii.CheckKeys(ctx, st, oldRing, timeNow()))
	require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE sealed_rows (id TEXT NOT NULL PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
			return err
		}
		for i := range 7 {
			id := fmt.Sprintf("r%d", i)
			if _, err := tx.ExecContext(ctx, `INSERT INTO sealed_rows (id, v) VALUES (?, ?)`, id, oldRing.Seal("1381234567"+fmt.Sprint(i), "sealed_rows/"+id)); err != nil {
				return err
			}
		}
		return nil
	}))
	env := map[string]string{pii.EnvDataKey: pii.EncodeKey(newKey) + "," + pii.EncodeKey(oldKey)}

	withRows := newKeysCommand(keysDeps{getenv: envOf(env), rotators: func(st *store.Store) []pii.Rotator { return []pii.Rotator{sealedRows{st}} }})
	out, _, code, err := runSecurityCmd(withRows, "rotate-data", "--batch", "3", "--data", dir)
	require.NoError(t, err, out)
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "sealed_rows: 7 row(s) re-encrypted")
	assert.Contains(t, out, "retired key(s) ["+oldRing.ActiveID()+"]")
	newOnly, err := pii.NewKeyring(newKey)
	require.NoError(t, err)
	require.NoError(t, pii.CheckKeys(ctx, st, newOnly, timeNow()), "the old key is no longer needed")
	var v string
	require.NoError(t, st.QueryRow(ctx, `SELECT v FROM sealed_rows WHERE id = 'r6'`).Scan(&v))
	plain, err := newOnly.Open(v, "sealed_rows/r6")
	require.NoError(t, err)
	assert.Equal(t, "13812345676", plain)

	missing := newKeysCommand(keysDeps{getenv: envOf(map[string]string{pii.EnvDataKey: pii.EncodeKey(pii.GenerateKey())}), rotators: dataRotators})
	_, _, code, err = runSecurityCmd(missing, "rotate-data", "--data", dir)
	require.ErrorIs(t, err, pii.ErrMissingKey, "a keyring without the database's key is refused")
	assert.Equal(t, exitError, code)

	_, _, code, err = runSecurityCmd(keysCmd(env), "rotate-data", "--new-key", "--data", dir)
	require.Error(t, err)
	assert.Equal(t, exitUsage, code, "--new-key writes the key file, not the environment")
}

func TestKeysRotateDataNewKeyFile(t *testing.T) {
	dir := t.TempDir()
	first, _, err := pii.Load(pii.LoadConfig{Getenv: envOf(nil), Dir: dir, Generate: true})
	require.NoError(t, err)
	out, _, _, err := runSecurityCmd(keysCmd(nil), "rotate-data", "--new-key", "--data", dir)
	require.NoError(t, err, out)
	ring, src, err := pii.Load(pii.LoadConfig{Getenv: envOf(nil), Dir: dir})
	require.NoError(t, err)
	assert.Equal(t, pii.FromFile, src)
	require.Len(t, ring.IDs(), 2)
	assert.Equal(t, first.ActiveID(), ring.IDs()[1])
	assert.Contains(t, out, "New active data key "+ring.ActiveID())

	_, _, code, err := runSecurityCmd(keysCmd(nil), "rotate-data", "--data", t.TempDir())
	require.ErrorIs(t, err, pii.ErrNoKey)
	assert.Equal(t, exitError, code)
}

func TestKeysAndAuditHelp(t *testing.T) {
	for _, tt := range []struct {
		cmd   *cobra.Command
		args  []string
		flags []string
	}{
		{newKeysCmd(), []string{"create", "--help"}, []string{"--role", "--node", "--subject", "--name", "--expires-in", "--data", "--db"}},
		{newKeysCmd(), []string{"--help"}, []string{"create", "list", "revoke", "rotate-data", "CREDITKIT_DATA", "CREDITKIT_DB"}},
		{newKeysCmd(), []string{"rotate-data", "--help"}, []string{"--new-key", "--batch", pii.EnvDataKey}},
		{newAuditCmd(), []string{"--help"}, []string{"verify", "list", "CREDITKIT_DATA"}},
		{newAuditCmd(), []string{"verify", "--help"}, []string{"--anchor", "--data", "--db", "Exit status 0"}},
	} {
		out, _, code, err := runSecurityCmd(tt.cmd, tt.args...)
		require.NoError(t, err)
		assert.Equal(t, exitOK, code)
		for _, f := range tt.flags {
			assert.Contains(t, out, f, tt.args)
		}
	}
}

func TestCLIActor(t *testing.T) {
	a := cliActor(envOf(map[string]string{"USER": "ops"}))
	assert.True(t, strings.HasPrefix(a.ID, "cli:"))
	assert.Equal(t, perm.RoleAdmin, a.Role)
}

// testRing loads (generating it the first time) the data key file of dir.
func testRing(t *testing.T, dir string) *pii.Keyring {
	t.Helper()
	ring, _, err := pii.Load(pii.LoadConfig{Getenv: func(string) string { return "" }, Dir: dir, Generate: true})
	require.NoError(t, err)
	return ring
}
