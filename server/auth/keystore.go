package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/creditkit/creditkit/server/audit"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store"
)

// Errors of the package. Authenticate wraps ErrUnauthorized for every caller it cannot
// identify, and ErrUnavailable when the database does not answer.
var (
	// ErrUnauthorized reports a missing, malformed, unknown, revoked or expired
	// credential, or a token that fails its checks.
	ErrUnauthorized = errors.New("auth: unauthorized")
	// ErrUnavailable reports that the keys or roles could not be read.
	ErrUnavailable = errors.New("auth: key store unavailable")
	// ErrNotFound reports an unknown key ID or role name.
	ErrNotFound = errors.New("auth: not found")
	// ErrInvalid reports a key or role that cannot be created as asked: an unknown role or
	// node, a malformed subject or name, an expiry in the past.
	ErrInvalid = errors.New("auth: invalid")
	// ErrInUse reports a custom role that keys still hold.
	ErrInUse = errors.New("auth: in use")
	// ErrConfig reports a Config or JWTConfig that cannot work.
	ErrConfig = errors.New("auth: bad config")
)

// BankNode is the root of the customer tree: the bank. A key bound to it sees everything.
const BankNode = 1

// Key is a stored API key: everything but its secret, which is never stored (only a hash)
// and shown once, by Create.
type Key struct {
	ID        string    `json:"id"`
	Subject   string    `json:"subject"` // the actor ID: for an officer, the officer ID
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Node      int64     `json:"node"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	ExpiresAt time.Time `json:"expires_at,omitzero"` // zero: never
	RevokedAt time.Time `json:"revoked_at,omitzero"` // zero: not revoked

	hash string // SHA-256 of the secret, hex; only Lookup fills it
}

// Active reports whether the key may authenticate at now: not revoked and not expired.
func (k Key) Active(now time.Time) bool {
	return k.RevokedAt.IsZero() && (k.ExpiresAt.IsZero() || now.Before(k.ExpiresAt))
}

// NewKey describes a key to create.
type NewKey struct {
	// Role is a built-in or custom role name; required.
	Role string
	// Node is the tree node the key is bound to: the bank (1), a branch or a group; 0
	// means the bank.
	Node int64
	// Subject is the actor ID the key authenticates as, such as an officer ID (an
	// officer's customers are those assigned to this ID); "" means "key:<key ID>". 1 to
	// 128 printable characters.
	Subject string
	// Name describes the key for people; up to 128 printable characters.
	Name string
	// ExpiresAt ends the key's validity; zero means never.
	ExpiresAt time.Time
}

// KeyStoreConfig holds the optional settings of NewKeyStore.
type KeyStoreConfig struct {
	// Audit, when not nil, receives an api_key.create or api_key.revoke record in the
	// same transaction as each change.
	Audit *audit.Log
	// Now stamps keys; nil means time.Now.
	Now func() time.Time
}

// KeyStore keeps API keys in the api_keys table. It is safe for concurrent use, also by
// several processes on one database (creditkit keys works while the server runs).
type KeyStore struct {
	st    *store.Store
	audit *audit.Log
	now   func() time.Time
}

// NewKeyStore returns the key store of st.
func NewKeyStore(st *store.Store, cfg KeyStoreConfig) *KeyStore {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &KeyStore{st: st, audit: cfg.Audit, now: cfg.Now}
}

// Create makes a new key for nk, recorded as created by by, and returns it with its text
// — the only time the secret exists outside the caller. It fails with ErrInvalid for an
// unknown role (neither built-in nor in the roles table), a node that is not the bank, a
// branch or a group, a malformed subject or name, or an expiry that has passed.
func (ks *KeyStore) Create(ctx context.Context, by perm.Actor, nk NewKey) (Key, string, error) {
	now := ks.now().UTC()
	if nk.Node == 0 {
		nk.Node = BankNode
	}
	switch {
	case nk.Node < 0:
		return Key{}, "", fmt.Errorf("%w: node %d", ErrInvalid, nk.Node)
	case nk.Subject != "" && !printable(nk.Subject, 128):
		return Key{}, "", fmt.Errorf("%w: subject must be 1 to 128 printable characters", ErrInvalid)
	case !printable(nk.Name, 128) && nk.Name != "":
		return Key{}, "", fmt.Errorf("%w: name must be up to 128 printable characters", ErrInvalid)
	case !nk.ExpiresAt.IsZero() && !nk.ExpiresAt.After(now):
		return Key{}, "", fmt.Errorf("%w: the expiry has passed", ErrInvalid)
	}
	raw, text := newAPIKey()
	k := Key{ID: raw.id, Subject: nk.Subject, Name: nk.Name, Role: nk.Role, Node: nk.Node,
		CreatedAt: time.Unix(0, now.UnixNano()).UTC(), CreatedBy: by.ID, hash: hashSecret(raw.id, raw.secret)}
	if k.Subject == "" {
		k.Subject = "key:" + k.ID
	}
	if !nk.ExpiresAt.IsZero() {
		k.ExpiresAt = time.Unix(0, nk.ExpiresAt.UnixNano()).UTC()
	}
	err := ks.st.Tx(ctx, func(tx *sql.Tx) error {
		if _, ok, err := roleInTx(ctx, ks.st, tx, nk.Role); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("%w: no role %q", ErrInvalid, nk.Role)
		}
		if err := checkNode(ctx, ks.st, tx, nk.Node); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, ks.st.Rebind(`INSERT INTO api_keys (id, secret_hash, subject, name, role, node,
			created_at, created_by, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`),
			k.ID, k.hash, k.Subject, k.Name, k.Role, k.Node, k.CreatedAt.UnixNano(), k.CreatedBy, nullTime(k.ExpiresAt)); err != nil {
			return fmt.Errorf("auth: store key: %w", err)
		}
		return ks.record(ctx, tx, by, "api_key.create", k.ID, nil, k)
	})
	if err != nil {
		return Key{}, "", err
	}
	k.hash = ""
	return k, text, nil
}

func (ks *KeyStore) record(ctx context.Context, tx *sql.Tx, by perm.Actor, action, id string, before, after any) error {
	if ks.audit == nil {
		return nil
	}
	_, err := ks.audit.Append(ctx, tx, audit.Entry{Actor: by, Action: action, EntityType: "api_key", EntityID: id, Before: before, After: after})
	return err
}

// checkNode accepts the bank and any branch or group node of the tree.
func checkNode(ctx context.Context, st *store.Store, tx *sql.Tx, node int64) error {
	if node == BankNode {
		return nil
	}
	var kind string
	err := tx.QueryRowContext(ctx, st.Rebind(`SELECT kind FROM tree_nodes WHERE id = ?`), node).Scan(&kind)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%w: no tree node %d", ErrInvalid, node)
	case err != nil:
		return fmt.Errorf("auth: read tree node: %w", err)
	case kind != "bank" && kind != "branch" && kind != "group":
		return fmt.Errorf("%w: node %d is a %s; a key is bound to the bank, a branch or a group", ErrInvalid, node, kind)
	}
	return nil
}

func printable(s string, max int) bool {
	if s == "" || len(s) > max || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

const keyColumns = `id, secret_hash, subject, name, role, node, created_at, created_by, expires_at, revoked_at`

func scanKey(row interface{ Scan(...any) error }) (Key, error) {
	var (
		k                Key
		created          int64
		expires, revoked sql.NullInt64
	)
	if err := row.Scan(&k.ID, &k.hash, &k.Subject, &k.Name, &k.Role, &k.Node, &created, &k.CreatedBy, &expires, &revoked); err != nil {
		return Key{}, err
	}
	k.CreatedAt = time.Unix(0, created).UTC()
	if expires.Valid {
		k.ExpiresAt = time.Unix(0, expires.Int64).UTC()
	}
	if revoked.Valid {
		k.RevokedAt = time.Unix(0, revoked.Int64).UTC()
	}
	return k, nil
}

// Lookup returns the key with the given ID, revoked or not; ErrNotFound when there is
// none. The Key it returns can check a secret (the Authenticator's use of it).
func (ks *KeyStore) Lookup(ctx context.Context, id string) (Key, error) {
	if !ValidKeyID(id) {
		return Key{}, fmt.Errorf("%w: key %q", ErrNotFound, id)
	}
	k, err := scanKey(ks.st.LookupRow(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE id = ?`, id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Key{}, fmt.Errorf("%w: key %s", ErrNotFound, id)
	case err != nil:
		return Key{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return k, nil
}

// ListOptions selects the keys List returns. The zero value lists the keys that are not
// revoked.
type ListOptions struct {
	Revoked bool   // include revoked keys
	Subject string // only the keys of this subject
}

// List returns the keys, oldest first, without secrets or hashes.
func (ks *KeyStore) List(ctx context.Context, o ListOptions) ([]Key, error) {
	q := `SELECT ` + keyColumns + ` FROM api_keys`
	var (
		conds []string
		args  []any
	)
	if !o.Revoked {
		conds = append(conds, `revoked_at IS NULL`)
	}
	if o.Subject != "" {
		conds = append(conds, `subject = ?`)
		args = append(args, o.Subject)
	}
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, ` AND `)
	}
	rows, err := ks.st.Query(ctx, q+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("auth: list keys: %w", err)
	}
	defer rows.Close()
	out := []Key{}
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, fmt.Errorf("auth: list keys: %w", err)
		}
		k.hash = ""
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("auth: list keys: %w", err)
	}
	return out, nil
}

