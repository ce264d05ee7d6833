package assigndb_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/assign"
	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/assigndb"
	"github.com/creditkit/creditkit/server/store/storetest"
)

var at = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

func forEachDB(t *testing.T, fn func(t *testing.T, st *store.Store, repo *assigndb.Repo)) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			st, err := store.Open(context.Background(), db.DSN)
			require.NoError(t, err)
			t.Cleanup(func() { st.Close() })
			fn(t, st, assigndb.New(st))
		})
	}
}

func officer(id string) assigndb.Officer {
	return assigndb.Officer{Officer: assign.Officer{
		ID: id, Name: "王芳 " + id, Branch: "BR-SH-01", Regions: []string{"pudong", "huangpu"},
		Kinds: []assign.CustomerKind{assign.Individual, assign.Enterprise}, Skills: []assign.Product{assign.EquityPledge},
		Certifications: []string{"CFA"}, Authority: decimal.RequireFromString("5000000.50"), SeniorityYears: 7, Capacity: 3,
		Leave:  []assign.Leave{{From: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)}},
		Linked: []string{"1100000009"},
		Rating: assign.Rating{Experience: 60, CreditAbility: 90, Efficiency: 96.3, Satisfaction: 87.5, Results: 69, Overall: 79.8},
	}, Performance: &assign.Performance{YearsOfService: 9, CasesHandled: 300, Recommendations: 80, Upheld: 72,
		DecisionDays: []float64{2, 4, 5}, Surveys: []float64{4, 5, 4.5}, Loans: 120, BadLoans: 2, BranchLoans: 3000, BranchBadLoans: 90}}
}

func create(t *testing.T, st *store.Store, repo *assigndb.Repo, o assigndb.Officer) assigndb.Officer {
	t.Helper()
	var got assigndb.Officer
	require.NoError(t, st.Tx(context.Background(), func(tx *sql.Tx) (err error) {
		got, err = repo.CreateTx(context.Background(), tx, o, "alice", at)
		return err
	}))
	return got
}

func spell(app, off string, when time.Time) *assigndb.Spell {
	return &assigndb.Spell{Application: app, Customer: "C-" + app, Officer: off, From: when, Reason: "intake", AssignedBy: "sup",
		Score: 61.5, Case: assign.Case{ApplicationID: app, CustomerID: "C-" + app, Region: "pudong", Kind: assign.Individual,
			Amount: decimal.RequireFromString("300000"), TermMonths: 36, Product: assign.Consumer}}
}

func record(t *testing.T, st *store.Store, repo *assigndb.Repo, s *assigndb.Spell) *assigndb.Spell {
	t.Helper()
	var closed *assigndb.Spell
	require.NoError(t, st.Tx(context.Background(), func(tx *sql.Tx) (err error) {
		closed, err = repo.RecordTx(context.Background(), tx, s)
		return err
	}))
	return closed
}

func TestOfficerRoundTrip(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store, repo *assigndb.Repo) {
		ctx := context.Background()
		before, err := repo.State(ctx)
		require.NoError(t, err)

		give := officer("O-1")
		created := create(t, st, repo, give)
		assert.Equal(t, int64(1), created.Version)

		got, err := repo.Get(ctx, "O-1")
		require.NoError(t, err)
		assert.True(t, give.Authority.Equal(got.Authority))
		want := give
		want.Version, want.CreatedBy, want.CreatedAt, want.UpdatedBy, want.UpdatedAt = 1, "alice", at, "alice", at
		want.Authority, got.Authority = decimal.Zero, decimal.Zero
		assert.Equal(t, want, got)

		after, err := repo.State(ctx)
		require.NoError(t, err)
		assert.Equal(t, before.Version+1, after.Version, "a write bumps the state")
		assert.NotEqual(t, before.Token, after.Token)

		err = st.Tx(ctx, func(tx *sql.Tx) error {
			_, err := repo.CreateTx(ctx, tx, officer("O-1"), "alice", at)
			return err
		})
		assert.ErrorIs(t, err, assigndb.ErrExists)
		_, err = repo.Get(ctx, "O-2")
		assert.ErrorIs(t, err, assigndb.ErrNotFound)
	})
}

func TestOfficerWithoutPerformance(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store, repo *assigndb.Repo) {
		o := officer("O-1")
		o.Performance, o.Leave, o.Linked, o.Skills, o.Certifications = nil, nil, nil, nil, nil
		create(t, st, repo, o)
		got, err := repo.Get(context.Background(), "O-1")
		require.NoError(t, err)
		assert.Nil(t, got.Performance)
		assert.Empty(t, got.Leave)
		assert.Empty(t, got.Skills)
	})
}

