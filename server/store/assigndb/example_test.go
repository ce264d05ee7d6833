package assigndb_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/assign"
	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/assigndb"
)

func Example() {
	dir, _ := os.MkdirTemp("", "assigndb")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "assign.db"))
	if err != nil {
		panic(err)
	}
	defer st.Close()
	repo := assigndb.New(st)
	day := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

	err = st.Tx(ctx, func(tx *sql.Tx) error {
		for _, id := range []string{"O-1", "O-2"} {
			o := assigndb.Officer{Officer: assign.Officer{ID: id, Name: id, Branch: "east", Regions: []string{"pudong"},
				Kinds: []assign.CustomerKind{assign.Individual}, Authority: decimal.NewFromInt(1000000), Capacity: 10}}
			if _, err := repo.CreateTx(ctx, tx, o, "admin", day); err != nil {
				return err
			}
		}
		_, err := repo.RecordTx(ctx, tx, &assigndb.Spell{Application: "L1", Officer: "O-1", From: day, Reason: "intake"})
		return err
	})
	if err != nil {
		panic(err)
	}
	// A month later the case moves to O-2; O-1's spell ends at that instant.
	err = st.Tx(ctx, func(tx *sql.Tx) error {
		_, err := repo.RecordTx(ctx, tx, &assigndb.Spell{Application: "L1", Officer: "O-2", From: day.AddDate(0, 1, 0), Reason: "O-1 on leave"})
		return err
	})
	if err != nil {
		panic(err)
	}
	page, _ := repo.History(ctx, assigndb.HistoryQuery{Application: "L1"})
	for _, s := range page.Items {
		fmt.Println(s.Officer, s.From.Format("2006-01-02"), s.Open(), s.Reason)
	}
	o1, _ := repo.Get(ctx, "O-1")
	fmt.Println("O-1 load:", o1.Load)
	// Output:
	// O-1 2026-11-30 false intake
	// O-2 2026-12-30 true O-1 on leave
	// O-1 load: 0
}
