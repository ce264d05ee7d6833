package auth

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"strings"
	"time"
)

// Environment variables JWTConfigFromEnv reads.
const (
	EnvJWTIssuer    = "CREDITKIT_JWT_ISSUER"
	EnvJWTAudience  = "CREDITKIT_JWT_AUDIENCE"
	EnvJWTSecret    = "CREDITKIT_JWT_SECRET"             // HS256 shared secret, at least 32 bytes
	EnvJWTPublicKey = "CREDITKIT_JWT_ED25519_PUBLIC_KEY" // base64 of the 32-byte key, or a PEM "PUBLIC KEY"
	EnvJWTLeeway    = "CREDITKIT_JWT_LEEWAY"             // e.g. 30s
)

// JWTConfigFromEnv reads a JWTConfig from the CREDITKIT_JWT_* variables: issuer and
// audience, and either the HS256 secret or the Ed25519 public key. It returns nil and no
// error when none of them is set (JWTs are then not accepted), and an error wrapping
// ErrConfig, which never quotes a secret, when the set is incomplete or malformed.
func JWTConfigFromEnv(getenv func(string) string) (*JWTConfig, error) {
	iss, aud := getenv(EnvJWTIssuer), getenv(EnvJWTAudience)
	secret, pub, leeway := getenv(EnvJWTSecret), strings.TrimSpace(getenv(EnvJWTPublicKey)), getenv(EnvJWTLeeway)
	if iss == "" && aud == "" && secret == "" && pub == "" && leeway == "" {
		return nil, nil
	}
	c := &JWTConfig{Issuer: iss, Audience: aud}
	if secret != "" {
		c.HMACSecret = []byte(secret)
	}
	if pub != "" {
		k, err := parseEd25519PublicKey(pub)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrConfig, EnvJWTPublicKey, err)
		}
		c.Ed25519Key = k
	}
	if leeway != "" {
		d, err := time.ParseDuration(leeway)
		if err != nil {
			return nil, fmt.Errorf("%w: %s must be a duration such as 30s", ErrConfig, EnvJWTLeeway)
		}
		c.Leeway = d
	}
	if _, err := newJWTVerifier(*c, time.Now); err != nil {
		return nil, err
	}
	return c, nil
}

// parseEd25519PublicKey reads base64 (standard or URL, padded or not) of 32 bytes, or a
// PEM block "PUBLIC KEY" holding a PKIX Ed25519 key.
func parseEd25519PublicKey(s string) (ed25519.PublicKey, error) {
	if strings.HasPrefix(s, "-----BEGIN") {
		block, _ := pem.Decode([]byte(s))
		if block == nil || block.Type != "PUBLIC KEY" {
			return nil, fmt.Errorf("not a PEM PUBLIC KEY block")
		}
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("PEM: %v", err)
		}
		ek, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("the PEM key is not Ed25519")
		}
		return ek, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.Strict().DecodeString(s); err == nil && len(b) == ed25519.PublicKeySize {
			return ed25519.PublicKey(b), nil
		}
	}
	return nil, fmt.Errorf("want base64 of %d bytes or a PEM PUBLIC KEY", ed25519.PublicKeySize)
}
