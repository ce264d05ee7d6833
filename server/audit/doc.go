// Package audit keeps creditkit's audit trail: one append-only record per write (who, in
// which role, did what to which entity, the entity before and after with personal data
// masked, the request ID and the time), appended inside the write's own transaction and
// hash-chained — each record holds the SHA-256 of the previous record's hash and of its
// own content — so that Verify finds the first record that was changed, deleted or
// reordered.
//
//	trail := audit.New(st, audit.Config{})
//	err := st.Tx(ctx, func(tx *sql.Tx) error {
//		// ... the write ...
//		_, err := trail.Append(ctx, tx, audit.Entry{Actor: actor, Action: "customer.update",
//			EntityType: "customer", EntityID: number, Before: old, After: updated, RequestID: id})
//		return err
//	})
//
// Several processes on one PostgreSQL append to one chain: Append locks the chain's head
// row inside the transaction. The chain proves the trail is whole only up to its head;
// note the head (Log.Head, printed by creditkit audit verify) somewhere else from time to
// time and pass it back to Verify as an Anchor, to catch a rewrite of the newest records.
package audit
