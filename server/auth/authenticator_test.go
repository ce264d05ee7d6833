package auth

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/server/perm"
)

var hmacSecret = []byte("0123456789abcdef0123456789abcdef")

func newAuth(t testing.TB, f *fixture, jc *JWTConfig) *Authenticator {
	t.Helper()
	a, err := New(Config{Keys: f.keys, Roles: f.roles, JWT: jc, Now: f.clock.Now})
	require.NoError(t, err)
	return a
}

func TestAuthenticateAPIKey(t *testing.T) {
	ctx := context.Background()
	f := sqliteFixture(t)
	a := newAuth(t, f, nil)
	k, text, err := f.keys.Create(ctx, admin, NewKey{Role: perm.RoleOfficer, Node: 2, Subject: "O-0007", Name: "Li Lei"})
	require.NoError(t, err)
	officer, _ := perm.BuiltinRole(perm.RoleOfficer)
	want := officer.Actor("O-0007", "Li Lei", 2)

	_, other, err := f.keys.Create(ctx, admin, NewKey{Role: perm.RoleAuditor})
	require.NoError(t, err)
	wrongSecret := text[:20] + other[20:]
	unknownID := "ck_aaaaaaaaaaaaaaaa_" + text[20:]

	good := []struct {
		name string
		give map[string]string
	}{
		{"bearer", map[string]string{"Authorization": "Bearer " + text}},
		{"lower-case scheme and spaces", map[string]string{"Authorization": "  bearer   " + text + " "}},
		{"x-api-key", map[string]string{"X-Api-Key": text}},
		{"both, equal", map[string]string{"Authorization": "Bearer " + text, "X-Api-Key": text}},
	}
	for _, tt := range good {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.Authenticate(ctx, headers(tt.give))
			require.NoError(t, err)
			assert.Equal(t, want, got)
			assert.True(t, got.AssignedOnly)
			assert.Equal(t, int64(2), got.Node)
		})
	}
	bad := []struct {
		name string
		give map[string]string
	}{
		{"nothing", nil},
		{"basic scheme", map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("a:b"))}},
		{"bare key without scheme", map[string]string{"Authorization": text}},
		{"empty bearer", map[string]string{"Authorization": "Bearer "}},
		{"wrong secret", map[string]string{"Authorization": "Bearer " + wrongSecret}},
		{"unknown ID", map[string]string{"Authorization": "Bearer " + unknownID}},
		{"truncated", map[string]string{"Authorization": "Bearer " + text[:62]}},
		{"two different", map[string]string{"Authorization": "Bearer " + text, "X-Api-Key": other}},
		{"JWT in X-API-Key", map[string]string{"X-Api-Key": "a.b.c"}},
		{"JWT without a JWT config", map[string]string{"Authorization": "Bearer a.b.c"}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.Authenticate(ctx, headers(tt.give))
			require.ErrorIs(t, err, ErrUnauthorized)
			assert.NotContains(t, err.Error(), text[20:], "the secret never appears in an error")
		})
	}
	_ = k
}

func TestRevocationHonouredWithinTheTTL(t *testing.T) {
	ctx := context.Background()
	f := sqliteFixture(t)
	a := newAuth(t, f, nil)
	other := newAuth(t, f, nil) // a second server process
	k, text, err := f.keys.Create(ctx, admin, NewKey{Role: perm.RoleAnalyst})
	require.NoError(t, err)
	for _, x := range []*Authenticator{a, other} {
		_, err = x.Authenticate(ctx, bearer(text))
		require.NoError(t, err)
	}
	_, err = f.keys.Revoke(ctx, admin, k.ID)
	require.NoError(t, err)
	a.Forget(k.ID)
	_, err = a.Authenticate(ctx, bearer(text))
	require.ErrorIs(t, err, ErrUnauthorized, "the process told with Forget refuses at once")

	f.clock.Advance(DefaultCacheTTL - time.Second)
	_, err = other.Authenticate(ctx, bearer(text))
	require.NoError(t, err, "another process may serve its cached copy until the TTL ends")
	f.clock.Advance(time.Second)
	_, err = other.Authenticate(ctx, bearer(text))
	require.ErrorIs(t, err, ErrUnauthorized, "and refuses once it has")

	uncached, err := New(Config{Keys: f.keys, CacheTTL: -1, Now: f.clock.Now})
	require.NoError(t, err)
	k2, text2, err := f.keys.Create(ctx, admin, NewKey{Role: perm.RoleAnalyst})
	require.NoError(t, err)
	_, err = uncached.Authenticate(ctx, bearer(text2))
	require.NoError(t, err)
	_, err = f.keys.Revoke(ctx, admin, k2.ID)
	require.NoError(t, err)
	_, err = uncached.Authenticate(ctx, bearer(text2))
	require.ErrorIs(t, err, ErrUnauthorized, "without a cache a revocation is immediate")
}

