package audit_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/creditkit/creditkit/server/audit"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store"
)

// openExample opens a fresh SQLite database for an example; cleanup removes it.
func openExample() (st *store.Store, cleanup func()) {
	dir, err := os.MkdirTemp("", "creditkit-audit")
	if err != nil {
		panic(err)
	}
	st, err = store.Open(context.Background(), filepath.Join(dir, "creditkit.db"))
	if err != nil {
		panic(err)
	}
	return st, func() { st.Close(); os.RemoveAll(dir) }
}

func fixedClock() time.Time { return time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC) }

func ExampleLog_Append() {
	st, cleanup := openExample()
	defer cleanup()
	ctx := context.Background()
	trail := audit.New(st, audit.Config{Now: fixedClock})
	officer := perm.New("O-0007", "Li Lei", "officer", perm.CustomerWrite)
	type customer struct {
		Number string `json:"number"`
		Mobile string `json:"mobile"`
	}
	var rec audit.Record
	err := st.Tx(ctx, func(tx *sql.Tx) error {
		// ... the write itself, in tx ...
		var err error
		rec, err = trail.Append(ctx, tx, audit.Entry{Actor: officer, Action: "customer.update",
			EntityType: "customer", EntityID: "C0000012",
			Before:    customer{"C0000012", "13812345678"},
			After:     customer{"C0000012", "13987654321"},
			RequestID: "req-1"})
		return err
	})
	fmt.Println(err, rec.Seq, rec.Actor, rec.Role, rec.Action, rec.At.Format(time.RFC3339))
	fmt.Println(string(rec.Before), string(rec.After), rec.PrevHash == audit.Genesis, len(rec.Hash))
	// Output:
	// <nil> 1 O-0007 officer customer.update 2026-03-01T09:30:00Z
	// {"mobile":"138****5678","number":"C0000012"} {"mobile":"139****4321","number":"C0000012"} true 64
}

func ExampleCompactJSON() {
	st, cleanup := openExample()
	defer cleanup()
	ctx := context.Background()
	trail := audit.New(st, audit.Config{Now: fixedClock})
	officer := perm.New("O-0007", "Li Lei", "officer", perm.CustomerWrite)
	var recs []audit.Record
	err := st.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		recs, err = trail.AppendBatch(ctx, tx, []audit.Entry{
			// Stored as it is: nothing in it is personal data.
			{Actor: officer, Action: "assessment.create", EntityType: "assessment", EntityID: "A0000000001",
				After: audit.CompactJSON(`{"id":"A0000000001","grade":"BBB","limit":"150000"}`)},
			// Masked like any other document.
			{Actor: officer, Action: "customer.update", EntityType: "customer", EntityID: "C0000012",
				After: audit.CompactJSON(`{"number":"C0000012","mobile":"13987654321"}`)},
		})
		return err
	})
	fmt.Println(err, string(recs[0].After))
	fmt.Println(string(recs[1].After))
	// Output:
	// <nil> {"id":"A0000000001","grade":"BBB","limit":"150000"}
	// {"mobile":"139****4321","number":"C0000012"}
}

func ExampleLog_List() {
	st, cleanup := openExample()
	defer cleanup()
	ctx := context.Background()
	trail := audit.New(st, audit.Config{Now: fixedClock})
	for i, who := range []string{"alice", "bob", "alice"} {
		_ = st.Tx(ctx, func(tx *sql.Tx) error {
			_, err := trail.Append(ctx, tx, audit.Entry{Actor: perm.New(who, "", "admin"), Action: "tree.create",
				EntityType: "tree_node", EntityID: fmt.Sprint(i + 2)})
			return err
		})
	}
	page, err := trail.List(ctx, audit.Filter{Actor: "alice", Newest: true, Limit: 1})
	fmt.Println(err, page.Items[0].Seq, page.Items[0].EntityID, page.NextCursor != "")
	page, _ = trail.List(ctx, audit.Filter{Actor: "alice", Newest: true, Limit: 1, Cursor: page.NextCursor})
	fmt.Println(page.Items[0].Seq, page.NextCursor)
	// Output:
	// <nil> 3 4 true
	// 1
}

func ExampleLog_Verify() {
	st, cleanup := openExample()
	defer cleanup()
	ctx := context.Background()
	trail := audit.New(st, audit.Config{})
	for range 3 {
		_ = st.Tx(ctx, func(tx *sql.Tx) error {
			_, err := trail.Append(ctx, tx, audit.Entry{Actor: perm.Admin("root", ""), Action: "officer.create", EntityType: "officer", EntityID: "O-1"})
			return err
		})
	}
	rep, err := trail.Verify(ctx)
	fmt.Println(rep.Records, err)

	_ = st.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`)
		return err
	})
	_, err = trail.Verify(ctx)
	var ce *audit.ChainError
	fmt.Println(errors.As(err, &ce), ce.Seq, ce.Problem)
	// Output:
	// 3 <nil>
	// true 2 changed
}

func ExampleLog_Head() {
	st, cleanup := openExample()
	defer cleanup()
	head, err := audit.New(st, audit.Config{}).Head(context.Background())
	fmt.Println(head.Seq, head.Hash == audit.Genesis, err)
	// Output: 0 true <nil>
}

func ExampleParseAnchor() {
	a, err := audit.ParseAnchor("42:" + audit.Genesis)
	fmt.Println(a.Seq, err)
	// Output: 42 <nil>
}

func ExampleDecodeCursor() {
	seq, newest, err := audit.DecodeCursor(audit.EncodeCursor(42, true))
	fmt.Println(seq, newest, err)
	_, _, err = audit.DecodeCursor("not-a-cursor")
	fmt.Println(errors.Is(err, audit.ErrBadFilter))
	// Output:
	// 42 true <nil>
	// true
}

// A writer that commits many requests' writes in one transaction prepares each request's
// entry in the request, and appends them together inside the transaction.
func ExampleLog_AppendPrepared() {
	st, cleanup := openExample()
	defer cleanup()
	ctx := context.Background()
	trail := audit.New(st, audit.Config{Now: fixedClock})
	var batch []audit.Prepared
	for _, number := range []string{"P00000000017", "P00000000025"} {
		p, err := trail.Prepare(audit.Entry{Actor: perm.New("O-0007", "", "officer"), Action: "customer.create",
			EntityType: "customer", EntityID: number, After: map[string]string{"number": number, "mobile": "13812345678"}})
		if err != nil {
			fmt.Println(err)
			return
		}
		batch = append(batch, p)
	}
	var recs []audit.Record
	err := st.Tx(ctx, func(tx *sql.Tx) error {
		// ... the writes themselves, in tx ...
		var err error
		recs, err = trail.AppendPrepared(ctx, tx, batch)
		return err
	})
	for _, r := range recs {
		fmt.Println(r.Seq, r.EntityID, string(r.After))
	}
	fmt.Println(err, recs[1].PrevHash == recs[0].Hash)
	// Output:
	// 1 P00000000017 {"mobile":"138****5678","number":"P00000000017"}
	// 2 P00000000025 {"mobile":"138****5678","number":"P00000000025"}
	// <nil> true
}
