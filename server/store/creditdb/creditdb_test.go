package creditdb_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/creditdb"
	"github.com/creditkit/creditkit/server/store/storetest"
)

var at = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

// forEachDB runs fn on a fresh database of every kind storetest offers.
func forEachDB(t *testing.T, fn func(t *testing.T, st *store.Store, dsn string)) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			st, err := store.Open(context.Background(), db.DSN)
			require.NoError(t, err)
			t.Cleanup(func() { st.Close() })
			fn(t, st, db.DSN)
		})
	}
}

func builtin(t *testing.T, kind string) *credit.Scorecard {
	t.Helper()
	card, err := credit.BuiltinCard(kind)
	require.NoError(t, err)
	return card
}

// variant returns the built-in card of kind under another version, sealed.
func variant(t *testing.T, kind, version string) *credit.Scorecard {
	t.Helper()
	card := builtin(t, kind)
	card.Version = version
	card.SHA256 = ""
	require.NoError(t, card.Seal())
	return card
}

func installAll(t *testing.T, repo *creditdb.Repo) {
	t.Helper()
	for _, k := range creditdb.Kinds {
		_, err := repo.Install(context.Background(), k, builtin(t, k), "system", at)
		require.NoError(t, err)
	}
}

func TestInstallIsIdempotent(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store, _ string) {
		ctx := context.Background()
		repo := creditdb.New(st)
		ok, err := repo.Install(ctx, "individual", builtin(t, "individual"), "system", at)
		require.NoError(t, err)
		assert.True(t, ok)
		ok, err = repo.Install(ctx, "individual", builtin(t, "individual"), "system", at)
		require.NoError(t, err)
		assert.False(t, ok, "second install")

		act, err := repo.Active(ctx)
		require.NoError(t, err)
		assert.Equal(t, []creditdb.Active{{Kind: "individual", Scorecard: "individual-1"}}, act)

		sc, err := repo.Get(ctx, "individual-1")
		require.NoError(t, err)
		assert.True(t, sc.Active)
		assert.Equal(t, int64(1), sc.Revision)
		assert.Equal(t, "creditkit-individual", sc.ModelID)
		parsed, err := credit.ParseScorecard(sc.Card)
		require.NoError(t, err, "the stored card parses and its hash matches")
		assert.Equal(t, sc.SHA256, parsed.SHA256)
		assert.Equal(t, at, sc.UploadedAt)
	})
}

// TestInstallConcurrently starts two "processes" (stores) on one database at once.
func TestInstallConcurrently(t *testing.T) {
	forEachDB(t, func(t *testing.T, _ *store.Store, dsn string) {
		ctx := context.Background()
		var (
			wg        sync.WaitGroup
			installed [2]int
			errs      [2]error
		)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st, err := store.Open(ctx, dsn)
				if err != nil {
					errs[i] = err
					return
				}
				defer st.Close()
				repo := creditdb.New(st)
				for _, k := range creditdb.Kinds {
					card, err := credit.BuiltinCard(k)
					if err != nil {
						errs[i] = err
						return
					}
					ok, err := repo.Install(ctx, k, card, "system", at)
					if err != nil {
						errs[i] = err
						return
					}
					if ok {
						installed[i]++
					}
				}
			}()
		}
		wg.Wait()
		require.NoError(t, errs[0])
		require.NoError(t, errs[1])
		assert.Equal(t, 2, installed[0]+installed[1], "each kind installed exactly once")

		st, err := store.Open(ctx, dsn)
		require.NoError(t, err)
		defer st.Close()
		page, err := creditdb.New(st).List(ctx, creditdb.Query{})
		require.NoError(t, err)
		require.Len(t, page.Items, 2)
		var n int
		require.NoError(t, st.QueryRow(ctx, `SELECT COUNT(*) FROM scorecard_activations`).Scan(&n))
		assert.Equal(t, 2, n)
	})
}

