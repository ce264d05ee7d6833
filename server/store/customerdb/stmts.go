package customerdb

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache holds the statements prepared in one transaction. database/sql closes them when
// the transaction ends.
type stmtCache struct {
	tx *sql.Tx
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

type stmtCacheKey struct{}

// PrepareInTx returns a context under which the Repo's *Tx methods called with tx bind each
// statement to tx once and reuse it for the rest of tx: worth it when one transaction
// writes many customers (a batch of registrations). Statements are kept prepared across
// transactions either way (store.Store.TxStmt); with any other transaction the context
// changes nothing.
func PrepareInTx(ctx context.Context, tx *sql.Tx) context.Context {
	return context.WithValue(ctx, stmtCacheKey{}, &stmtCache{tx: tx, m: map[string]*sql.Stmt{}})
}

// stmt returns the statement of query prepared in tx when ctx caches statements for tx.
func (r *Repo) stmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	c, ok := ctx.Value(stmtCacheKey{}).(*stmtCache)
	if !ok || c.tx != tx {
		return nil, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.m[query]; ok {
		return s, nil
	}
	s := r.st.TxStmt(ctx, tx, query) // kept across transactions once prepared
	if s == nil {
		var err error
		if s, err = tx.PrepareContext(ctx, r.st.Rebind(query)); err != nil {
			return nil, err
		}
	}
	c.m[query] = s
	return s, nil
}

// txExec runs a statement with '?' placeholders in tx.
func (r *Repo) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	s, err := r.stmt(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	if s != nil {
		return s.ExecContext(ctx, args...)
	}
	return r.st.TxExec(ctx, tx, query, args...)
}

// txQueryRow runs a query with '?' placeholders returning at most one row in tx.
func (r *Repo) txQueryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	s, err := r.stmt(ctx, tx, query)
	if err == nil && s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	// A failed prepare surfaces again, as the query's error.
	return r.st.TxQueryRow(ctx, tx, query, args...)
}
