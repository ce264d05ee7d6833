package pii

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func testRing(t testing.TB, keys ...[]byte) *Keyring {
	t.Helper()
	k, err := NewKeyring(keys[0], keys[1:]...)
	require.NoError(t, err)
	return k
}

func TestSealOpen(t *testing.T) {
	ring := testRing(t, testKey(1))
	tests := []struct{ name, give string }{
		{"mobile", "13812345678"},
		{"chinese address", "北京市朝阳区建国路88号"},
		{"one byte", "x"},
		{"long", strings.Repeat("长", 5000)},
		{"binary", "\x00\xff\xfe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sealed := ring.Seal(tt.give, "customers/C1/mobile")
			assert.True(t, strings.HasPrefix(sealed, "v1."+ring.ActiveID()+"."), sealed)
			if len(tt.give) >= 8 {
				assert.NotContains(t, sealed, tt.give)
			}
			got, err := ring.Open(sealed, "customers/C1/mobile")
			require.NoError(t, err)
			assert.Equal(t, tt.give, got)
			assert.NotEqual(t, sealed, ring.Seal(tt.give, "customers/C1/mobile"), "a fresh nonce every time")
			id, err := KeyID(sealed)
			require.NoError(t, err)
			assert.Equal(t, ring.ActiveID(), id)
		})
	}
	assert.Equal(t, "", ring.Seal("", "x"))
	got, err := ring.Open("", "x")
	require.NoError(t, err)
	assert.Equal(t, "", got)
}

func TestOpenRejects(t *testing.T) {
	ring := testRing(t, testKey(1))
	other := testRing(t, testKey(2))
	good := ring.Seal("13812345678", "customers/C1/mobile")
	id, payload, err := split(good)
	require.NoError(t, err)
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	require.NoError(t, err)
	flipped := bytes.Clone(raw)
	flipped[len(flipped)-1] ^= 1
	tests := []struct {
		name, give, aad string
		want            error
	}{
		{"other row", good, "customers/C2/mobile", ErrDecrypt},
		{"other field", good, "customers/C1/email", ErrDecrypt},
		{"flipped bit", "v1." + id + "." + base64.RawURLEncoding.EncodeToString(flipped), "customers/C1/mobile", ErrDecrypt},
		{"unknown key", other.Seal("x", "a"), "a", ErrUnknownKey},
		{"no version", strings.TrimPrefix(good, "v1."), "customers/C1/mobile", ErrMalformed},
		{"version 2", "v2" + strings.TrimPrefix(good, "v1"), "customers/C1/mobile", ErrMalformed},
		{"short ID", "v1.abc." + payload, "a", ErrMalformed},
		{"upper-case ID", "v1." + strings.ToUpper(id) + "." + payload, "a", ErrMalformed},
		{"no payload separator", "v1." + id, "a", ErrMalformed},
		{"padded payload", good + "==", "a", ErrMalformed},
		{"not base64", "v1." + id + ".!!!!", "a", ErrMalformed},
		{"truncated", "v1." + id + "." + base64.RawURLEncoding.EncodeToString(raw[:20]), "a", ErrMalformed},
		{"plain text", "13812345678", "a", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ring.Open(tt.give, tt.aad)
			require.ErrorIs(t, err, tt.want)
			assert.NotContains(t, err.Error(), "13812345678")
		})
	}
}

func TestRotationKeyring(t *testing.T) {
	old := testRing(t, testKey(1))
	sealed := old.Seal("11010519491231002X", "c/1/doc")
	next := testRing(t, testKey(2), testKey(1))
	assert.Equal(t, []string{next.ActiveID(), old.ActiveID()}, next.IDs())
	got, err := next.Open(sealed, "c/1/doc")
	require.NoError(t, err, "a retired key still opens")
	assert.Equal(t, "11010519491231002X", got)

	resealed, changed, err := next.Reseal(sealed, "c/1/doc")
	require.NoError(t, err)
	assert.True(t, changed)
	id, _ := KeyID(resealed)
	assert.Equal(t, next.ActiveID(), id)
	again, changed, err := next.Reseal(resealed, "c/1/doc")
	require.NoError(t, err)
	assert.False(t, changed)
	assert.Equal(t, resealed, again)
	_, err = old.Open(resealed, "c/1/doc")
	require.ErrorIs(t, err, ErrUnknownKey)

	_, _, err = next.Reseal(sealed, "c/2/doc")
	require.ErrorIs(t, err, ErrDecrypt)
	_, _, err = next.Reseal("garbage", "c/2/doc")
	require.ErrorIs(t, err, ErrMalformed)
}

