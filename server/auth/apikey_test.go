package auth

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAPIKeyFormat(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		k, text := newAPIKey()
		assert.Len(t, text, apiKeyLength)
		assert.Equal(t, 63, len(text))
		assert.True(t, strings.HasPrefix(text, "ck_"+k.id+"_"))
		assert.True(t, ValidKeyID(k.id))
		assert.Len(t, k.secret, 32)
		assert.False(t, seen[k.id])
		seen[k.id] = true
		got, err := parseAPIKey(text)
		require.NoError(t, err)
		assert.Equal(t, k, got)
		assert.True(t, secretMatches(hashSecret(k.id, k.secret), got))
	}
}

func TestParseAPIKeyRejects(t *testing.T) {
	_, good := newAPIKey()
	tests := []struct{ name, give string }{
		{"empty", ""},
		{"prefix only", "ck_"},
		{"wrong prefix", "cx_" + good[3:]},
		{"upper-case prefix", "CK_" + good[3:]},
		{"one short", good[:len(good)-1]},
		{"one long", good + "A"},
		{"no separator", good[:19] + "-" + good[20:]},
		{"upper-case ID", "ck_" + strings.ToUpper(good[3:19]) + good[19:]},
		{"ID with 8", "ck_8" + good[4:]},
		{"secret with padding char", good[:len(good)-1] + "="},
		{"secret not base64", good[:20] + strings.Repeat("!", 43)},
		{"JWT-looking", "eyJhbGciOiJIUzI1NiJ9.e30.sig"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseAPIKey(tt.give)
			require.ErrorIs(t, err, ErrUnauthorized)
			if tt.give != "" {
				assert.NotContains(t, err.Error(), tt.give)
			}
		})
	}
}

func TestSecretMismatch(t *testing.T) {
	k, _ := newAPIKey()
	other, _ := newAPIKey()
	stored := hashSecret(k.id, k.secret)
	assert.False(t, secretMatches(stored, apiKey{id: k.id, secret: other.secret}))
	assert.False(t, secretMatches(stored, apiKey{id: other.id, secret: k.secret}), "the hash is tied to the key ID")
	assert.False(t, secretMatches("", k))
}

// FuzzParseAPIKey feeds arbitrary text to the API key parser (what arrives in the
// Authorization and X-API-Key headers): it is a well-formed key that prints back to the
// same text, or an error wrapping ErrUnauthorized.
func FuzzParseAPIKey(f *testing.F) {
	_, good := newAPIKey()
	f.Add(good)
	f.Add("ck_aaaaaaaaaaaaaaaa_" + strings.Repeat("A", 43))
	f.Add("ck_")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := parseAPIKey(s)
		if err != nil {
			if !errors.Is(err, ErrUnauthorized) {
				t.Fatal(err)
			}
			return
		}
		if len(k.secret) != secretBytes || !ValidKeyID(k.id) || len(s) != apiKeyLength {
			t.Fatalf("accepted %q", s)
		}
	})
}
