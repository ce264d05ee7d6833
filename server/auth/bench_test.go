package auth

import (
	"context"
	"crypto/ed25519"
	"testing"

	"github.com/creditkit/creditkit/server/perm"
)

// BenchmarkAuthenticateAPIKeyCached is the cost of authenticating a request with an API
// key the cache holds: parse, hash and compare, role, actor.
func BenchmarkAuthenticateAPIKeyCached(b *testing.B) {
	f := sqliteFixture(b)
	a := newAuth(b, f, nil)
	_, text, err := f.keys.Create(context.Background(), admin, NewKey{Role: perm.RoleOfficer, Subject: "O-1"})
	if err != nil {
		b.Fatal(err)
	}
	h := bearer(text)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Authenticate(ctx, h); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthenticateAPIKeyUncached reads the key from SQLite on every request (the
// cost of a cache miss, once per key per CacheTTL).
func BenchmarkAuthenticateAPIKeyUncached(b *testing.B) {
	f := sqliteFixture(b)
	a, err := New(Config{Keys: f.keys, CacheTTL: -1, Now: f.clock.Now})
	if err != nil {
		b.Fatal(err)
	}
	_, text, err := f.keys.Create(context.Background(), admin, NewKey{Role: perm.RoleOfficer})
	if err != nil {
		b.Fatal(err)
	}
	h := bearer(text)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Authenticate(ctx, h); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAuthenticateJWTHS256(b *testing.B) {
	f := sqliteFixture(b)
	a := newAuth(b, f, &JWTConfig{Issuer: "idp", Audience: "creditkit", HMACSecret: hmacSecret})
	h := bearer(signHS(b, claims(f)))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Authenticate(ctx, h); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAuthenticateJWTEdDSA(b *testing.B) {
	f := sqliteFixture(b)
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		b.Fatal(err)
	}
	a := newAuth(b, f, &JWTConfig{Issuer: "idp", Audience: "creditkit", Ed25519Key: pub})
	tok, err := SignEdDSA(priv, claims(f))
	if err != nil {
		b.Fatal(err)
	}
	h := bearer(tok)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Authenticate(ctx, h); err != nil {
			b.Fatal(err)
		}
	}
}
