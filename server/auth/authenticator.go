package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/creditkit/creditkit/server/perm"
)

// Defaults of Config.
const (
	// DefaultCacheTTL is how long a looked-up key, and the set of roles, is trusted before
	// it is read again: the longest a revoked key keeps working on a server that was not
	// told with Forget.
	DefaultCacheTTL = 30 * time.Second
	// MaxCacheTTL is the largest Config.CacheTTL.
	MaxCacheTTL = 5 * time.Minute
	// DefaultCacheSize is the number of key IDs cached when Config.CacheSize is 0.
	DefaultCacheSize = 10000
)

// Config configures New. At least one of Keys and JWT is required.
type Config struct {
	// Keys verifies API keys; nil means API keys are refused.
	Keys *KeyStore
	// Roles resolves custom role names; nil means only the built-in roles exist.
	Roles *RoleStore
	// JWT verifies bearer tokens; nil means tokens other than API keys are refused.
	JWT *JWTConfig
	// CacheTTL bounds how long a key looked up in the database (found, missing or revoked)
	// and the custom roles are trusted: a revocation takes effect on every server within
	// CacheTTL. 0 means DefaultCacheTTL; at most MaxCacheTTL; a negative value disables
	// the cache (every request reads the key).
	CacheTTL time.Duration
	// CacheSize bounds the number of cached key IDs; 0 means DefaultCacheSize.
	CacheSize int
	// Now is the clock of expiry checks and the cache; nil means time.Now.
	Now func() time.Time
}

// Authenticator identifies the caller of a request from Authorization: Bearer <API key or
// JWT> or X-API-Key: <API key>, and returns it as a perm.Actor with its role's
// permissions and its data scope (tree node, assigned-only). It implements the shape of
// server.Authenticator; package server adapts its errors. It is safe for concurrent use.
type Authenticator struct {
	keys  *KeyStore
	roles *RoleStore
	jwt   *jwtVerifier
	ttl   time.Duration
	size  int
	now   func() time.Time

	mu      sync.Mutex
	cache   map[string]cachedKey
	roleSet *perm.Roles
	rolesAt time.Time
}

type cachedKey struct {
	key     Key
	found   bool
	fetched time.Time
}

// New returns an Authenticator; it fails with ErrConfig when cfg accepts nothing or is
// out of range.
func New(cfg Config) (*Authenticator, error) {
	switch {
	case cfg.Keys == nil && cfg.JWT == nil:
		return nil, fmt.Errorf("%w: neither API keys nor JWTs are configured", ErrConfig)
	case cfg.CacheTTL > MaxCacheTTL:
		return nil, fmt.Errorf("%w: cache TTL above %v", ErrConfig, MaxCacheTTL)
	case cfg.CacheSize < 0:
		return nil, fmt.Errorf("%w: negative cache size", ErrConfig)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a := &Authenticator{keys: cfg.Keys, roles: cfg.Roles, ttl: cfg.CacheTTL, size: cfg.CacheSize, now: cfg.Now,
		cache: map[string]cachedKey{}}
	if a.ttl == 0 {
		a.ttl = DefaultCacheTTL
	}
	if a.size == 0 {
		a.size = DefaultCacheSize
	}
	if cfg.JWT != nil {
		v, err := newJWTVerifier(*cfg.JWT, cfg.Now)
		if err != nil {
			return nil, err
		}
		a.jwt = v
	}
	return a, nil
}

// Authenticate identifies the caller from the request's headers, read by canonical name
// through header. Every caller it cannot identify — no credential, a malformed or unknown
// one, a revoked or expired key, a token that fails its signature, issuer, audience or
// time checks, an unknown role — is an error wrapping ErrUnauthorized whose text never
// repeats the credential; a database that does not answer is an error wrapping
// ErrUnavailable.
func (a *Authenticator) Authenticate(ctx context.Context, header func(name string) string) (perm.Actor, error) {
	token, err := credential(header)
	if err != nil {
		return perm.Actor{}, err
	}
	if strings.HasPrefix(token, KeyPrefix) {
		return a.fromAPIKey(ctx, token)
	}
	if a.jwt == nil {
		return perm.Actor{}, fmt.Errorf("%w: not an API key", ErrUnauthorized)
	}
	c, err := a.jwt.verify(token)
	if err != nil {
		return perm.Actor{}, err
	}
	role, err := a.role(ctx, c.Role)
	if err != nil {
		return perm.Actor{}, err
	}
	return role.Actor(c.Subject, c.Name, c.Node), nil
}

// credential finds the one credential of a request.
func credential(header func(string) string) (string, error) {
	bearer := ""
	if h := strings.TrimSpace(header("Authorization")); h != "" {
		scheme, rest, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return "", fmt.Errorf("%w: the Authorization scheme must be Bearer", ErrUnauthorized)
		}
		bearer = strings.TrimSpace(rest)
		if bearer == "" {
			return "", fmt.Errorf("%w: empty bearer token", ErrUnauthorized)
		}
	}
	key := strings.TrimSpace(header("X-Api-Key"))
	switch {
	case bearer != "" && key != "" && bearer != key:
		return "", fmt.Errorf("%w: Authorization and X-API-Key carry different credentials", ErrUnauthorized)
	case key != "" && !strings.HasPrefix(key, KeyPrefix):
		return "", fmt.Errorf("%w: X-API-Key carries only API keys", ErrUnauthorized)
	case bearer == "" && key == "":
		return "", fmt.Errorf("%w: no credentials: send Authorization: Bearer <API key or token>", ErrUnauthorized)
	case bearer != "":
		return bearer, nil
	}
	return key, nil
}

