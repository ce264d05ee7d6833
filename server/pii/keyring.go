package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of a data key in bytes (AES-256).
const KeySize = 32

// Errors of the keyring. Open wraps exactly one of ErrMalformed, ErrUnknownKey and
// ErrDecrypt; ParseKey and NewKeyring wrap ErrBadKey.
var (
	// ErrMalformed reports a sealed value that is not of the form v1.<key ID>.<payload>.
	ErrMalformed = errors.New("pii: malformed sealed value")
	// ErrUnknownKey reports a sealed value whose key is not in the keyring.
	ErrUnknownKey = errors.New("pii: sealed with a key that is not configured")
	// ErrDecrypt reports a sealed value that fails authentication: it was changed, or it
	// belongs to another field or row (the associated data differs).
	ErrDecrypt = errors.New("pii: sealed value fails authentication")
	// ErrBadKey reports a data key that is not 32 bytes in base64 or hex, or a keyring
	// given the same key twice.
	ErrBadKey = errors.New("pii: bad data key")
)

// sealVersion prefixes every sealed value; a new format gets a new prefix.
const sealVersion = "v1"

// Labels of the HKDF derivations: one data key yields independent keys for sealing, for
// the blind index and for the public key ID, so no use can leak another's key.
const (
	infoSeal  = "creditkit pii seal v1"
	infoIndex = "creditkit pii blind index v1"
	infoID    = "creditkit pii key id v1"
)

type dataKey struct {
	id    string      // 16 hex characters, derived from the key; public
	aead  cipher.AEAD // AES-256-GCM with the derived sealing key
	index []byte      // HMAC-SHA-256 key of the blind index
}

func newDataKey(raw []byte) (*dataKey, error) {
	if len(raw) != KeySize {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrBadKey, len(raw), KeySize)
	}
	var derived [3][]byte
	for i, info := range []string{infoSeal, infoIndex, infoID} {
		k, err := hkdf.Key(sha256.New, raw, nil, info, KeySize)
		if err != nil {
			return nil, fmt.Errorf("pii: derive key: %w", err)
		}
		derived[i] = k
	}
	block, err := aes.NewCipher(derived[0])
	if err != nil {
		return nil, fmt.Errorf("pii: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("pii: %w", err)
	}
	return &dataKey{id: hex.EncodeToString(derived[2][:8]), aead: aead, index: derived[1]}, nil
}

// Keyring holds the data keys: one active key that seals, and older keys that still open
// what they sealed until a rotation re-seals it. A Keyring is immutable and safe for
// concurrent use. Every value is sealed with AES-256-GCM under a key derived (HKDF-SHA-256)
// from the data key, with a fresh random 96-bit nonce; keep one active key below about 2^32
// sealed values (the GCM bound for random nonces) — rotate long before.
type Keyring struct {
	keys []*dataKey // active first
	byID map[string]*dataKey
}

// NewKeyring returns a keyring that seals with active and opens with active and every
// retired key. Each key is KeySize bytes; a wrong length or a repeated key wraps ErrBadKey.
func NewKeyring(active []byte, retired ...[]byte) (*Keyring, error) {
	k := &Keyring{byID: map[string]*dataKey{}}
	for _, raw := range append([][]byte{active}, retired...) {
		dk, err := newDataKey(raw)
		if err != nil {
			return nil, err
		}
		if _, dup := k.byID[dk.id]; dup {
			return nil, fmt.Errorf("%w: key %s given twice", ErrBadKey, dk.id)
		}
		k.keys = append(k.keys, dk)
		k.byID[dk.id] = dk
	}
	return k, nil
}

// GenerateKey returns a new random data key.
func GenerateKey() []byte {
	k := make([]byte, KeySize)
	_, _ = rand.Read(k) // never fails (crypto/rand.Read)
	return k
}

// EncodeKey returns key in standard base64, the form ParseKey and the key file read.
func EncodeKey(key []byte) string { return base64.StdEncoding.EncodeToString(key) }

// ParseKey decodes one data key written as 64 hex digits or as base64 (standard or URL
// alphabet, with or without padding) of 32 bytes. Surrounding spaces are ignored. Its
// errors wrap ErrBadKey and never quote the input, which may be a key.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	switch len(s) {
	case 2 * KeySize:
		b, err := hex.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("%w: 64 characters but not hex", ErrBadKey)
		}
		return b, nil
	case 43, 44:
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err := enc.Strict().DecodeString(s); err == nil && len(b) == KeySize {
				return b, nil
			}
		}
		return nil, fmt.Errorf("%w: not base64 of 32 bytes", ErrBadKey)
	}
	return nil, fmt.Errorf("%w: want 32 bytes as 64 hex digits or 44 base64 characters, got %d characters", ErrBadKey, len(s))
}

// ParseKeys decodes a comma-separated list of keys, the form of CREDITKIT_DATA_KEY: the
// first is the active key, the others are retired keys that still open old values. It
// returns the keyring they make.
func ParseKeys(list string) (*Keyring, error) {
	parts := strings.Split(list, ",")
	keys := make([][]byte, 0, len(parts))
	for i, p := range parts {
		k, err := ParseKey(p)
		if err != nil {
			return nil, fmt.Errorf("key %d of %d: %w", i+1, len(parts), err)
		}
		keys = append(keys, k)
	}
	return NewKeyring(keys[0], keys[1:]...)
}