func TestCreateActivateList(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store, _ string) {
		ctx := context.Background()
		repo := creditdb.New(st)
		installAll(t, repo)

		var created creditdb.Scorecard
		require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) (err error) {
			created, err = repo.CreateTx(ctx, tx, "individual", variant(t, "individual", "2.0.0"), "alice", at)
			return err
		}))
		assert.Equal(t, "individual-2", created.ID)
		assert.False(t, created.Active)

		act, err := repo.Active(ctx)
		require.NoError(t, err)
		assert.Equal(t, []creditdb.Active{{"enterprise", "enterprise-1"}, {"individual", "individual-1"}}, act, "upload does not activate")

		var changed bool
		require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) (err error) {
			_, changed, err = repo.ActivateTx(ctx, tx, "individual-2", "bob", at.Add(time.Hour))
			return err
		}))
		assert.True(t, changed)
		require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) (err error) {
			_, changed, err = repo.ActivateTx(ctx, tx, "individual-2", "bob", at.Add(time.Hour))
			return err
		}))
		assert.False(t, changed, "activating the active version changes nothing")

		act, err = repo.Active(ctx)
		require.NoError(t, err)
		assert.Equal(t, []creditdb.Active{{"enterprise", "enterprise-1"}, {"individual", "individual-2"}}, act)

		one, err := repo.Get(ctx, "individual-1")
		require.NoError(t, err)
		assert.False(t, one.Active)

		page, err := repo.List(ctx, creditdb.Query{Kind: "individual", ActiveOnly: true})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		assert.Equal(t, "individual-2", page.Items[0].ID)
		assert.Empty(t, page.Items[0].Card, "lists carry no cards")

		// Pages of one walk every version in kind, revision order.
		var ids []string
		q := creditdb.Query{Limit: 1}
		for {
			p, err := repo.List(ctx, q)
			require.NoError(t, err)
			for _, sc := range p.Items {
				ids = append(ids, sc.ID)
			}
			if p.Next == "" {
				break
			}
			q.Cursor = p.Next
		}
		assert.Equal(t, []string{"enterprise-1", "individual-1", "individual-2"}, ids)

		var logged int
		require.NoError(t, st.QueryRow(ctx, `SELECT COUNT(*) FROM scorecard_activations WHERE previous = 'individual-1'`).Scan(&logged))
		assert.Equal(t, 1, logged)
	})
}

func TestCreateRefuses(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store, _ string) {
		ctx := context.Background()
		repo := creditdb.New(st)
		installAll(t, repo)
		unsealed := builtin(t, "individual")
		unsealed.Version = "9"
		tests := []struct {
			name    string
			kind    string
			card    *credit.Scorecard
			wantErr error
			wantDup *creditdb.DuplicateError
		}{
			{"same content", "individual", builtin(t, "individual"), creditdb.ErrDuplicate, &creditdb.DuplicateError{Existing: "individual-1", Same: "content"}},
			{"same model version", "individual", func() *credit.Scorecard {
				c := builtin(t, "individual")
				c.Description = "edited"
				c.SHA256 = ""
				require.NoError(t, c.Seal())
				return c
			}(), creditdb.ErrDuplicate, &creditdb.DuplicateError{Existing: "individual-1", Same: "model version"}},
			{"unsealed", "individual", unsealed, creditdb.ErrNotSealed, nil},
			{"nil", "individual", nil, creditdb.ErrNotSealed, nil},
			{"unknown kind", "household", variant(t, "individual", "3"), creditdb.ErrKind, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := st.Tx(ctx, func(tx *sql.Tx) error {
					_, err := repo.CreateTx(ctx, tx, tt.kind, tt.card, "alice", at)
					return err
				})
				require.ErrorIs(t, err, tt.wantErr)
				if tt.wantDup != nil {
					var dup *creditdb.DuplicateError
					require.ErrorAs(t, err, &dup)
					assert.Equal(t, tt.wantDup, dup)
				}
			})
		}
		page, err := repo.List(ctx, creditdb.Query{})
		require.NoError(t, err)
		assert.Len(t, page.Items, 2, "nothing was stored")
	})
}

