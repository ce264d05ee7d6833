package auth_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/creditkit/creditkit/server/auth"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store"
)

func openExample() (*store.Store, func()) {
	dir, err := os.MkdirTemp("", "creditkit-auth")
	if err != nil {
		panic(err)
	}
	st, err := store.Open(context.Background(), filepath.Join(dir, "creditkit.db"))
	if err != nil {
		panic(err)
	}
	return st, func() { st.Close(); os.RemoveAll(dir) }
}

func header(token string) func(string) string {
	return func(name string) string {
		if name == "Authorization" {
			return "Bearer " + token
		}
		return ""
	}
}

func ExampleKeyStore_Create() {
	st, cleanup := openExample()
	defer cleanup()
	keys := auth.NewKeyStore(st, auth.KeyStoreConfig{})
	k, text, err := keys.Create(context.Background(), perm.Admin("root", ""), auth.NewKey{Role: "auditor", Name: "internal audit"})
	fmt.Println(err, k.Role, k.Node, len(text), strings.HasPrefix(text, "ck_"+k.ID+"_"))
	// Output: <nil> auditor 1 63 true
}

func ExampleKeyStore_Revoke() {
	st, cleanup := openExample()
	defer cleanup()
	ctx := context.Background()
	keys := auth.NewKeyStore(st, auth.KeyStoreConfig{})
	k, _, _ := keys.Create(ctx, perm.Admin("root", ""), auth.NewKey{Role: "analyst"})
	revoked, err := keys.Revoke(ctx, perm.Admin("root", ""), k.ID)
	fmt.Println(err, revoked.RevokedAt.IsZero())
	active, _ := keys.List(ctx, auth.ListOptions{})
	fmt.Println(len(active))
	// Output:
	// <nil> false
	// 0
}

func ExampleKeyStore_Lookup() {
	st, cleanup := openExample()
	defer cleanup()
	ctx := context.Background()
	keys := auth.NewKeyStore(st, auth.KeyStoreConfig{})
	k, _, _ := keys.Create(ctx, perm.Admin("root", ""), auth.NewKey{Role: "analyst", Subject: "ana"})
	got, err := keys.Lookup(ctx, k.ID)
	fmt.Println(got.Subject, err)
	_, err = keys.Lookup(ctx, "aaaaaaaaaaaaaaaa")
	fmt.Println(errors.Is(err, auth.ErrNotFound))
	// Output:
	// ana <nil>
	// true
}

func ExampleKeyStore_List() {
	st, cleanup := openExample()
	defer cleanup()
	ctx := context.Background()
	keys := auth.NewKeyStore(st, auth.KeyStoreConfig{})
	for _, role := range []string{"officer", "approver"} {
		_, _, _ = keys.Create(ctx, perm.Admin("root", ""), auth.NewKey{Role: role})
	}
	list, err := keys.List(ctx, auth.ListOptions{})
	fmt.Println(len(list), err)
	// Output: 2 <nil>
}

func ExampleAuthenticator_Authenticate() {
	st, cleanup := openExample()
	defer cleanup()
	ctx := context.Background()
	keys := auth.NewKeyStore(st, auth.KeyStoreConfig{})
	_, text, _ := keys.Create(ctx, perm.Admin("root", ""), auth.NewKey{Role: "officer", Subject: "O-0007", Name: "Li Lei"})
	a, _ := auth.New(auth.Config{Keys: keys, Roles: auth.NewRoleStore(st, auth.KeyStoreConfig{})})

	actor, err := a.Authenticate(ctx, header(text))
	fmt.Println(err, actor.ID, actor.Role, actor.Node, actor.AssignedOnly, actor.Can(perm.ApplicationWrite))
	_, err = a.Authenticate(ctx, header("ck_not-a-key"))
	fmt.Println(errors.Is(err, auth.ErrUnauthorized))
	// Output:
	// <nil> O-0007 officer 1 true true
	// true
}

func ExampleSignEdDSA() {
	pub, priv, _ := ed25519.GenerateKey(nil)
	now := time.Now()
	token, _ := auth.SignEdDSA(priv, auth.Claims{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: "https://idp.example", Audience: jwt.ClaimStrings{"creditkit"},
			Subject: "A-0001", ExpiresAt: jwt.NewNumericDate(now.Add(15 * time.Minute))},
		Role: "approver", Node: 1, Name: "Wang Fang",
	})
	a, _ := auth.New(auth.Config{JWT: &auth.JWTConfig{Issuer: "https://idp.example", Audience: "creditkit", Ed25519Key: pub}})
	actor, err := a.Authenticate(context.Background(), header(token))
	fmt.Println(err, actor.ID, actor.Role, actor.Can(perm.ApplicationDecide))
	// Output: <nil> A-0001 approver true
}

func ExampleSignHS256() {
	secret := []byte("a shared secret of at least 32 bytes!")
	token, _ := auth.SignHS256(secret, auth.Claims{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: "idp", Audience: jwt.ClaimStrings{"creditkit"}, Subject: "aud-1",
			ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Minute))},
		Role: "auditor", Node: 1,
	})
	a, _ := auth.New(auth.Config{JWT: &auth.JWTConfig{Issuer: "idp", Audience: "creditkit", HMACSecret: secret}})
	actor, err := a.Authenticate(context.Background(), header(token))
	fmt.Println(err, actor.Can(perm.AuditRead), actor.SeesPII(""))
	// Output: <nil> true false
}

func ExampleRoleStore_Put() {
	st, cleanup := openExample()
	defer cleanup()
	ctx := context.Background()
	roles := auth.NewRoleStore(st, auth.KeyStoreConfig{})
	err := roles.Put(ctx, perm.Admin("root", ""), perm.Role{Name: "committee", Description: "credit committee",
		Permissions: []perm.Permission{perm.ApplicationRead, perm.ApplicationDecide}})
	set, _ := roles.Load(ctx)
	fmt.Println(err, set.Names())
	// Output: <nil> [admin officer approver auditor analyst committee]
}

func ExampleRoleStore_Delete() {
	st, cleanup := openExample()
	defer cleanup()
	ctx := context.Background()
	roles := auth.NewRoleStore(st, auth.KeyStoreConfig{})
	_ = roles.Put(ctx, perm.Admin("root", ""), perm.Role{Name: "temp"})
	fmt.Println(roles.Delete(ctx, perm.Admin("root", ""), "temp"))
	list, _ := roles.List(ctx)
	fmt.Println(len(list))
	// Output:
	// <nil>
	// 0
}

func ExampleValidKeyID() {
	fmt.Println(auth.ValidKeyID("abcdefgh234567ab"), auth.ValidKeyID("ABCDEFGH234567AB"))
	// Output: true false
}

func ExampleKey_Active() {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	k := auth.Key{ExpiresAt: now.Add(time.Hour)}
	fmt.Println(k.Active(now), k.Active(now.Add(time.Hour)))
	// Output: true false
}

func ExampleJWTConfigFromEnv() {
	env := map[string]string{
		auth.EnvJWTIssuer:   "https://idp.example",
		auth.EnvJWTAudience: "creditkit",
		auth.EnvJWTSecret:   "a shared secret of at least 32 bytes!",
	}
	c, err := auth.JWTConfigFromEnv(func(k string) string { return env[k] })
	fmt.Println(c.Issuer, c.Audience, len(c.HMACSecret), err)
	none, err := auth.JWTConfigFromEnv(func(string) string { return "" })
	fmt.Println(none == nil, err)
	// Output:
	// https://idp.example creditkit 37 <nil>
	// true <nil>
}