// Revoke ends the key with the given ID, recorded as done by by, and returns it. Revoking
// a revoked key changes nothing and returns it as it is. Servers stop accepting the key
// within their Config.CacheTTL (at once in a process whose Authenticator is told with
// Forget). It fails with ErrNotFound for an unknown ID.
func (ks *KeyStore) Revoke(ctx context.Context, by perm.Actor, id string) (Key, error) {
	if !ValidKeyID(id) {
		return Key{}, fmt.Errorf("%w: key %q", ErrNotFound, id)
	}
	var k Key
	err := ks.st.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		k, err = scanKey(tx.QueryRowContext(ctx, ks.st.Rebind(`SELECT `+keyColumns+` FROM api_keys WHERE id = ?`), id))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("%w: key %s", ErrNotFound, id)
		case err != nil:
			return fmt.Errorf("auth: read key: %w", err)
		case !k.RevokedAt.IsZero():
			return nil
		}
		before := k
		k.RevokedAt = time.Unix(0, ks.now().UnixNano()).UTC()
		res, err := tx.ExecContext(ctx, ks.st.Rebind(`UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`),
			k.RevokedAt.UnixNano(), id)
		if err != nil {
			return fmt.Errorf("auth: revoke key: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("auth: revoke key: %w", err)
		} else if n == 0 { // revoked meanwhile by another process
			k, err = scanKey(tx.QueryRowContext(ctx, ks.st.Rebind(`SELECT `+keyColumns+` FROM api_keys WHERE id = ?`), id))
			return err
		}
		return ks.record(ctx, tx, by, "api_key.revoke", id, before, k)
	})
	if err != nil {
		return Key{}, err
	}
	k.hash = ""
	return k, nil
}