func TestExpiredKey(t *testing.T) {
	ctx := context.Background()
	f := sqliteFixture(t)
	a := newAuth(t, f, nil)
	_, text, err := f.keys.Create(ctx, admin, NewKey{Role: perm.RoleAnalyst, ExpiresAt: f.clock.Now().Add(time.Hour)})
	require.NoError(t, err)
	_, err = a.Authenticate(ctx, bearer(text))
	require.NoError(t, err)
	f.clock.Advance(time.Hour)
	_, err = a.Authenticate(ctx, bearer(text))
	require.ErrorIs(t, err, ErrUnauthorized, "expiry is checked on every request, cached or not")
}

func TestCustomRoleThroughTheCache(t *testing.T) {
	ctx := context.Background()
	f := sqliteFixture(t)
	a := newAuth(t, f, nil)
	teller := perm.Role{Name: "teller", Permissions: []perm.Permission{perm.CustomerRead}, AssignedOnly: true}
	require.NoError(t, f.roles.Put(ctx, admin, teller))
	k, text, err := f.keys.Create(ctx, admin, NewKey{Role: "teller", Node: 3, Subject: "T-1"})
	require.NoError(t, err)
	got, err := a.Authenticate(ctx, bearer(text))
	require.NoError(t, err)
	assert.Equal(t, teller.Actor("T-1", "", 3), got)

	_, err = f.keys.Revoke(ctx, admin, k.ID)
	require.NoError(t, err)
	require.NoError(t, f.roles.Delete(ctx, admin, "teller"))
	// A JWT naming the deleted role is refused once the role set is read again.
	jc := &JWTConfig{Issuer: "idp", Audience: "creditkit", HMACSecret: hmacSecret}
	ja := newAuth(t, f, jc)
	tok := signHS(t, claims(f, func(c *Claims) { c.Role = "teller" }))
	_, err = ja.Authenticate(ctx, bearer(tok))
	require.ErrorIs(t, err, ErrUnauthorized)
}

