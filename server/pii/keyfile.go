package pii

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// EnvDataKey is the environment variable that holds the data keys: comma-separated, each
// 32 bytes in base64 or hex, the active key first.
const EnvDataKey = "CREDITKIT_DATA_KEY"

// KeyFileName is the name of the key file in the data directory, used when EnvDataKey is
// not set: one key per line in base64, the active key first; blank lines and lines
// starting with '#' are ignored.
const KeyFileName = "data.key"

var (
	// ErrNoKey reports that no data key is configured and Load was not asked to generate
	// one.
	ErrNoKey = errors.New("pii: no data key: set " + EnvDataKey + " or create " + KeyFileName)
	// ErrKeyFileMode reports a key file that others than its owner may read or write.
	ErrKeyFileMode = errors.New("pii: key file is accessible to others than its owner")
)

// Source says where Load found the keys.
type Source int

// Sources of the keys. The zero value is unset.
const (
	// FromEnv: the EnvDataKey variable.
	FromEnv Source = iota + 1
	// FromFile: the key file in the data directory.
	FromFile
	// Generated: Load generated a new key into the key file.
	Generated
)

// String returns "environment", "key file" or "generated key file".
func (s Source) String() string {
	switch s {
	case FromEnv:
		return "environment"
	case FromFile:
		return "key file"
	case Generated:
		return "generated key file"
	}
	return fmt.Sprintf("Source(%d)", int(s))
}

// LoadConfig says where Load looks for the keys. Dir is required unless EnvDataKey is
// set; the zero value of every other field is the documented default.
type LoadConfig struct {
	// Getenv reads the environment; nil means os.Getenv.
	Getenv func(string) string
	// Dir is the data directory that holds KeyFileName.
	Dir string
	// Generate makes Load write a new random key into Dir/KeyFileName (mode 0600) when
	// neither the variable nor the file exists. Only for a single server on its own
	// database: replicas on one PostgreSQL must share a key through EnvDataKey (CheckKeys
	// refuses a replica whose key differs).
	Generate bool
}

// Load returns the keyring configured for a server: from EnvDataKey when it is set,
// otherwise from Dir/KeyFileName, otherwise — with Generate — from a key file it creates.
// It fails with ErrNoKey when there is none to load, with ErrKeyFileMode when the key file
// is readable or writable by group or others (chmod 600 it), and with ErrBadKey for a key
// that does not parse. Two processes generating at once end with the same key: the file
// is created whole or not at all, and the loser reads the winner's file.
func Load(cfg LoadConfig) (*Keyring, Source, error) {
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if v := getenv(EnvDataKey); strings.TrimSpace(v) != "" {
		k, err := ParseKeys(v)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", EnvDataKey, err)
		}
		return k, FromEnv, nil
	}
	if cfg.Dir == "" {
		return nil, 0, ErrNoKey
	}
	path := filepath.Join(cfg.Dir, KeyFileName)
	k, err := readKeyFile(path)
	switch {
	case err == nil:
		return k, FromFile, nil
	case !errors.Is(err, fs.ErrNotExist) || !cfg.Generate:
		if errors.Is(err, fs.ErrNotExist) {
			return nil, 0, ErrNoKey
		}
		return nil, 0, err
	}
	created, err := createKeyFile(path, keyFileText([][]byte{GenerateKey()}))
	if err != nil {
		return nil, 0, err
	}
	k, err = readKeyFile(path)
	if err != nil {
		return nil, 0, err
	}
	if created {
		return k, Generated, nil
	}
	return k, FromFile, nil
}

// RotateKeyFile puts a new random key at the top of Dir/KeyFileName, keeping the older
// keys below it so they still open what they sealed, and returns the new keyring. Run a
// rotation (Rotate) next; the old keys may be deleted from the file once it has finished
// and no backup sealed with them is needed. Run one at a time.
func RotateKeyFile(dir string) (*Keyring, error) {
	path := filepath.Join(dir, KeyFileName)
	old, err := readKeys(path)
	if err != nil {
		return nil, err
	}
	keys := append([][]byte{GenerateKey()}, old...)
	if _, err := NewKeyring(keys[0], keys[1:]...); err != nil {
		return nil, err
	}
	if err := replaceFile(path, keyFileText(keys)); err != nil {
		return nil, err
	}
	return readKeyFile(path)
}

func keyFileText(keys [][]byte) []byte {
	var b strings.Builder
	b.WriteString("# creditkit data keys (AES-256, base64): the first line seals, the others still open\n")
	b.WriteString("# what they sealed. Back this file up apart from the database: without it the personal\n")
	b.WriteString("# data in the database cannot be read. Keep it mode 0600.\n")
	for _, k := range keys {
		b.WriteString(EncodeKey(k) + "\n")
	}
	return []byte(b.String())
}

func readKeyFile(path string) (*Keyring, error) {
	keys, err := readKeys(path)
	if err != nil {
		return nil, err
	}
	return NewKeyring(keys[0], keys[1:]...)
}

func readKeys(path string) ([][]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s has mode %v; chmod 600 it", ErrKeyFileMode, path, info.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseKeyFile(string(b))
}

// parseKeyFile reads the keys of a key file's text; errors never quote a line.
func parseKeyFile(text string) ([][]byte, error) {
	var keys [][]byte
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, err := ParseKey(line)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", KeyFileName, i+1, err)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: %s holds no key", ErrBadKey, KeyFileName)
	}
	return keys, nil
}

// createKeyFile writes data to path only if path does not exist, atomically: a temporary
// file is written, synced and hard-linked into place, so no reader sees half a file. It
// reports whether it created the file (false: another process got there first).
func createKeyFile(path string, data []byte) (bool, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return false, err
	}
	tmp, err := writeTemp(path, data)
	if err != nil {
		return false, err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		return false, err
	}
	return true, syncDir(filepath.Dir(path))
}

// replaceFile atomically replaces path with data (mode 0600).
func replaceFile(path string, data []byte) error {
	tmp, err := writeTemp(path, data)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(filepath.Dir(path))
}

func writeTemp(path string, data []byte) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return "", err
	}
	name := f.Name()
	fail := func(err error) (string, error) {
		f.Close()
		os.Remove(name)
		return "", err
	}
	if err := f.Chmod(0o600); err != nil {
		return fail(err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