// TestOneActivePerKindInTheDatabase writes around the repository to show that the schema
// itself refuses a second active card of a kind and an active card of another kind.
func TestOneActivePerKindInTheDatabase(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store, _ string) {
		ctx := context.Background()
		installAll(t, creditdb.New(st))
		tests := []struct {
			name string
			sql  string
		}{
			{"second active row", `INSERT INTO active_scorecards (kind, scorecard, activated_by, activated_at) VALUES ('individual', 'individual-1', 'x', 0)`},
			{"card of another kind", `UPDATE active_scorecards SET scorecard = 'enterprise-1' WHERE kind = 'individual'`},
			{"no such card", `UPDATE active_scorecards SET scorecard = 'individual-9' WHERE kind = 'individual'`},
			{"unknown kind", `INSERT INTO scorecards (id, kind, revision, model_id, model_version, sha256, card, uploaded_by, uploaded_at)
				VALUES ('x-1', 'household', 1, 'm', '1', 'h', '{}', 'x', 0)`},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := st.Tx(ctx, func(tx *sql.Tx) error {
					_, err := tx.ExecContext(ctx, st.Rebind(tt.sql))
					return err
				})
				assert.Error(t, err)
			})
		}
	})
}

func TestActivateUnknown(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store, _ string) {
		ctx := context.Background()
		repo := creditdb.New(st)
		installAll(t, repo)
		err := st.Tx(ctx, func(tx *sql.Tx) error {
			_, _, err := repo.ActivateTx(ctx, tx, "individual-7", "bob", at)
			return err
		})
		assert.ErrorIs(t, err, creditdb.ErrNotFound)
		_, err = repo.Get(ctx, "nope")
		assert.ErrorIs(t, err, creditdb.ErrNotFound)
	})
}

func TestListRefuses(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store, _ string) {
		repo := creditdb.New(st)
		tests := []struct {
			name    string
			give    creditdb.Query
			wantErr error
		}{
			{"kind", creditdb.Query{Kind: "household"}, creditdb.ErrKind},
			{"not base64", creditdb.Query{Cursor: "!!"}, creditdb.ErrCursor},
			{"no revision", creditdb.Query{Cursor: "aW5kaXZpZHVhbA"}, creditdb.ErrCursor},
			{"too long", creditdb.Query{Cursor: string(make([]byte, 100))}, creditdb.ErrCursor},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := repo.List(context.Background(), tt.give)
				assert.ErrorIs(t, err, tt.wantErr)
			})
		}
	})
}

func TestAssessmentRoundTrip(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store, _ string) {
		ctx := context.Background()
		repo := creditdb.New(st)
		installAll(t, repo)
		report, _ := json.Marshal(map[string]any{"grade": "BBB", "score": 612.5})
		give := creditdb.Assessment{Customer: "1100000001", CustomerKind: "individual", Scorecard: "individual-1",
			Request: []byte(`{"amount":"1000"}`), Facts: []byte(`{"profile":{"age":30}}`), Report: report,
			Grade: "BBB", Score: 612.5, PD: 0.004, Decision: "approve", Limit: decimal.RequireFromString("150000.00"),
			RequestID: "req-1", CreatedBy: "alice", CreatedAt: at}
		var ids []string
		for range 2 {
			a := give
			require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) error { return repo.CreateAssessmentTx(ctx, tx, &a) }))
			ids = append(ids, a.ID)
		}
		assert.Equal(t, []string{"A0000000001", "A0000000002"}, ids)

		got, err := repo.Assessment(ctx, "A0000000002")
		require.NoError(t, err)
		assert.True(t, give.Limit.Equal(got.Limit))
		give.ID, give.Limit, got.Limit = "A0000000002", decimal.Zero, decimal.Zero
		assert.Equal(t, give, got)

		_, err = repo.Assessment(ctx, "A0000000003")
		assert.ErrorIs(t, err, creditdb.ErrNotFound)

		bad := give
		bad.Scorecard = "individual-9"
		err = st.Tx(ctx, func(tx *sql.Tx) error { return repo.CreateAssessmentTx(ctx, tx, &bad) })
		assert.Error(t, err, "an assessment must name a stored scorecard")
	})
}

