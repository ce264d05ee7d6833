package creditdb_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/creditdb"
)

// openExample opens a fresh SQLite database in a temporary directory; done removes it.
func openExample() (st *store.Store, done func()) {
	dir, err := os.MkdirTemp("", "creditdb")
	if err != nil {
		panic(err)
	}
	if st, err = store.Open(context.Background(), filepath.Join(dir, "credit.db")); err != nil {
		panic(err)
	}
	return st, func() { st.Close(); os.RemoveAll(dir) }
}

func Example() {
	st, done := openExample()
	defer done()
	ctx := context.Background()
	repo := creditdb.New(st)
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

	// On first start: the built-in card becomes revision 1, active.
	card, _ := credit.BuiltinCard("individual")
	installed, err := repo.Install(ctx, "individual", card, "system", now)
	fmt.Println(installed, err)

	// Upload a new version and activate it, in one transaction.
	next, _ := credit.BuiltinCard("individual")
	next.Version, next.SHA256 = "2.0.0", ""
	if err := next.Seal(); err != nil {
		panic(err)
	}
	err = st.Tx(ctx, func(tx *sql.Tx) error {
		sc, err := repo.CreateTx(ctx, tx, "individual", next, "alice", now)
		if err != nil {
			return err
		}
		_, _, err = repo.ActivateTx(ctx, tx, sc.ID, "alice", now)
		return err
	})
	fmt.Println(err)
	active, _ := repo.Active(ctx)
	fmt.Println(active)
	// Output:
	// true <nil>
	// <nil>
	// [{individual individual-2}]
}

// An assessment's ID can be drawn before its transaction, for a writer that encodes the
// row or its audit record first; a row without one gets an ID inside the transaction.
func ExampleRepo_NewAssessmentID() {
	st, done := openExample()
	defer done()
	ctx := context.Background()
	repo := creditdb.New(st)
	first, err := repo.NewAssessmentID(ctx)
	fmt.Println(first, err)
	second, _ := repo.NewAssessmentID(ctx)
	fmt.Println(second)
	// Output:
	// A0000000001 <nil>
	// A0000000002
}

// A writer that stores rows in a shared transaction packs each row's documents before it,
// in the request that made the row; the transaction then stores the packed bytes.
func ExampleAssessment_Pack() {
	st, done := openExample()
	defer done()
	ctx := context.Background()
	repo := creditdb.New(st)
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	card, _ := credit.BuiltinCard("individual")
	if _, err := repo.Install(ctx, "individual", card, "system", now); err != nil {
		panic(err)
	}

	a := creditdb.Assessment{Customer: "1100000001", CustomerKind: "individual", Scorecard: "individual-1",
		Request: []byte(`{"amount":"50000"}`), Facts: []byte(`{"request":{"amount":"50000"}}`),
		Report: []byte(`{"grade":"BBB"}`), Grade: "BBB", Decision: "approve", CreatedBy: "alice", CreatedAt: now}
	fmt.Println(a.Pack())
	err := st.Tx(ctx, func(tx *sql.Tx) error { return repo.CreateAssessmentTx(ctx, tx, &a) })
	fmt.Println(a.ID, err)
	got, _ := repo.Assessment(ctx, a.ID)
	fmt.Println(string(got.Report))
	// Output:
	// <nil>
	// A0000000001 <nil>
	// {"grade":"BBB"}
}