func TestBlindIndex(t *testing.T) {
	ring := testRing(t, testKey(1))
	a := ring.Index("mobile", "13812345678")
	assert.Len(t, a, 64)
	assert.Equal(t, a, ring.Index("mobile", "13812345678"), "deterministic")
	assert.NotEqual(t, a, ring.Index("mobile", "13812345679"))
	assert.NotEqual(t, a, ring.Index("contact_mobile", "13812345678"), "fields are separated")
	assert.NotEqual(t, ring.Index("ab", "c"), ring.Index("a", "bc"), "field and value are delimited")
	assert.NotEqual(t, a, testRing(t, testKey(2)).Index("mobile", "13812345678"))

	next := testRing(t, testKey(2), testKey(1))
	assert.Equal(t, []string{next.Index("mobile", "13812345678"), a}, next.Indexes("mobile", "13812345678"))
}

func TestKeyDerivationIsSeparated(t *testing.T) {
	k := testKey(7)
	dk, err := newDataKey(k)
	require.NoError(t, err)
	assert.NotEqual(t, k, dk.index, "the index key is derived, not the data key")
	assert.NotContains(t, hex.EncodeToString(k), dk.id)
	assert.Len(t, dk.id, 16)
}

func TestNewKeyringRejects(t *testing.T) {
	_, err := NewKeyring(testKey(1)[:31])
	require.ErrorIs(t, err, ErrBadKey)
	_, err = NewKeyring(testKey(1), testKey(1))
	require.ErrorIs(t, err, ErrBadKey)
	_, err = NewKeyring(nil)
	require.ErrorIs(t, err, ErrBadKey)
}

func TestParseKey(t *testing.T) {
	k := GenerateKey()
	require.Len(t, k, KeySize)
	assert.NotEqual(t, k, GenerateKey())
	for _, give := range []string{
		hex.EncodeToString(k),
		strings.ToUpper(hex.EncodeToString(k)),
		base64.StdEncoding.EncodeToString(k),
		base64.RawStdEncoding.EncodeToString(k),
		base64.URLEncoding.EncodeToString(k),
		base64.RawURLEncoding.EncodeToString(k),
		"  " + EncodeKey(k) + "\n",
	} {
		got, err := ParseKey(give)
		require.NoError(t, err, give)
		assert.Equal(t, k, got)
	}
	for _, give := range []string{
		"", "short", hex.EncodeToString(k)[:62], strings.Repeat("g", 64),
		base64.StdEncoding.EncodeToString(append(k, 1)), strings.Repeat("!", 44),
		base64.StdEncoding.EncodeToString(k[:31]) + "AA",
	} {
		_, err := ParseKey(give)
		require.ErrorIs(t, err, ErrBadKey, give)
		if give != "" {
			assert.NotContains(t, err.Error(), give)
		}
	}
}

func TestParseKeys(t *testing.T) {
	a, b := GenerateKey(), GenerateKey()
	ring, err := ParseKeys(EncodeKey(a) + ", " + hex.EncodeToString(b))
	require.NoError(t, err)
	assert.Equal(t, testRing(t, a, b).IDs(), ring.IDs())
	_, err = ParseKeys(EncodeKey(a) + ",")
	require.ErrorIs(t, err, ErrBadKey)
	_, err = ParseKeys(EncodeKey(a) + "," + EncodeKey(a))
	require.ErrorIs(t, err, ErrBadKey)
}
