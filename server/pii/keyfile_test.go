package pii

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func noEnv(string) string { return "" }

func TestLoadFromEnv(t *testing.T) {
	a, b := GenerateKey(), GenerateKey()
	env := func(k string) string {
		if k == EnvDataKey {
			return EncodeKey(a) + "," + EncodeKey(b)
		}
		return ""
	}
	dir := t.TempDir()
	ring, src, err := Load(LoadConfig{Getenv: env, Dir: dir, Generate: true})
	require.NoError(t, err)
	assert.Equal(t, FromEnv, src)
	assert.Equal(t, testRing(t, a, b).IDs(), ring.IDs())
	_, err = os.Stat(filepath.Join(dir, KeyFileName))
	assert.True(t, os.IsNotExist(err), "the environment wins; no file is written")

	bad := func(string) string { return "not a key" }
	_, _, err = Load(LoadConfig{Getenv: bad, Dir: dir})
	require.ErrorIs(t, err, ErrBadKey)
	assert.NotContains(t, err.Error(), "not a key")
}

func TestLoadGeneratesOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	_, _, err := Load(LoadConfig{Getenv: noEnv, Dir: dir})
	require.ErrorIs(t, err, ErrNoKey, "no generation unless asked")

	const n = 8
	rings := make([]*Keyring, n)
	srcs := make([]Source, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var err error
			rings[i], srcs[i], err = Load(LoadConfig{Getenv: noEnv, Dir: dir, Generate: true})
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	generated := 0
	for i := range n {
		require.NotNil(t, rings[i])
		assert.Equal(t, rings[0].IDs(), rings[i].IDs(), "racing starts agree on one key")
		if srcs[i] == Generated {
			generated++
		}
	}
	assert.Equal(t, 1, generated)
	info, err := os.Stat(filepath.Join(dir, KeyFileName))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left behind")

	again, src, err := Load(LoadConfig{Getenv: noEnv, Dir: dir, Generate: true})
	require.NoError(t, err)
	assert.Equal(t, FromFile, src)
	assert.Equal(t, rings[0].IDs(), again.IDs())
}

func TestLoadRefusesOpenKeyFile(t *testing.T) {
	dir := t.TempDir()
	_, _, err := Load(LoadConfig{Getenv: noEnv, Dir: dir, Generate: true})
	require.NoError(t, err)
	path := filepath.Join(dir, KeyFileName)
	require.NoError(t, os.Chmod(path, 0o644))
	_, _, err = Load(LoadConfig{Getenv: noEnv, Dir: dir})
	require.ErrorIs(t, err, ErrKeyFileMode)
}

func TestKeyFileParsing(t *testing.T) {
	a, b := GenerateKey(), GenerateKey()
	keys, err := parseKeyFile("# comment\n\n  " + EncodeKey(a) + "  \n# more\n" + EncodeKey(b) + "\n")
	require.NoError(t, err)
	assert.Equal(t, [][]byte{a, b}, keys)
	for _, give := range []string{"", "# only a comment\n", EncodeKey(a) + "\nnot-a-key\n"} {
		_, err := parseKeyFile(give)
		require.ErrorIs(t, err, ErrBadKey, give)
	}
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, KeyFileName), []byte("garbage\n"), 0o600))
	_, _, err = Load(LoadConfig{Getenv: noEnv, Dir: dir, Generate: true})
	require.ErrorIs(t, err, ErrBadKey, "a broken file is an error, never silently replaced")
}

func TestRotateKeyFile(t *testing.T) {
	dir := t.TempDir()
	first, _, err := Load(LoadConfig{Getenv: noEnv, Dir: dir, Generate: true})
	require.NoError(t, err)
	sealed := first.Seal("13812345678", "m")
	next, err := RotateKeyFile(dir)
	require.NoError(t, err)
	require.Len(t, next.IDs(), 2)
	assert.Equal(t, first.ActiveID(), next.IDs()[1], "the old key stays, second")
	assert.NotEqual(t, first.ActiveID(), next.ActiveID())
	got, err := next.Open(sealed, "m")
	require.NoError(t, err)
	assert.Equal(t, "13812345678", got)
	loaded, src, err := Load(LoadConfig{Getenv: noEnv, Dir: dir})
	require.NoError(t, err)
	assert.Equal(t, FromFile, src)
	assert.Equal(t, next.IDs(), loaded.IDs())
	info, err := os.Stat(filepath.Join(dir, KeyFileName))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	_, err = RotateKeyFile(t.TempDir())
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestSourceString(t *testing.T) {
	assert.Equal(t, "environment", FromEnv.String())
	assert.Equal(t, "key file", FromFile.String())
	assert.Equal(t, "generated key file", Generated.String())
	assert.Equal(t, "Source(0)", Source(0).String())
}