func TestCreateAssessmentsInOneStatement(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store, _ string) {
		ctx := context.Background()
		repo := creditdb.New(st)
		installAll(t, repo)
		single := creditdb.Assessment{Customer: "1", CustomerKind: "individual", Scorecard: "individual-1", Request: []byte(`{}`),
			Facts: []byte(`{}`), Report: []byte(`{}`), Grade: "A", Decision: "approve", Limit: decimal.NewFromInt(1), CreatedBy: "x", CreatedAt: at}
		require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) error { a := single; return repo.CreateAssessmentTx(ctx, tx, &a) }))

		const n = 1201 // three INSERT statements
		rows := make([]*creditdb.Assessment, n)
		for i := range rows {
			a := single
			a.Customer = fmt.Sprint(i)
			rows[i] = &a
		}
		require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) error { return repo.CreateAssessmentsTx(ctx, tx, rows) }))
		for i, a := range rows {
			require.Equal(t, fmt.Sprintf("A%010d", i+2), a.ID, "consecutive after the single one")
		}
		got, err := repo.Assessment(ctx, rows[n-1].ID)
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprint(n-1), got.Customer)

		// A batch the database refuses stores nothing and sets no ID.
		bad := []*creditdb.Assessment{{Customer: "x", Scorecard: "individual-1", CreatedAt: at}, {Customer: "y", Scorecard: "nope", CreatedAt: at}}
		err = st.Tx(ctx, func(tx *sql.Tx) error { return repo.CreateAssessmentsTx(ctx, tx, bad) })
		require.Error(t, err)
		assert.Empty(t, bad[0].ID)
		var count int
		require.NoError(t, st.QueryRow(ctx, `SELECT COUNT(*) FROM assessments`).Scan(&count))
		assert.Equal(t, n+1, count)
		require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) error { return repo.CreateAssessmentsTx(ctx, tx, nil) }))
	})
}

// A stored assessment keeps its documents packed: a real report and its facts take a
// fraction of their JSON, and come back byte for byte.
func TestAssessmentDocumentsArePacked(t *testing.T) {
	card := builtin(t, "individual")
	model, err := credit.Compile(card)
	require.NoError(t, err)
	assessor, err := credit.NewAssessor(model, credit.Config{Now: func() time.Time { return at }})
	require.NoError(t, err)
	forEachDB(t, func(t *testing.T, st *store.Store, _ string) {
		ctx := context.Background()
		repo := creditdb.New(st)
		installAll(t, repo)
		for i, age := range []int{23, 41, 67} {
			facts, err := credit.DecodeFacts([]byte(fmt.Sprintf(`{"bureau":{"history_months":%d,"open_accounts":%d,
				"delinquencies_24m":0,"worst_dpd_24m":0,"utilisation":0.%d,"hard_inquiries_6m":1},
				"income":{"monthly":"%d","verified":true,"employment":"civil_servant","years_with_employer":%d},
				"capacity":{"monthly_debt_payments":"1200","monthly_living_costs":"3000","housing":"own"},
				"profile":{"age":%d,"marital":"single","education":"master"},
				"request":{"amount":"%d","term_months":24,"product":"consumer","method":"equal_instalments"}}`,
				12+30*i, 1+i, 2+3*i, 9000+7000*i, i, age, 30000+45000*i)))
			require.NoError(t, err)
			report, err := assessor.Assess(facts)
			require.NoError(t, err)
			a := creditdb.Assessment{Customer: "1100000001", CustomerKind: "individual", Scorecard: "individual-1",
				Grade: report.Grade.String(), Score: report.Score, PD: report.PD, Decision: report.Decision.String(),
				Limit: report.Limit, CreatedBy: "alice", CreatedAt: at}
			a.Report, _ = json.Marshal(&report)
			a.Facts, _ = json.Marshal(&report.Facts)
			a.Request, _ = json.Marshal(&report.Facts.Request)
			require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) error { return repo.CreateAssessmentTx(ctx, tx, &a) }))

			got, err := repo.Assessment(ctx, a.ID)
			require.NoError(t, err)
			assert.Equal(t, string(a.Request), string(got.Request))
			assert.Equal(t, string(a.Facts), string(got.Facts))
			assert.Equal(t, string(a.Report), string(got.Report))

			var packed int
			var texts string
			require.NoError(t, st.QueryRow(ctx, `SELECT length(docs), request || facts || report FROM assessments WHERE id = ?`,
				a.ID).Scan(&packed, &texts))
			assert.Empty(t, texts, "the documents are kept once, packed")
			whole := len(a.Request) + len(a.Facts) + len(a.Report)
			assert.Less(t, packed, whole/3, "%d bytes of documents packed into %d", whole, packed)
		}
	})
}