func (a *Authenticator) fromAPIKey(ctx context.Context, token string) (perm.Actor, error) {
	if a.keys == nil {
		return perm.Actor{}, fmt.Errorf("%w: API keys are not accepted here", ErrUnauthorized)
	}
	raw, err := parseAPIKey(token)
	if err != nil {
		return perm.Actor{}, err
	}
	k, found, err := a.lookup(ctx, raw.id)
	if err != nil {
		return perm.Actor{}, err
	}
	now := a.now()
	switch {
	case !found || !secretMatches(k.hash, raw):
		return perm.Actor{}, fmt.Errorf("%w: unknown API key", ErrUnauthorized)
	case !k.RevokedAt.IsZero():
		return perm.Actor{}, fmt.Errorf("%w: API key %s was revoked", ErrUnauthorized, k.ID)
	case !k.Active(now):
		return perm.Actor{}, fmt.Errorf("%w: API key %s has expired", ErrUnauthorized, k.ID)
	}
	role, err := a.role(ctx, k.Role)
	if err != nil {
		return perm.Actor{}, err
	}
	return role.Actor(k.Subject, k.Name, k.Node), nil
}

// lookup reads a key through the cache.
func (a *Authenticator) lookup(ctx context.Context, id string) (Key, bool, error) {
	now := a.now()
	if a.ttl > 0 {
		a.mu.Lock()
		c, ok := a.cache[id]
		a.mu.Unlock()
		if ok && now.Sub(c.fetched) < a.ttl && !now.Before(c.fetched) {
			return c.key, c.found, nil
		}
	}
	k, err := a.keys.Lookup(ctx, id)
	found := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Key{}, false, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if a.ttl > 0 {
		a.mu.Lock()
		if len(a.cache) >= a.size {
			// Drop about a tenth, chosen by map order (effectively at random).
			n := max(1, a.size/10)
			for old := range a.cache {
				delete(a.cache, old)
				if n--; n == 0 {
					break
				}
			}
		}
		a.cache[id] = cachedKey{key: k, found: found, fetched: now}
		a.mu.Unlock()
	}
	return k, found, nil
}

// Forget drops the key from this Authenticator's cache, so a revocation made through this
// process takes effect at once (other processes honour it within CacheTTL).
func (a *Authenticator) Forget(id string) {
	a.mu.Lock()
	delete(a.cache, id)
	a.mu.Unlock()
}

// role resolves a role name: built-in at once, custom through the cached role set.
func (a *Authenticator) role(ctx context.Context, name string) (perm.Role, error) {
	if r, ok := perm.BuiltinRole(name); ok {
		return r, nil
	}
	if a.roles == nil {
		return perm.Role{}, fmt.Errorf("%w: unknown role %q", ErrUnauthorized, name)
	}
	now := a.now()
	a.mu.Lock()
	set, at := a.roleSet, a.rolesAt
	a.mu.Unlock()
	if set == nil || a.ttl <= 0 || now.Sub(at) >= a.ttl || now.Before(at) {
		loaded, err := a.roles.Load(ctx)
		if err != nil {
			if errors.Is(err, ErrUnavailable) {
				return perm.Role{}, err
			}
			return perm.Role{}, fmt.Errorf("%w: roles: %v", ErrUnavailable, err)
		}
		a.mu.Lock()
		a.roleSet, a.rolesAt = loaded, now
		a.mu.Unlock()
		set = loaded
	}
	r, ok := set.Lookup(name)
	if !ok {
		return perm.Role{}, fmt.Errorf("%w: unknown role %q", ErrUnauthorized, name)
	}
	return r, nil
}