func TestAuthenticateIsSafeConcurrently(t *testing.T) {
	ctx := context.Background()
	f := sqliteFixture(t)
	a, err := New(Config{Keys: f.keys, Roles: f.roles, CacheSize: 3, Now: f.clock.Now})
	require.NoError(t, err)
	var texts []string
	for range 5 {
		_, text, err := f.keys.Create(ctx, admin, NewKey{Role: perm.RoleApprover})
		require.NoError(t, err)
		texts = append(texts, text)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 20 {
				_, err := a.Authenticate(ctx, bearer(texts[(i+j)%len(texts)]))
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	a.mu.Lock()
	defer a.mu.Unlock()
	assert.LessOrEqual(t, len(a.cache), 3, "the cache stays within its size")
}

func TestNewRejects(t *testing.T) {
	f := sqliteFixture(t)
	tests := []struct {
		name string
		give Config
	}{
		{"nothing accepted", Config{}},
		{"TTL too long", Config{Keys: f.keys, CacheTTL: time.Hour}},
		{"negative size", Config{Keys: f.keys, CacheSize: -1}},
		{"JWT without issuer", Config{JWT: &JWTConfig{Audience: "a", HMACSecret: hmacSecret}}},
		{"JWT without audience", Config{JWT: &JWTConfig{Issuer: "i", HMACSecret: hmacSecret}}},
		{"JWT without key", Config{JWT: &JWTConfig{Issuer: "i", Audience: "a"}}},
		{"JWT with both keys", Config{JWT: &JWTConfig{Issuer: "i", Audience: "a", HMACSecret: hmacSecret, Ed25519Key: make(ed25519.PublicKey, 32)}}},
		{"short secret", Config{JWT: &JWTConfig{Issuer: "i", Audience: "a", HMACSecret: []byte("short")}}},
		{"bad Ed25519 key", Config{JWT: &JWTConfig{Issuer: "i", Audience: "a", Ed25519Key: make(ed25519.PublicKey, 31)}}},
		{"huge leeway", Config{JWT: &JWTConfig{Issuer: "i", Audience: "a", HMACSecret: hmacSecret, Leeway: time.Hour}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.give)
			require.ErrorIs(t, err, ErrConfig)
		})
	}
}

func claims(f *fixture, edit ...func(*Claims)) Claims {
	now := f.clock.Now()
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: "idp", Audience: jwt.ClaimStrings{"creditkit"}, Subject: "A-0001",
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(10 * time.Minute))},
		Role: perm.RoleApprover, Node: 2, Name: "Wang Fang",
	}
	for _, e := range edit {
		e(&c)
	}
	return c
}

func signHS(t testing.TB, c Claims) string {
	t.Helper()
	s, err := SignHS256(hmacSecret, c)
	require.NoError(t, err)
	return s
}

