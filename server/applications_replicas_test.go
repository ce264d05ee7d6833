package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/storetest"
)

// replicas returns two servers, each with its own store (pools and caches), on one
// database: as two creditkit serve processes would be.
func replicas(t *testing.T, dsn string) (*harness, *harness) {
	t.Helper()
	mk := func() *harness {
		st, err := store.Open(context.Background(), dsn)
		require.NoError(t, err)
		t.Cleanup(func() { st.Close() })
		logs := &syncBuffer{}
		srv, err := New(Config{Store: st, Keyring: testRing, RateLimit: unlimited, Authenticator: headerAuth{},
			Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
		require.NoError(t, err)
		return &harness{srv: srv, store: st, logs: logs}
	}
	return mk(), mk()
}

// TestApplicationsAcrossServers writes through one server and reads through the other,
// and races approvals through both: of two approvers deciding one version exactly one
// wins; of two approvals that each fit the conglomerate's headroom but not together,
// exactly one is approved.
func TestApplicationsAcrossServers(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			a, b := replicas(t, db.DSN)
			f := setupBank(t, a, "1000000")

			// Written through a, read through b.
			app := prepare(t, a, a.as("m1/officer"), openApplication(t, a.as("m1/officer"), f.person, "consumer", "100000"), goodPersonFacts)
			r := b.as("r1/reader").get(t, "/v1/applications/"+app.ID)
			require.Equal(t, http.StatusOK, r.status)
			assert.Equal(t, app.Version, decodeApp(t, r).Version)

			// Two approvers, one through each server, decide the same version at once.
			codes := race(t, []caller{a.as("a1/approver"), b.as("a2/approver")}, "/v1/applications/"+app.ID+"/decisions",
				`{"stage":1,"verdict":"approve","comment":"同意"}`, app.Version)
			assert.ElementsMatch(t, []int{http.StatusOK, http.StatusPreconditionFailed}, codes)
			r = a.as("r1/reader").get(t, "/v1/applications/"+app.ID)
			got := decodeApp(t, r)
			assert.Equal(t, "approved", got.Status)
			assert.Len(t, got.Decisions, 1, "one decision recorded")
			total, _ := nodeExposure(t, b, f.personNode)
			assert.Equal(t, "100000.00", total, "the exposure once, seen by the other server")

			// Applications of the company against the group limit of
			// 1,000,000: after one of 300,000, two of 400,000 each fit alone, not both.
			maker := a.as("m1/officer")
			x := prepare(t, a, maker, openApplication(t, maker, f.company, "working_capital", "400000"), strongCompanyFacts)
			y := prepare(t, b, b.as("m1/officer"), openApplication(t, b.as("m1/officer"), f.company, "working_capital", "400000"), strongCompanyFacts)
			x = a.as("a1/approver").command(t, x.ID, "decisions", `{"stage":1,"verdict":"approve","comment":"同意","amount":"300000"}`, x.Version)
			require.Equal(t, "approved", x.Status)
			// 700,000 of headroom left: two approvals of 400,000 race.
			var wg sync.WaitGroup
			res := make([]int, 2)
			for i, pair := range []struct {
				h   *harness
				app appJSON
			}{{a, openAndPrepare(t, a, f.company)}, {b, y}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := pair.h.as("a2/approver").send(t, http.MethodPost, "/v1/applications/"+pair.app.ID+"/decisions",
						`{"stage":1,"verdict":"approve","comment":"同意"}`, pair.app.Version)
					res[i] = r.status
				}()
			}
			wg.Wait()
			assert.ElementsMatch(t, []int{http.StatusOK, http.StatusConflict}, res, "one approval fits, the other breaches the group limit")
			total, headroom := nodeExposure(t, a, f.group)
			assert.Equal(t, "700000.00", total)
			require.NotNil(t, headroom)
			assert.Equal(t, "300000.00", *headroom)
		})
	}
}

// openAndPrepare opens and prepares a 400,000 working-capital application for number.
func openAndPrepare(t *testing.T, h *harness, number string) appJSON {
	t.Helper()
	maker := h.as("m1/officer")
	return prepare(t, h, maker, openApplication(t, maker, number, "working_capital", "400000"), strongCompanyFacts)
}

// race posts body to path at version through every caller at once and returns the
// statuses.
func race(t *testing.T, callers []caller, path, body string, version int64) []int {
	t.Helper()
	codes := make([]int, len(callers))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, c := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			codes[i] = c.send(t, http.MethodPost, path, body, version).status
		}()
	}
	close(start)
	wg.Wait()
	for i, code := range codes {
		require.NotZero(t, code, fmt.Sprint("caller ", i))
	}
	return codes
}
