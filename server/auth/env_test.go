package auth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJWTConfigFromEnv(t *testing.T) {
	pub, _, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	der, err := x509.MarshalPKIXPublicKey(pub)
	require.NoError(t, err)
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	c, err := JWTConfigFromEnv(env(nil))
	require.NoError(t, err)
	assert.Nil(t, c, "nothing set: JWTs off")

	c, err = JWTConfigFromEnv(env(map[string]string{EnvJWTIssuer: "idp", EnvJWTAudience: "creditkit", EnvJWTSecret: string(hmacSecret), EnvJWTLeeway: "10s"}))
	require.NoError(t, err)
	assert.Equal(t, &JWTConfig{Issuer: "idp", Audience: "creditkit", HMACSecret: hmacSecret, Leeway: 10 * time.Second}, c)

	for _, k := range []string{base64.StdEncoding.EncodeToString(pub), base64.RawURLEncoding.EncodeToString(pub), pemKey, "\n" + pemKey} {
		c, err = JWTConfigFromEnv(env(map[string]string{EnvJWTIssuer: "idp", EnvJWTAudience: "creditkit", EnvJWTPublicKey: k}))
		require.NoError(t, err, k)
		assert.Equal(t, pub, c.Ed25519Key)
	}

	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ecDER, err := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	require.NoError(t, err)
	ecPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecDER}))
	for name, m := range map[string]map[string]string{
		"issuer only":        {EnvJWTIssuer: "idp"},
		"no key":             {EnvJWTIssuer: "idp", EnvJWTAudience: "a"},
		"short secret":       {EnvJWTIssuer: "idp", EnvJWTAudience: "a", EnvJWTSecret: "short"},
		"both keys":          {EnvJWTIssuer: "idp", EnvJWTAudience: "a", EnvJWTSecret: string(hmacSecret), EnvJWTPublicKey: base64.StdEncoding.EncodeToString(pub)},
		"bad key":            {EnvJWTIssuer: "idp", EnvJWTAudience: "a", EnvJWTPublicKey: "abc"},
		"bad PEM":            {EnvJWTIssuer: "idp", EnvJWTAudience: "a", EnvJWTPublicKey: "-----BEGIN NOTHING-----"},
		"not Ed25519":        {EnvJWTIssuer: "idp", EnvJWTAudience: "a", EnvJWTPublicKey: ecPEM},
		"bad leeway":         {EnvJWTIssuer: "idp", EnvJWTAudience: "a", EnvJWTSecret: string(hmacSecret), EnvJWTLeeway: "soon"},
		"leeway too long":    {EnvJWTIssuer: "idp", EnvJWTAudience: "a", EnvJWTSecret: string(hmacSecret), EnvJWTLeeway: "1h"},
		"secret without iss": {EnvJWTAudience: "a", EnvJWTSecret: string(hmacSecret)},
	} {
		_, err := JWTConfigFromEnv(env(m))
		require.True(t, errors.Is(err, ErrConfig), "%s: %v", name, err)
		if s := m[EnvJWTSecret]; s != "" {
			assert.NotContains(t, err.Error(), s, name)
		}
	}
}