func TestAuthenticateJWT(t *testing.T) {
	ctx := context.Background()
	f := sqliteFixture(t)
	pub, priv, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	hs := newAuth(t, f, &JWTConfig{Issuer: "idp", Audience: "creditkit", HMACSecret: hmacSecret})
	ed := newAuth(t, f, &JWTConfig{Issuer: "idp", Audience: "creditkit", Ed25519Key: pub})
	approver, _ := perm.BuiltinRole(perm.RoleApprover)
	want := approver.Actor("A-0001", "Wang Fang", 2)

	got, err := hs.Authenticate(ctx, bearer(signHS(t, claims(f))))
	require.NoError(t, err)
	assert.Equal(t, want, got)
	edTok, err := SignEdDSA(priv, claims(f))
	require.NoError(t, err)
	got, err = ed.Authenticate(ctx, bearer(edTok))
	require.NoError(t, err)
	assert.Equal(t, want, got)
	multi := signHS(t, claims(f, func(c *Claims) { c.Audience = jwt.ClaimStrings{"other", "creditkit"} }))
	_, err = hs.Authenticate(ctx, bearer(multi))
	require.NoError(t, err, "our audience among several")
	skewed := signHS(t, claims(f, func(c *Claims) { c.ExpiresAt = jwt.NewNumericDate(f.clock.Now().Add(-20 * time.Second)) }))
	_, err = hs.Authenticate(ctx, bearer(skewed))
	require.NoError(t, err, "20 s past expiry is inside the 30 s leeway")

	now := f.clock.Now()
	_, otherPriv, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	otherEd, err := SignEdDSA(otherPriv, claims(f))
	require.NoError(t, err)
	// alg confusion: an HS256 token whose HMAC key is the EdDSA public key.
	confused, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims(f)).SignedString([]byte(pub))
	require.NoError(t, err)
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims(f)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	require.NoError(t, err)
	hs512, err := jwt.NewWithClaims(jwt.SigningMethodHS512, claims(f)).SignedString(hmacSecret)
	require.NoError(t, err)
	good := signHS(t, claims(f))
	parts := strings.Split(good, ".")
	tamperedPayload := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"idp","aud":"creditkit","sub":"root","role":"admin","node":1,"exp":9999999999}`)) + "." + parts[2]

	tests := []struct {
		name string
		auth *Authenticator
		give string
	}{
		{"expired", hs, signHS(t, claims(f, func(c *Claims) { c.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Minute)) }))},
		{"no expiry", hs, signHS(t, claims(f, func(c *Claims) { c.ExpiresAt = nil }))},
		{"not yet valid", hs, signHS(t, claims(f, func(c *Claims) { c.NotBefore = jwt.NewNumericDate(now.Add(time.Minute)) }))},
		{"issued in the future", hs, signHS(t, claims(f, func(c *Claims) { c.IssuedAt = jwt.NewNumericDate(now.Add(time.Minute)) }))},
		{"wrong issuer", hs, signHS(t, claims(f, func(c *Claims) { c.Issuer = "evil" }))},
		{"no issuer", hs, signHS(t, claims(f, func(c *Claims) { c.Issuer = "" }))},
		{"wrong audience", hs, signHS(t, claims(f, func(c *Claims) { c.Audience = jwt.ClaimStrings{"other"} }))},
		{"no audience", hs, signHS(t, claims(f, func(c *Claims) { c.Audience = nil }))},
		{"no subject", hs, signHS(t, claims(f, func(c *Claims) { c.Subject = "" }))},
		{"control character in subject", hs, signHS(t, claims(f, func(c *Claims) { c.Subject = "a\x00b" }))},
		{"no role", hs, signHS(t, claims(f, func(c *Claims) { c.Role = "" }))},
		{"unknown role", hs, signHS(t, claims(f, func(c *Claims) { c.Role = "superuser" }))},
		{"no node", hs, signHS(t, claims(f, func(c *Claims) { c.Node = 0 }))},
		{"negative node", hs, signHS(t, claims(f, func(c *Claims) { c.Node = -4 }))},
		{"wrong HMAC secret", hs, func() string {
			s, _ := SignHS256([]byte("another secret that is long enough!!"), claims(f))
			return s
		}()},
		{"tampered payload", hs, tamperedPayload},
		{"alg none", hs, none},
		{"alg none to EdDSA", ed, none},
		{"HS512", hs, hs512},
		{"EdDSA token to HS256", hs, edTok},
		{"HS256 token to EdDSA", ed, good},
		{"alg confusion: public key as HMAC secret", ed, confused},
		{"other Ed25519 key", ed, otherEd},
		{"garbage", hs, "not.a.token"},
		{"two parts", hs, "abc.def"},
		{"huge", hs, strings.Repeat("a", maxToken+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.auth.Authenticate(ctx, bearer(tt.give))
			require.ErrorIs(t, err, ErrUnauthorized)
		})
	}
}

// FuzzAuthenticate feeds arbitrary header values to a JWT- and API-key-accepting
// Authenticator: every answer is an actor from a valid credential or ErrUnauthorized,
// never a panic or another error.
func FuzzAuthenticate(f *testing.F) {
	fx := sqliteFixture(f)
	a := newAuth(f, fx, &JWTConfig{Issuer: "idp", Audience: "creditkit", HMACSecret: hmacSecret})
	_, text, err := fx.keys.Create(context.Background(), admin, NewKey{Role: perm.RoleAnalyst})
	require.NoError(f, err)
	valid := signHS(f, claims(fx))
	f.Add("Bearer "+text, "")
	f.Add("Bearer "+valid, "")
	f.Add("", text)
	f.Add("Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "")
	f.Add("Bearer "+valid[:len(valid)-2], "")
	f.Fuzz(func(t *testing.T, authorization, apiKey string) {
		h := headers(map[string]string{"Authorization": authorization, "X-Api-Key": apiKey})
		actor, err := a.Authenticate(context.Background(), h)
		if err != nil {
			if !errors.Is(err, ErrUnauthorized) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if actor.ID == "" || actor.Role == "" || actor.Node <= 0 {
			t.Fatalf("accepted an incomplete actor %+v", actor)
		}
	})
}