// ActiveID returns the ID of the active key: 16 hex digits derived from the key, safe to
// show and to store beside the values it sealed.
func (k *Keyring) ActiveID() string { return k.keys[0].id }

// IDs returns the IDs of every key, the active one first.
func (k *Keyring) IDs() []string {
	out := make([]string, len(k.keys))
	for i, dk := range k.keys {
		out[i] = dk.id
	}
	return out
}

// Has reports whether the key with the given ID is in the keyring.
func (k *Keyring) Has(id string) bool { _, ok := k.byID[id]; return ok }

// Seal encrypts plaintext under the active key, bound to aad (associated data: name the
// field and, where it never changes, the row, e.g. "customers/C0000012/mobile", so a
// sealed value copied to another field or row fails to open). The result is
// "v1.<key ID>.<base64url of nonce, ciphertext and tag>"; "" seals to "" (an absent value
// stays visibly absent, which hides nothing a response does not already show).
func (k *Keyring) Seal(plaintext, aad string) string {
	if plaintext == "" {
		return ""
	}
	dk := k.keys[0]
	buf := make([]byte, dk.aead.NonceSize(), dk.aead.NonceSize()+len(plaintext)+dk.aead.Overhead())
	_, _ = rand.Read(buf) // never fails (crypto/rand.Read)
	buf = dk.aead.Seal(buf, buf, []byte(plaintext), []byte(aad))
	return sealVersion + "." + dk.id + "." + base64.RawURLEncoding.EncodeToString(buf)
}

// Open decrypts a value Seal returned for the same aad, with whichever key of the ring
// sealed it; "" opens to "". Its errors wrap ErrMalformed, ErrUnknownKey or ErrDecrypt and
// never quote the value.
func (k *Keyring) Open(sealed, aad string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	dk, payload, err := k.parse(sealed)
	if err != nil {
		return "", err
	}
	ns := dk.aead.NonceSize()
	if len(payload) < ns+dk.aead.Overhead() {
		return "", fmt.Errorf("%w: payload too short", ErrMalformed)
	}
	out, err := dk.aead.Open(nil, payload[:ns], payload[ns:], []byte(aad))
	if err != nil {
		return "", fmt.Errorf("%w (key %s)", ErrDecrypt, dk.id)
	}
	return string(out), nil
}

// KeyID returns the ID of the key that sealed a value, without opening it; "" for "".
// Its errors wrap ErrMalformed.
func KeyID(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	id, _, err := split(sealed)
	return id, err
}

// Reseal opens sealed and seals it again under the active key, for a rotation. A value
// already sealed under the active key (or "") is returned unchanged with changed false.
func (k *Keyring) Reseal(sealed, aad string) (out string, changed bool, err error) {
	id, err := KeyID(sealed)
	if err != nil {
		return "", false, err
	}
	if id == "" || id == k.ActiveID() {
		return sealed, false, nil
	}
	plain, err := k.Open(sealed, aad)
	if err != nil {
		return "", false, err
	}
	return k.Seal(plain, aad), true, nil
}

// split parses "v1.<16 hex>.<base64url>" into the key ID and the encoded payload.
func split(sealed string) (id, payload string, err error) {
	version, rest, ok := strings.Cut(sealed, ".")
	if !ok || version != sealVersion {
		return "", "", fmt.Errorf("%w: unknown version", ErrMalformed)
	}
	id, payload, ok = strings.Cut(rest, ".")
	if !ok || len(id) != 16 || !isLowerHex(id) {
		return "", "", fmt.Errorf("%w: bad key ID", ErrMalformed)
	}
	return id, payload, nil
}

func (k *Keyring) parse(sealed string) (*dataKey, []byte, error) {
	id, enc, err := split(sealed)
	if err != nil {
		return nil, nil, err
	}
	payload, err := base64.RawURLEncoding.Strict().DecodeString(enc)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: payload is not base64url", ErrMalformed)
	}
	dk, ok := k.byID[id]
	if !ok {
		return nil, nil, fmt.Errorf("%w: %s", ErrUnknownKey, id)
	}
	return dk, payload, nil
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Index returns the blind index of value in field under the active key: hex of
// HMAC-SHA-256(index key, field, value), where the index key is derived from the data key
// with HKDF. Equal values of one field give equal indexes, so an exact search compares
// indexes without decrypting; the index reveals nothing else. Normalise value first (the
// way it is stored, e.g. an identity number upper-case), and name the field, so equal
// values in different fields do not match.
func (k *Keyring) Index(field, value string) string { return k.keys[0].blindIndex(field, value) }

// Indexes returns the blind index of value under every key, the active key's first: what
// a search looks for while a rotation is re-indexing rows (WHERE idx IN (...)).
func (k *Keyring) Indexes(field, value string) []string {
	out := make([]string, len(k.keys))
	for i, dk := range k.keys {
		out[i] = dk.blindIndex(field, value)
	}
	return out
}

func (dk *dataKey) blindIndex(field, value string) string {
	m := hmac.New(sha256.New, dk.index)
	m.Write([]byte(field))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil))
}
