// Package store is creditkit's persistence layer over database/sql: embedded SQLite
// (modernc.org/sqlite, pure Go) by default and PostgreSQL (pgx) when a team outgrows one
// machine. Open connects, configures the connection pools and applies the embedded,
// numbered migrations in one transaction before it returns.
//
//	s, err := store.Open(ctx, "creditkit-data/creditkit.db") // or "postgres://user@host/db"
//	if err != nil {
//		return err
//	}
//	defer s.Close()
//	err = s.Tx(ctx, func(tx *sql.Tx) error {
//		n, err := s.NextInSequence(ctx, tx, "customer")
//		...
//	})
//
// One schema serves both dialects. Where they truly differ (placeholders, auto-increment
// keys, binary columns) the small Dialect type translates; everything else — including
// upserts, written as INSERT ... ON CONFLICT ... DO UPDATE — is the same SQL on both.
package store
