package store

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// Statements of write transactions are prepared once per connection and kept, like the
// reader's (see Query): parsing was a tenth of the CPU of a registration on SQLite, whose
// transactions run the same few statements again and again.
//
// database/sql can reuse a statement in a transaction (Tx.StmtContext) only if it was
// prepared on the pool, and preparing on the pool needs a free connection — which, inside a
// transaction on SQLite's single writer connection, never comes. So the first use of a
// query runs it unprepared and prepares it on the writer pool in the background, once the
// connection is free; later transactions reuse it on every connection it was prepared on
// (Tx.StmtContext prepares it on a new connection of the pool without taking another).

// pendingStmt marks a query whose background preparation has started (or failed).
type pendingStmt struct{}

// txLocal is what a context carries for one transaction (see withTxLocal): the statements
// bound to it under PrepareInTx.
type txLocal struct {
	tx    *sql.Tx
	mu    sync.Mutex
	stmts map[string]*sql.Stmt // nil unless PrepareInTx
}

type txLocalKey struct{}

// txLocalOf returns ctx's state for tx, or nil.
func txLocalOf(ctx context.Context, tx *sql.Tx) *txLocal {
	if l, ok := ctx.Value(txLocalKey{}).(*txLocal); ok && l.tx == tx {
		return l
	}
	return nil
}

// withTxLocal returns ctx with a state for tx, and that state.
func withTxLocal(ctx context.Context, tx *sql.Tx) (context.Context, *txLocal) {
	if l := txLocalOf(ctx, tx); l != nil {
		return ctx, l
	}
	l := &txLocal{tx: tx}
	return context.WithValue(ctx, txLocalKey{}, l), l
}

// PrepareInTx returns a context under which TxExec, TxQueryRow and TxQuery with tx bind each
// statement to tx once and reuse it for the rest of tx — preparing it in tx when it is not
// kept yet: worth it when one transaction runs the same statements many times (a batch of
// registrations). With any other transaction the context changes nothing.
func (s *Store) PrepareInTx(ctx context.Context, tx *sql.Tx) context.Context {
	ctx, l := withTxLocal(ctx, tx)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stmts == nil {
		l.stmts = map[string]*sql.Stmt{}
	}
	return ctx
}

// TxStmt returns the kept statement of query ('?' placeholders) bound to tx, a transaction
// of Tx, or nil when it is not prepared yet (its preparation is then started) or the cache
// is full; the caller then runs query in tx unprepared. Under PrepareInTx for tx it binds
// each query once, and prepares in tx one not kept yet. The returned statement is closed
// with tx.
func (s *Store) TxStmt(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	l := txLocalOf(ctx, tx)
	if l == nil || l.stmts == nil {
		return s.keptStmt(ctx, tx, query)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if st, ok := l.stmts[query]; ok {
		return st
	}
	st := s.keptStmt(ctx, tx, query)
	if st == nil {
		var err error
		if st, err = tx.PrepareContext(ctx, s.dialect.Rebind(query)); err != nil {
			return nil // run unprepared: the query reports the error itself
		}
	}
	l.stmts[query] = st
	return st
}

// keptStmt returns the kept statement of query bound to tx, or nil (see TxStmt).
func (s *Store) keptStmt(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	if v, ok := s.wstmts.Load(query); ok {
		if st, ok := v.(*sql.Stmt); ok {
			return tx.StmtContext(ctx, st)
		}
		return nil
	}
	if s.nwstmts.Load() >= maxCachedStatements {
		return nil
	}
	if _, loaded := s.wstmts.LoadOrStore(query, pendingStmt{}); loaded {
		return nil
	}
	s.nwstmts.Add(1)
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		st, err := s.writer.PrepareContext(ctx, s.dialect.Rebind(query))
		if err != nil {
			return // stays pending: the query keeps running unprepared
		}
		s.wstmts.Store(query, st)
	}()
	return nil
}

// TxExec runs a statement with '?' placeholders in tx, a transaction of Tx, prepared once
// and reused by later transactions. Use it for statements of fixed text; a text built per
// call (a multi-row INSERT of n rows) would fill the cache.
func (s *Store) TxExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if st := s.TxStmt(ctx, tx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, s.dialect.Rebind(query), args...)
}

// TxQueryRow is TxExec for a query returning at most one row.
func (s *Store) TxQueryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if st := s.TxStmt(ctx, tx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, s.dialect.Rebind(query), args...)
}

// TxQuery is TxExec for a query returning rows.
func (s *Store) TxQuery(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	if st := s.TxStmt(ctx, tx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, s.dialect.Rebind(query), args...)
}