func TestUpdateIsVersioned(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store, repo *assigndb.Repo) {
		ctx := context.Background()
		create(t, st, repo, officer("O-1"))
		upd := officer("O-1")
		upd.Capacity = 9
		var got assigndb.Officer
		require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) (err error) {
			got, err = repo.UpdateTx(ctx, tx, upd, 1, "bob", at.Add(time.Hour))
			return err
		}))
		assert.Equal(t, int64(2), got.Version)
		assert.Equal(t, "alice", got.CreatedBy)
		assert.Equal(t, "bob", got.UpdatedBy)

		err := st.Tx(ctx, func(tx *sql.Tx) error {
			_, err := repo.UpdateTx(ctx, tx, upd, 1, "carol", at)
			return err
		})
		var ve *assigndb.VersionError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, assigndb.VersionError{ID: "O-1", Expected: 1, Actual: 2}, *ve)
		assert.ErrorIs(t, err, assigndb.ErrStale)

		err = st.Tx(ctx, func(tx *sql.Tx) error {
			_, err := repo.UpdateTx(ctx, tx, officer("O-9"), 1, "carol", at)
			return err
		})
		assert.ErrorIs(t, err, assigndb.ErrNotFound)

		stored, err := repo.Get(ctx, "O-1")
		require.NoError(t, err)
		assert.Equal(t, 9, stored.Capacity)
		var versions int
		require.NoError(t, st.QueryRow(ctx, `SELECT COUNT(*) FROM officer_versions WHERE officer = 'O-1'`).Scan(&versions))
		assert.Equal(t, 2, versions)
	})
}

func TestListPages(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store, repo *assigndb.Repo) {
		ctx := context.Background()
		for _, id := range []string{"O-3", "O-1", "O-2"} {
			o := officer(id)
			if id == "O-2" {
				o.Branch = "BR-BJ-01"
			}
			create(t, st, repo, o)
		}
		record(t, st, repo, spell("L1", "O-3", at))
		var ids []string
		q := assigndb.Query{Limit: 2}
		for {
			p, err := repo.List(ctx, q)
			require.NoError(t, err)
			for _, o := range p.Items {
				ids = append(ids, o.ID)
				if o.ID == "O-3" {
					assert.Equal(t, 1, o.Load)
				}
			}
			if p.Next == "" {
				break
			}
			q.Cursor = p.Next
		}
		assert.Equal(t, []string{"O-1", "O-2", "O-3"}, ids)

		p, err := repo.List(ctx, assigndb.Query{Branch: "BR-BJ-01"})
		require.NoError(t, err)
		require.Len(t, p.Items, 1)
		assert.Equal(t, "O-2", p.Items[0].ID)

		for _, bad := range []string{"!!", "eDox", "czox"} { // not base64; "x:1"; a spell cursor
			_, err := repo.List(ctx, assigndb.Query{Cursor: bad})
			assert.ErrorIs(t, err, assigndb.ErrCursor, bad)
		}
	})
}

func TestHistory(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store, repo *assigndb.Repo) {
		ctx := context.Background()
		create(t, st, repo, officer("O-1"))
		create(t, st, repo, officer("O-2"))
		assert.Nil(t, record(t, st, repo, spell("L1", "O-1", at)))
		record(t, st, repo, spell("L2", "O-1", at.Add(time.Minute)))
		// L1 moves to O-2 a day later: O-1's spell closes at that instant.
		moved := spell("L1", "O-2", at.Add(24*time.Hour))
		moved.Reason = "O-1 on leave"
		closed := record(t, st, repo, moved)
		require.NotNil(t, closed)
		assert.Equal(t, "O-1", closed.Officer)
		assert.Equal(t, at.Add(24*time.Hour), closed.To)

		o1, err := repo.Get(ctx, "O-1")
		require.NoError(t, err)
		assert.Equal(t, 1, o1.Load)
		team, err := repo.Team(ctx)
		require.NoError(t, err)
		require.Len(t, team, 2)
		assert.Equal(t, []int{1, 1}, []int{team[0].Load, team[1].Load})

		owner, ok, err := repo.Owner(ctx, "L1")
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, "O-2", owner.Officer)
		assert.Equal(t, decimal.RequireFromString("300000").String(), owner.Case.Amount.String())

		tests := []struct {
			name string
			give assigndb.HistoryQuery
			want []string // application@officer
		}{
			{"officer", assigndb.HistoryQuery{Officer: "O-1"}, []string{"L1@O-1", "L2@O-1"}},
			{"open", assigndb.HistoryQuery{Officer: "O-1", OpenOnly: true}, []string{"L2@O-1"}},
			{"application", assigndb.HistoryQuery{Application: "L1"}, []string{"L1@O-1", "L1@O-2"}},
			{"owner an hour in", assigndb.HistoryQuery{Application: "L1", At: at.Add(time.Hour)}, []string{"L1@O-1"}},
			{"owner at the move", assigndb.HistoryQuery{Application: "L1", At: at.Add(24 * time.Hour)}, []string{"L1@O-2"}},
			{"before anything", assigndb.HistoryQuery{At: at.Add(-time.Hour)}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p, err := repo.History(ctx, tt.give)
				require.NoError(t, err)
				var got []string
				for _, s := range p.Items {
					got = append(got, s.Application+"@"+s.Officer)
				}
				assert.Equal(t, tt.want, got)
			})
		}

		// Pages of one.
		var n int
		q := assigndb.HistoryQuery{Limit: 1}
		for {
			p, err := repo.History(ctx, q)
			require.NoError(t, err)
			n += len(p.Items)
			if p.Next == "" {
				break
			}
			q.Cursor = p.Next
		}
		assert.Equal(t, 3, n)
		_, err = repo.History(ctx, assigndb.HistoryQuery{Cursor: "bzox"}) // "o:1", an officer cursor
		assert.ErrorIs(t, err, assigndb.ErrCursor)
	})
}

