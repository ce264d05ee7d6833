// Package customerdb keeps the customer archive and the customer tree in the server's
// database: a customer.Store over database/sql for SQLite and PostgreSQL (it passes
// customer/customertest), and the persistence of tree.Tree — its nodes, each customer's
// exposure and the version counter that lets every server process keep its in-memory tree
// consistent with the database.
//
// Repo implements customer.Store, each call in a transaction of its own. The server writes
// a customer together with its place in the tree and its revision in one transaction, so it
// uses the *Tx methods instead, after doing the CPU work (validation, collation keys, pinyin)
// outside the transaction with Prepare:
//
//	d, err := repo.Prepare(c) // *customer.ValidationError when c is invalid
//	...
//	err = st.Tx(ctx, func(tx *sql.Tx) error {
//		v, err := repo.LockTree(ctx, tx) // serialises tree writers; returns the new version
//		...
//		id, err := repo.NextNodeID(ctx, tx)
//		...
//		stored, err := repo.RegisterTx(ctx, tx, d, actor, id)
//		...
//		return repo.InsertNodeTx(ctx, tx, v, customerdb.Node{Row: tree.Row{ID: id, Parent: p,
//			Kind: tree.KindCustomer, Name: stored.Name(), Customer: stored.Number.String()}})
//	})
//
// Name order, prefix and pinyin search are index range scans over binary keys computed by
// customer.Indexer, so the order is the in-memory archive's in both databases; cursors are
// customer.Cursor values over those keys. GetJSON and SearchJSON return the stored JSON of
// each customer undecoded (only its personal values opened in place), for a server that
// passes it on. A transaction writing many customers runs under store.Store.PrepareInTx,
// which binds each statement to the transaction once.
//
// Personal data at rest: identity numbers, credit codes, mobiles, e-mails and street
// addresses are sealed with the Config's pii.Keyring (AES-256-GCM, the key ID in each
// value) in the stored customer JSON and in the revisions' changes, each value bound to its
// row and field; the identity, document and mobile columns hold HMAC blind indexes, so the
// UNIQUE identity constraint, duplicate checks and exact searches work without decrypting
// (a search tries the index under every key of the ring, so it works in the middle of a
// rotation). Every method returns plaintext: masking is the server's. New seals the rows a
// database kept from before sealing (migration 0007); Rotators re-seal everything under a
// new key for pii.Rotate (creditkit keys rotate-data).
//
// Tree consistency: every transaction that changes the tree calls LockTree first, which
// bumps the version row (tree_state) and, on PostgreSQL, holds its row lock until the
// transaction ends, so tree writers are serialised across processes; every node or
// exposure row written is stamped with that version. A process compares TreeVersion with
// the version its in-memory tree reflects and applies TreeChanges since then (or LoadTree
// everything). The schema is migrations 0002_customers_tree.sql and
// 0007_sealed_personal_data.sql of server/store.
package customerdb
