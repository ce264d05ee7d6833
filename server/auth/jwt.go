package auth

import (
	"crypto/ed25519"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// JWT limits.
const (
	// DefaultLeeway is the clock skew allowed on exp, nbf and iat when JWTConfig.Leeway is 0.
	DefaultLeeway = 30 * time.Second
	// MaxLeeway is the largest JWTConfig.Leeway.
	MaxLeeway = 5 * time.Minute
	// MinHMACSecret is the shortest HS256 secret accepted, in bytes (RFC 7518 §3.2: at
	// least the hash's size).
	MinHMACSecret = 32
	// maxToken bounds what the parser reads.
	maxToken = 8 << 10
)

// JWTConfig accepts bearer tokens signed by one identity provider: HS256 with a shared
// secret, or EdDSA (Ed25519) with the provider's public key — exactly one of them. No
// other algorithm is accepted, "none" included, and a token's header cannot choose the
// key: an EdDSA configuration rejects HS256 tokens and the reverse.
type JWTConfig struct {
	// Issuer must equal the token's iss; required.
	Issuer string
	// Audience must be among the token's aud; required.
	Audience string
	// HMACSecret verifies HS256 tokens; at least MinHMACSecret bytes.
	HMACSecret []byte
	// Ed25519Key verifies EdDSA tokens.
	Ed25519Key ed25519.PublicKey
	// Leeway is the clock skew allowed on exp, nbf and iat; 0 means DefaultLeeway, at most
	// MaxLeeway.
	Leeway time.Duration
}

// Claims are the claims creditkit reads from a token: the registered ones (exp is
// required; nbf and iat are checked when present) and sub (the actor ID, required), role
// (a built-in or custom role, required), node (the tree node the caller is bound to,
// required, 1 for the bank) and name (for people, optional).
type Claims struct {
	jwt.RegisteredClaims
	Role string `json:"role"`
	Node int64  `json:"node"`
	Name string `json:"name,omitempty"`
}

// jwtVerifier checks tokens against one JWTConfig.
type jwtVerifier struct {
	parser *jwt.Parser
	method jwt.SigningMethod
	key    any
}

func newJWTVerifier(c JWTConfig, now func() time.Time) (*jwtVerifier, error) {
	switch {
	case c.Issuer == "" || c.Audience == "":
		return nil, fmt.Errorf("%w: JWT issuer and audience are required", ErrConfig)
	case c.Leeway < 0 || c.Leeway > MaxLeeway:
		return nil, fmt.Errorf("%w: JWT leeway must be 0 to %v", ErrConfig, MaxLeeway)
	case (c.HMACSecret != nil) == (c.Ed25519Key != nil):
		return nil, fmt.Errorf("%w: give exactly one of an HS256 secret and an Ed25519 public key", ErrConfig)
	case c.HMACSecret != nil && len(c.HMACSecret) < MinHMACSecret:
		return nil, fmt.Errorf("%w: the HS256 secret must be at least %d bytes", ErrConfig, MinHMACSecret)
	case c.Ed25519Key != nil && len(c.Ed25519Key) != ed25519.PublicKeySize:
		return nil, fmt.Errorf("%w: an Ed25519 public key is %d bytes", ErrConfig, ed25519.PublicKeySize)
	}
	if c.Leeway == 0 {
		c.Leeway = DefaultLeeway
	}
	v := &jwtVerifier{method: jwt.SigningMethodHS256, key: append([]byte(nil), c.HMACSecret...)}
	if c.Ed25519Key != nil {
		v.method, v.key = jwt.SigningMethodEdDSA, append(ed25519.PublicKey(nil), c.Ed25519Key...)
	}
	v.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{v.method.Alg()}),
		jwt.WithIssuer(c.Issuer),
		jwt.WithAudience(c.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(c.Leeway),
		jwt.WithTimeFunc(now),
		jwt.WithStrictDecoding(),
	)
	return v, nil
}

// verify checks the token's signature and claims and returns its claims; every failure
// wraps ErrUnauthorized.
func (v *jwtVerifier) verify(token string) (Claims, error) {
	if len(token) > maxToken {
		return Claims{}, fmt.Errorf("%w: token too long", ErrUnauthorized)
	}
	var c Claims
	_, err := v.parser.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		if t.Method != v.method { // WithValidMethods already refuses others; be explicit
			return nil, fmt.Errorf("unexpected signing method %v", t.Header["alg"])
		}
		return v.key, nil
	})
	if err != nil {
		return Claims{}, fmt.Errorf("%w: bearer token: %v", ErrUnauthorized, err)
	}
	switch {
	case c.Subject == "" || !printable(c.Subject, 128):
		return Claims{}, fmt.Errorf("%w: bearer token: sub must be 1 to 128 printable characters", ErrUnauthorized)
	case c.Role == "":
		return Claims{}, fmt.Errorf("%w: bearer token: no role", ErrUnauthorized)
	case c.Node <= 0:
		return Claims{}, fmt.Errorf("%w: bearer token: node must be a tree node ID (1 for the bank)", ErrUnauthorized)
	case c.Name != "" && !printable(c.Name, 128):
		return Claims{}, fmt.Errorf("%w: bearer token: name must be up to 128 printable characters", ErrUnauthorized)
	}
	return c, nil
}

// SignHS256 signs claims with an HS256 secret: for tests and for tools that mint tokens
// for a JWTConfig with the same secret.
func SignHS256(secret []byte, c Claims) (string, error) {
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(secret)
}

// SignEdDSA signs claims with an Ed25519 private key: for tests and for tools that mint
// tokens for a JWTConfig holding the matching public key.
func SignEdDSA(key ed25519.PrivateKey, c Claims) (string, error) {
	return jwt.NewWithClaims(jwt.SigningMethodEdDSA, c).SignedString(key)
}
