package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
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

// txStmts is what a context from PrepareInTx carries: the statements bound to its
// transaction.
type txStmts struct {
	tx    *sql.Tx
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

type txStmtsKey struct{}

// txStmtsOf returns the statements ctx carries for tx, or nil.
func txStmtsOf(ctx context.Context, tx *sql.Tx) *txStmts {
	if l, ok := ctx.Value(txStmtsKey{}).(*txStmts); ok && l.tx == tx {
		return l
	}
	return nil
}

// PrepareInTx returns a context under which TxExec, TxQueryRow and TxQuery with tx bind each
// statement to tx once and reuse it for the rest of tx — preparing it in tx when it is not
// kept yet: worth it when one transaction runs the same statements many times (a batch of
// registrations). With any other transaction the context changes nothing.
func (s *Store) PrepareInTx(ctx context.Context, tx *sql.Tx) context.Context {
	if txStmtsOf(ctx, tx) != nil {
		return ctx
	}
	return context.WithValue(ctx, txStmtsKey{}, &txStmts{tx: tx, stmts: map[string]*sql.Stmt{}})
}

// TxStmt returns the kept statement of query ('?' placeholders) bound to tx, a transaction
// of Tx, or nil when it is not prepared yet (its preparation is then started) or the cache
// is full; the caller then runs query in tx unprepared. Under PrepareInTx for tx it binds
// each query once, and prepares in tx one not kept yet. The returned statement is closed
// with tx.
func (s *Store) TxStmt(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	l := txStmtsOf(ctx, tx)
	if l == nil {
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

// Rows is a multi-row INSERT kept as one text per row count, so that a writer inserting
// batches of rows runs one kept statement per batch size (see TxExec) rather than parsing
// a new text on every call. Build one per table with InsertRows, as a package variable.
type Rows struct {
	texts  []string // texts[n] inserts n rows
	params int      // placeholders per row
}

// InsertRows returns the INSERT head (`INSERT INTO t (a, b) VALUES `) followed by 1 to max
// rows of params placeholders each.
func InsertRows(head string, params, max int) *Rows {
	row := "(" + strings.Repeat("?, ", params-1) + "?)"
	r := &Rows{texts: make([]string, max+1), params: params}
	for n := 1; n <= max; n++ {
		r.texts[n] = head + strings.Repeat(row+", ", n-1) + row
	}
	return r
}

// TxInsert inserts inside tx the rows whose parameters args holds, params per row in
// order, with one statement per chunk of up to the Rows' max rows.
func (s *Store) TxInsert(ctx context.Context, tx *sql.Tx, r *Rows, args []any) error {
	if len(args)%r.params != 0 {
		return fmt.Errorf("store: %d parameters for rows of %d", len(args), r.params)
	}
	per := (len(r.texts) - 1) * r.params
	for start := 0; start < len(args); start += per {
		chunk := args[start:min(start+per, len(args))]
		if _, err := s.TxExec(ctx, tx, r.texts[len(chunk)/r.params], chunk...); err != nil {
			return err
		}
	}
	return nil
}
