// Package auth authenticates the callers of the creditkit server: API keys kept in the
// database (KeyStore) and JWT bearer tokens from an identity provider (JWTConfig), both
// resolved to a perm.Actor through the built-in and custom roles (RoleStore).
//
// An API key reads ck_<key ID>_<secret>. It is shown once, when KeyStore.Create makes it;
// the database keeps the key ID, the role, the tree node the key is bound to and a SHA-256
// of the secret, which the Authenticator compares in constant time. Looked-up keys are
// cached for Config.CacheTTL (30 s by default), so a revocation takes effect everywhere
// within that time, and at once in the process told with Authenticator.Forget.
//
//	keys := auth.NewKeyStore(st, auth.KeyStoreConfig{Audit: trail})
//	k, text, err := keys.Create(ctx, admin, auth.NewKey{Role: "officer", Node: 12, Subject: "O-0007"})
//	a, err := auth.New(auth.Config{Keys: keys, Roles: auth.NewRoleStore(st, auth.KeyStoreConfig{})})
//	actor, err := a.Authenticate(ctx, func(name string) string { return req.Header.Get(name) })
//
// Every failure to identify a caller wraps ErrUnauthorized; package server adapts the
// Authenticator to its own interface and answers 401.
package auth