func TestRecordKeepsHistoryAppendOnly(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store, repo *assigndb.Repo) {
		ctx := context.Background()
		create(t, st, repo, officer("O-1"))
		create(t, st, repo, officer("O-2"))
		record(t, st, repo, spell("L1", "O-1", at))
		early := spell("L1", "O-2", at.Add(-time.Hour)) // a skewed clock
		closed := record(t, st, repo, early)
		assert.Equal(t, at, closed.To)
		assert.Equal(t, at, early.From, "the new spell starts where the open one did")

		p, err := repo.History(ctx, assigndb.HistoryQuery{Application: "L1"})
		require.NoError(t, err)
		require.Len(t, p.Items, 2)
		assert.False(t, p.Items[0].Open())
		assert.True(t, p.Items[1].Open())
	})
}

func TestRecordRefuses(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store, repo *assigndb.Repo) {
		ctx := context.Background()
		create(t, st, repo, officer("O-1"))
		noReason := spell("L1", "O-1", at)
		noReason.Reason = ""
		tests := []struct {
			name    string
			give    *assigndb.Spell
			wantErr error
		}{
			{"no application", spell("", "O-1", at), assigndb.ErrInvalid},
			{"no officer", spell("L1", "", at), assigndb.ErrInvalid},
			{"no reason", noReason, assigndb.ErrInvalid},
			{"no time", spell("L1", "O-1", time.Time{}), assigndb.ErrInvalid},
			{"unknown officer", spell("L1", "O-9", at), nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := st.Tx(ctx, func(tx *sql.Tx) error {
					_, err := repo.RecordTx(ctx, tx, tt.give)
					return err
				})
				require.Error(t, err)
				if tt.wantErr != nil {
					assert.ErrorIs(t, err, tt.wantErr)
				}
			})
		}
		p, err := repo.History(ctx, assigndb.HistoryQuery{})
		require.NoError(t, err)
		assert.Empty(t, p.Items)
	})
}

func TestCloseAndOneOpenSpellPerApplication(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store, repo *assigndb.Repo) {
		ctx := context.Background()
		create(t, st, repo, officer("O-1"))
		record(t, st, repo, spell("L1", "O-1", at))

		// The schema itself refuses a second open spell of one application.
		err := st.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, st.Rebind(`INSERT INTO assignments (application, customer, officer, from_at, reason, assigned_by, score, case_data)
				VALUES ('L1', 'C', 'O-1', 1, 'x', 'x', 0, '{}')`))
			return err
		})
		assert.Error(t, err)

		var closed *assigndb.Spell
		require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) (err error) {
			closed, err = repo.CloseTx(ctx, tx, "L1", at.Add(time.Hour))
			return err
		}))
		require.NotNil(t, closed)
		assert.Equal(t, at.Add(time.Hour), closed.To)
		require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) (err error) {
			closed, err = repo.CloseTx(ctx, tx, "L1", at.Add(time.Hour))
			return err
		}))
		assert.Nil(t, closed, "nothing open")
		o, err := repo.Get(ctx, "O-1")
		require.NoError(t, err)
		assert.Zero(t, o.Load)
	})
}

func TestLockTx(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store, repo *assigndb.Repo) {
		ctx := context.Background()
		var locked, inside assigndb.State
		require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) (err error) {
			if locked, err = repo.LockTx(ctx, tx); err != nil {
				return err
			}
			if _, err = repo.CreateTx(ctx, tx, officer("O-1"), "alice", at); err != nil {
				return err
			}
			inside, err = repo.StateTx(ctx, tx)
			return err
		}))
		after, err := repo.State(ctx)
		require.NoError(t, err)
		assert.Equal(t, inside, after, "StateTx sees the transaction's own bump")
		assert.NotEqual(t, locked, after)
	})
}
