package auth

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/server/audit"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store/storetest"
)

func TestKeyStore(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t, db.DSN)
			k, text, err := f.keys.Create(ctx, admin, NewKey{Role: perm.RoleOfficer, Node: 2, Subject: "O-0007", Name: "Li Lei's laptop"})
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(text, KeyPrefix+k.ID+"_"))
			assert.Equal(t, Key{ID: k.ID, Subject: "O-0007", Name: "Li Lei's laptop", Role: "officer", Node: 2,
				CreatedAt: f.clock.Now(), CreatedBy: "root"}, k, "no hash leaves Create")

			f.clock.Advance(time.Second)
			bank, _, err := f.keys.Create(ctx, admin, NewKey{Role: perm.RoleAuditor, ExpiresAt: f.clock.Now().Add(time.Hour)})
			require.NoError(t, err)
			assert.Equal(t, int64(BankNode), bank.Node, "no node: the bank")
			assert.Equal(t, "key:"+bank.ID, bank.Subject)

			got, err := f.keys.Lookup(ctx, k.ID)
			require.NoError(t, err)
			assert.NotEmpty(t, got.hash)
			raw, err := parseAPIKey(text)
			require.NoError(t, err)
			assert.True(t, secretMatches(got.hash, raw))
			got.hash = ""
			assert.Equal(t, k, got)

			list, err := f.keys.List(ctx, ListOptions{})
			require.NoError(t, err)
			assert.Equal(t, []Key{k, bank}, list)

			f.clock.Advance(time.Minute)
			revoked, err := f.keys.Revoke(ctx, perm.Admin("sec", ""), k.ID)
			require.NoError(t, err)
			assert.Equal(t, f.clock.Now(), revoked.RevokedAt)
			assert.False(t, revoked.Active(f.clock.Now()))
			f.clock.Advance(time.Minute)
			again, err := f.keys.Revoke(ctx, admin, k.ID)
			require.NoError(t, err)
			assert.Equal(t, revoked, again, "revoking twice keeps the first time")

			list, err = f.keys.List(ctx, ListOptions{})
			require.NoError(t, err)
			assert.Equal(t, []Key{bank}, list)
			list, err = f.keys.List(ctx, ListOptions{Revoked: true, Subject: "O-0007"})
			require.NoError(t, err)
			assert.Equal(t, []Key{revoked}, list)

			_, err = f.keys.Revoke(ctx, admin, "aaaaaaaaaaaaaaaa")
			require.ErrorIs(t, err, ErrNotFound)
			_, err = f.keys.Revoke(ctx, admin, "not an id")
			require.ErrorIs(t, err, ErrNotFound)
			_, err = f.keys.Lookup(ctx, "aaaaaaaaaaaaaaaa")
			require.ErrorIs(t, err, ErrNotFound)

			page, err := f.trail.List(ctx, audit.Filter{EntityType: "api_key"})
			require.NoError(t, err)
			require.Len(t, page.Items, 3, "two creations and one revocation; the second revoke changed nothing")
			assert.Equal(t, []string{"api_key.create", "api_key.create", "api_key.revoke"},
				[]string{page.Items[0].Action, page.Items[1].Action, page.Items[2].Action})
			assert.Equal(t, "sec", page.Items[2].Actor)
			for _, r := range page.Items {
				assert.NotContains(t, string(r.After), text[20:], "the secret is never recorded")
				assert.NotContains(t, string(r.After), "hash")
			}
			_, err = f.trail.Verify(ctx)
			require.NoError(t, err)
		})
	}
}

func TestKeyStoreCreateRejects(t *testing.T) {
	ctx := context.Background()
	f := sqliteFixture(t)
	require.NoError(t, f.roles.Put(ctx, admin, perm.Role{Name: "teller", Permissions: []perm.Permission{perm.CustomerRead}}))
	_, _, err := f.keys.Create(ctx, admin, NewKey{Role: "teller", Node: 3})
	require.NoError(t, err, "a custom role, bound to a group")
	tests := []struct {
		name string
		give NewKey
	}{
		{"no role", NewKey{}},
		{"unknown role", NewKey{Role: "janitor"}},
		{"unknown node", NewKey{Role: "admin", Node: 99}},
		{"negative node", NewKey{Role: "admin", Node: -1}},
		{"control character in subject", NewKey{Role: "admin", Subject: "O-1\n"}},
		{"long subject", NewKey{Role: "admin", Subject: strings.Repeat("s", 129)}},
		{"invalid UTF-8 name", NewKey{Role: "admin", Name: "\xff"}},
		{"expired", NewKey{Role: "admin", ExpiresAt: f.clock.Now()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := f.keys.Create(ctx, admin, tt.give)
			require.ErrorIs(t, err, ErrInvalid)
		})
	}
	list, err := f.keys.List(ctx, ListOptions{Revoked: true})
	require.NoError(t, err)
	assert.Len(t, list, 1, "nothing was stored")
}

func TestRoleStore(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t, db.DSN)
			committee := perm.Role{Name: "committee", Description: "credit committee", Permissions: []perm.Permission{perm.ApplicationRead, perm.ApplicationDecide}}
			require.NoError(t, f.roles.Put(ctx, admin, committee))
			require.NoError(t, f.roles.Put(ctx, admin, perm.Role{Name: "viewer"}))
			roles, err := f.roles.List(ctx)
			require.NoError(t, err)
			assert.Equal(t, []perm.Role{committee, {Name: "viewer", Permissions: nil}}, normalise(roles))

			committee.AssignedOnly = true
			committee.Permissions = append(committee.Permissions, perm.CustomerRead)
			require.NoError(t, f.roles.Put(ctx, admin, committee), "put replaces")
			set, err := f.roles.Load(ctx)
			require.NoError(t, err)
			got, ok := set.Lookup("committee")
			require.True(t, ok)
			assert.Equal(t, committee, got)
			assert.Equal(t, []string{"admin", "officer", "approver", "auditor", "analyst", "committee", "viewer"}, set.Names())

			require.ErrorIs(t, f.roles.Put(ctx, admin, perm.Role{Name: "admin"}), perm.ErrRole)
			require.ErrorIs(t, f.roles.Put(ctx, admin, perm.Role{Name: "Bad Name"}), perm.ErrRole)

			k, _, err := f.keys.Create(ctx, admin, NewKey{Role: "committee"})
			require.NoError(t, err)
			require.ErrorIs(t, f.roles.Delete(ctx, admin, "committee"), ErrInUse)
			_, err = f.keys.Revoke(ctx, admin, k.ID)
			require.NoError(t, err)
			require.NoError(t, f.roles.Delete(ctx, admin, "committee"))
			require.ErrorIs(t, f.roles.Delete(ctx, admin, "committee"), ErrNotFound)
			require.ErrorIs(t, f.roles.Delete(ctx, admin, "admin"), ErrNotFound)

			page, err := f.trail.List(ctx, audit.Filter{EntityType: "role"})
			require.NoError(t, err)
			var actions []string
			for _, r := range page.Items {
				actions = append(actions, r.Action)
			}
			assert.Equal(t, []string{"role.put", "role.put", "role.put", "role.delete"}, actions)
			assert.Equal(t, "null", string(page.Items[0].Before))
			assert.NotEqual(t, "null", string(page.Items[2].Before), "a replacement records what it replaced")
		})
	}
}

func normalise(rs []perm.Role) []perm.Role {
	for i := range rs {
		if len(rs[i].Permissions) == 0 {
			rs[i].Permissions = nil
		}
	}
	return rs
}