// A row packed before its transaction is stored with those bytes; a row whose documents
// were replaced after Pack is packed again, so what is stored is always its documents.
func TestAssessmentPackedAhead(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store, _ string) {
		ctx := context.Background()
		repo := creditdb.New(st)
		installAll(t, repo)
		row := func(report string) *creditdb.Assessment {
			return &creditdb.Assessment{Customer: "1", CustomerKind: "individual", Scorecard: "individual-1",
				Request: []byte(`{"amount":"1"}`), Facts: []byte(`{"request":{"amount":"1"}}`), Report: []byte(report),
				Grade: "A", Decision: "approve", Limit: decimal.NewFromInt(1), CreatedBy: "x", CreatedAt: at}
		}
		packed, replaced, unpacked := row(`{"grade":"A"}`), row(`{"grade":"B"}`), row(`{"grade":"C"}`)
		require.NoError(t, packed.Pack())
		require.NoError(t, replaced.Pack())
		replaced.Report = []byte(`{"grade":"D"}`)
		rows := []*creditdb.Assessment{packed, replaced, unpacked}
		require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) error { return repo.CreateAssessmentsTx(ctx, tx, rows) }))
		for i, want := range []string{`{"grade":"A"}`, `{"grade":"D"}`, `{"grade":"C"}`} {
			got, err := repo.Assessment(ctx, rows[i].ID)
			require.NoError(t, err)
			assert.Equal(t, want, string(got.Report), "row %d", i)
			assert.Equal(t, `{"request":{"amount":"1"}}`, string(got.Facts), "row %d", i)
		}

		tooLarge := row(string(make([]byte, 17<<20)))
		assert.Error(t, tooLarge.Pack())
	})
}

// Rows stored before migration 0010 keep their documents as text and are read from there;
// a damaged packed row is an error, never a panic.
func TestAssessmentDocumentsOldRowsAndDamage(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store, _ string) {
		ctx := context.Background()
		repo := creditdb.New(st)
		installAll(t, repo)
		require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, st.Rebind(`INSERT INTO assessments (id, customer, customer_kind, scorecard,
				request, facts, report, grade, score, pd, decision, credit_limit, request_id, created_by, created_at)
				VALUES ('A0000000007', '1100000001', 'individual', 'individual-1', '{"amount":"5"}', '{"profile":{}}',
				'{"grade":"C"}', 'C', 480, 0.1, 'refer', '5', 'r', 'bob', ?)`), at.UnixNano())
			return err
		}))
		old, err := repo.Assessment(ctx, "A0000000007")
		require.NoError(t, err)
		assert.Equal(t, `{"amount":"5"}`, string(old.Request))
		assert.Equal(t, `{"profile":{}}`, string(old.Facts))
		assert.Equal(t, `{"grade":"C"}`, string(old.Report))

		require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, st.Rebind(`UPDATE assessments SET docs = ? WHERE id = 'A0000000007'`), []byte{1, 0xff, 0xff})
			return err
		}))
		_, err = repo.Assessment(ctx, "A0000000007")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "damaged")
		assert.NotErrorIs(t, err, creditdb.ErrNotFound)
	})
}
