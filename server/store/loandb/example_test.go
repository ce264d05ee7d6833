package loandb_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/loan"
	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/loandb"
)

// A Repo is a loan.Store: the workflow opens and moves applications through it, and two
// writers of one version cannot both win.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "loandb")
	defer os.RemoveAll(dir)
	st, err := store.Open(ctx, filepath.Join(dir, "creditkit.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()
	repo := loandb.New(st)

	matrix, _ := loan.ParseMatrix([]byte(matrixJSON))
	w, _ := loan.New(loan.Config{Matrix: matrix}, loan.HeadroomFunc(
		func(context.Context, string, decimal.Decimal) ([]loan.Breach, error) { return nil, nil }))
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	app, _, err := w.Open(ctx, repo, maker, at, draft("L0000000001", "80000"))
	if err != nil {
		fmt.Println(err)
		return
	}
	seen := app.Version
	_, _, err = w.Execute(ctx, repo, app.ID, seen, maker, at, loan.Withdraw{Comment: "customer changed plans"})
	fmt.Println(err)
	_, _, err = w.Execute(ctx, repo, app.ID, seen, maker, at, loan.ReceiveDocument{Kind: loan.DocIdentity, Reference: "dms://1"})
	fmt.Println(errors.Is(err, loan.ErrStale), err)

	page, _ := repo.List(ctx, loandb.Query{Status: loan.StatusWithdrawn})
	for _, a := range page.Items {
		fmt.Println(a.ID, a.Status, a.Amount, "version", a.Version)
	}
	events, _ := repo.Events(ctx, app.ID)
	fmt.Println(len(events), events[1].Action, events[1].Comment)
	// Output:
	// <nil>
	// true loan: application "L0000000001" is at version 2, not 1
	// L0000000001 withdrawn 80000 version 2
	// 2 withdraw customer changed plans
}

// Inside the server, an application changes in the same transaction as the rows that go
// with it; if anything fails, nothing is stored.
func ExampleRepo_UpdateTx() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "loandb")
	defer os.RemoveAll(dir)
	st, _ := store.Open(ctx, filepath.Join(dir, "creditkit.db"))
	defer st.Close()
	repo := loandb.New(st)
	matrix, _ := loan.ParseMatrix([]byte(matrixJSON))
	w, _ := loan.New(loan.Config{Matrix: matrix}, loan.HeadroomFunc(
		func(context.Context, string, decimal.Decimal) ([]loan.Breach, error) { return nil, nil }))
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	app, _, _ := w.Open(ctx, repo, maker, at, draft("L0000000002", "80000"))

	err := st.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := repo.GetTx(ctx, tx, app.ID)
		if err != nil {
			return err
		}
		next, ev, err := w.Apply(ctx, cur, maker, at, loan.Withdraw{})
		if err != nil {
			return err
		}
		if err := repo.UpdateTx(ctx, tx, next, cur.Version, ev); err != nil {
			return err
		}
		return errors.New("the other write of this transaction failed")
	})
	got, _ := repo.Get(ctx, app.ID)
	fmt.Println(err)
	fmt.Println(got.Status, got.Version)
	// Output:
	// the other write of this transaction failed
	// draft 1
}
