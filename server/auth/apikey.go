package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// An API key reads ck_<key ID>_<secret>: the recognisable prefix "ck_" (so secret
// scanners and people can tell a creditkit key), a key ID of 16 lower-case base32
// characters (10 random bytes; public, the lookup key), '_' and a secret of 43 base64url
// characters (32 random bytes). 63 characters in all.
const (
	KeyPrefix    = "ck_"
	keyIDLen     = 16
	secretBytes  = 32
	secretLen    = 43 // base64url without padding of 32 bytes
	apiKeyLength = len(KeyPrefix) + keyIDLen + 1 + secretLen
)

var keyIDEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// apiKey is a parsed API key.
type apiKey struct {
	id     string
	secret []byte
}

// newAPIKey draws a fresh key ID and secret and returns the key and its text.
func newAPIKey() (apiKey, string) {
	var id [10]byte
	secret := make([]byte, secretBytes)
	_, _ = rand.Read(id[:]) // never fails (crypto/rand.Read)
	_, _ = rand.Read(secret)
	k := apiKey{id: keyIDEncoding.EncodeToString(id[:]), secret: secret}
	return k, KeyPrefix + k.id + "_" + base64.RawURLEncoding.EncodeToString(secret)
}

// parseAPIKey reads the text of an API key; any deviation from the format is an error
// wrapping ErrUnauthorized that does not quote the text.
func parseAPIKey(s string) (apiKey, error) {
	if len(s) != apiKeyLength || !strings.HasPrefix(s, KeyPrefix) || s[len(KeyPrefix)+keyIDLen] != '_' {
		return apiKey{}, fmt.Errorf("%w: malformed API key", ErrUnauthorized)
	}
	id := s[len(KeyPrefix) : len(KeyPrefix)+keyIDLen]
	if !ValidKeyID(id) {
		return apiKey{}, fmt.Errorf("%w: malformed API key", ErrUnauthorized)
	}
	secret, err := base64.RawURLEncoding.Strict().DecodeString(s[len(KeyPrefix)+keyIDLen+1:])
	if err != nil || len(secret) != secretBytes {
		return apiKey{}, fmt.Errorf("%w: malformed API key", ErrUnauthorized)
	}
	return apiKey{id: id, secret: secret}, nil
}

// ValidKeyID reports whether id has the form of a key ID (16 characters of a-z and 2-7,
// encoding 10 bytes).
func ValidKeyID(id string) bool {
	if len(id) != keyIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// hashSecret is what the database keeps of a key: SHA-256 over a label, the key ID and
// the secret. A fast hash is enough here — password hashing (bcrypt, Argon2) exists to
// slow the guessing of secrets people choose, and a 256-bit random secret cannot be
// guessed at any speed — and it keeps an authentication at microseconds. The key ID
// inside ties a stored hash to its row.
func hashSecret(id string, secret []byte) string {
	h := sha256.New()
	h.Write([]byte("creditkit api key v1\x00"))
	h.Write([]byte(id))
	h.Write([]byte{0})
	h.Write(secret)
	return hex.EncodeToString(h.Sum(nil))
}

// secretMatches compares in constant time.
func secretMatches(stored string, k apiKey) bool {
	return subtle.ConstantTimeCompare([]byte(stored), []byte(hashSecret(k.id, k.secret))) == 1
}
