package auth

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/creditkit/creditkit/server/audit"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store"
)

// RoleStore keeps the custom roles in the roles table; the built-in roles of package perm
// are not stored and cannot be changed. It is safe for concurrent use.
type RoleStore struct {
	st    *store.Store
	audit *audit.Log
	now   func() time.Time
}

// NewRoleStore returns the role store of st; cfg is read as for NewKeyStore (role.put and
// role.delete records go to cfg.Audit).
func NewRoleStore(st *store.Store, cfg KeyStoreConfig) *RoleStore {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &RoleStore{st: st, audit: cfg.Audit, now: cfg.Now}
}

// Put creates or replaces the custom role r, recorded as done by by. It fails with
// perm.ErrRole for a malformed role or a built-in name.
func (rs *RoleStore) Put(ctx context.Context, by perm.Actor, r perm.Role) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if _, builtin := perm.BuiltinRole(r.Name); builtin {
		return fmt.Errorf("%w: %q is built in", perm.ErrRole, r.Name)
	}
	perms, err := json.Marshal(r.Permissions)
	if err != nil {
		return fmt.Errorf("auth: encode role: %w", err)
	}
	if r.Permissions == nil {
		perms = []byte("[]")
	}
	now := rs.now().UnixNano()
	return rs.st.Tx(ctx, func(tx *sql.Tx) error {
		before, found, err := roleInTx(ctx, rs.st, tx, r.Name)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, rs.st.Rebind(`INSERT INTO roles (name, description, permissions, assigned_only, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET description = excluded.description,
			permissions = excluded.permissions, assigned_only = excluded.assigned_only, updated_at = excluded.updated_at`),
			r.Name, r.Description, string(perms), boolInt(r.AssignedOnly), now, now); err != nil {
			return fmt.Errorf("auth: store role: %w", err)
		}
		if rs.audit == nil {
			return nil
		}
		var prev any
		if found {
			prev = before
		}
		_, err = rs.audit.Append(ctx, tx, audit.Entry{Actor: by, Action: "role.put", EntityType: "role", EntityID: r.Name, Before: prev, After: r})
		return err
	})
}

// Delete removes the custom role name, recorded as done by by. It fails with ErrNotFound
// for a role that is not stored and with ErrInUse while keys that are not revoked hold it.
func (rs *RoleStore) Delete(ctx context.Context, by perm.Actor, name string) error {
	return rs.st.Tx(ctx, func(tx *sql.Tx) error {
		before, found, err := roleInTx(ctx, rs.st, tx, name)
		if err != nil {
			return err
		}
		if _, builtin := perm.BuiltinRole(name); builtin || !found {
			return fmt.Errorf("%w: custom role %q", ErrNotFound, name)
		}
		var n int
		if err := tx.QueryRowContext(ctx, rs.st.Rebind(`SELECT COUNT(*) FROM api_keys WHERE role = ? AND revoked_at IS NULL`), name).Scan(&n); err != nil {
			return fmt.Errorf("auth: count keys: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("%w: %d keys hold role %q; revoke them first", ErrInUse, n, name)
		}
		if _, err := tx.ExecContext(ctx, rs.st.Rebind(`DELETE FROM roles WHERE name = ?`), name); err != nil {
			return fmt.Errorf("auth: delete role: %w", err)
		}
		if rs.audit == nil {
			return nil
		}
		_, err = rs.audit.Append(ctx, tx, audit.Entry{Actor: by, Action: "role.delete", EntityType: "role", EntityID: name, Before: before})
		return err
	})
}

// List returns the custom roles by name.
func (rs *RoleStore) List(ctx context.Context) ([]perm.Role, error) {
	rows, err := rs.st.Query(ctx, `SELECT name, description, permissions, assigned_only FROM roles ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("%w: list roles: %v", ErrUnavailable, err)
	}
	defer rows.Close()
	out := []perm.Role{}
	for rows.Next() {
		r, err := scanRole(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%w: list roles: %v", ErrUnavailable, err)
	}
	return out, nil
}

// Load returns the built-in roles plus the stored custom ones.
func (rs *RoleStore) Load(ctx context.Context) (*perm.Roles, error) {
	custom, err := rs.List(ctx)
	if err != nil {
		return nil, err
	}
	return perm.NewRoles(custom...)
}

func scanRole(row interface{ Scan(...any) error }) (perm.Role, error) {
	var (
		r        perm.Role
		perms    string
		assigned int
	)
	if err := row.Scan(&r.Name, &r.Description, &perms, &assigned); err != nil {
		return perm.Role{}, err
	}
	if err := json.Unmarshal([]byte(perms), &r.Permissions); err != nil {
		return perm.Role{}, fmt.Errorf("%w: stored role %q: %v", perm.ErrRole, r.Name, err)
	}
	r.AssignedOnly = assigned == 1
	return r, nil
}

// roleInTx finds a role by name: built-in, or stored in the roles table.
func roleInTx(ctx context.Context, st *store.Store, tx *sql.Tx, name string) (perm.Role, bool, error) {
	if r, ok := perm.BuiltinRole(name); ok {
		return r, true, nil
	}
	r, err := scanRole(tx.QueryRowContext(ctx, st.Rebind(`SELECT name, description, permissions, assigned_only FROM roles WHERE name = ?`), name))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return perm.Role{}, false, nil
	case err != nil:
		return perm.Role{}, false, fmt.Errorf("auth: read role: %w", err)
	}
	return r, true, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
