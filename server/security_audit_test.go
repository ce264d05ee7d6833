package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/server/audit"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/storetest"
)

func TestAuditListHandler(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, storetest.SQLiteDSN(t))
	require.NoError(t, err)
	defer st.Close()
	clock := newSecurityClock()
	trail := audit.New(st, audit.Config{Now: func() time.Time { clock.Advance(1e9); return clock.Now() }})
	for i := range 5 {
		who := "alice"
		if i%2 == 1 {
			who = "bob"
		}
		require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) error {
			_, err := trail.Append(ctx, tx, audit.Entry{Actor: perm.New(who, "", "officer"), Action: "customer.update",
				EntityType: "customer", EntityID: fmt.Sprintf("C%d", i%2), After: map[string]string{"mobile": "13812345678"}})
			return err
		}))
	}
	app := securityApp()
	app.Get("/v1/audit", AuditListHandler(trail))
	list := func(query string) (int, audit.Page, string) {
		res := securityDo(t, app, "GET", "/v1/audit"+query, "", nil)
		var p audit.Page
		if res.status == 200 {
			require.NoError(t, json.Unmarshal([]byte(res.body), &p))
		}
		return res.status, p, res.body
	}
	seqs := func(p audit.Page) []int64 {
		var out []int64
		for _, r := range p.Items {
			out = append(out, r.Seq)
		}
		return out
	}
	status, page, body := list("")
	require.Equal(t, 200, status, body)
	assert.Equal(t, []int64{5, 4, 3, 2, 1}, seqs(page), "newest first by default")
	assert.Contains(t, body, `"mobile":"138****5678"`)
	assert.NotContains(t, body, "13812345678")

	_, page, _ = list("?actor=bob&order=oldest")
	assert.Equal(t, []int64{2, 4}, seqs(page))
	_, page, _ = list("?entity_type=customer&entity_id=C0&limit=2")
	assert.Equal(t, []int64{5, 3}, seqs(page))
	require.NotEmpty(t, page.NextCursor)
	_, page, _ = list("?entity_type=customer&entity_id=C0&limit=2&cursor=" + page.NextCursor)
	assert.Equal(t, []int64{1}, seqs(page))
	assert.Empty(t, page.NextCursor)
	from := clock.Now().Add(-1e9).UTC().Format("2006-01-02T15:04:05Z07:00")
	_, page, _ = list("?from=" + from)
	assert.Equal(t, []int64{5, 4}, seqs(page))
	_, page, _ = list("?action=customer.create")
	assert.Empty(t, page.Items)
	assert.NotNil(t, page.Items)

	for _, q := range []string{
		"?colour=red", "?limit=0", "?limit=201", "?limit=ten", "?limit=0050", "?order=random", "?from=yesterday",
		"?to=2026-13-01T00:00:00Z", "?cursor=garbage", "?entity_id=C1", "?actor=", "?actor=a%00b", "?actor=alice&actor=bob",
		"?cursor=" + audit.EncodeCursor(3, false), "?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z",
	} {
		status, _, body := list(q)
		assert.Equal(t, 400, status, "%s: %s", q, body)
	}
}

// TestAuditOpenAPIPart checks that server/openapi/audit.json documents the route as the
// other parts document theirs.
func TestAuditOpenAPIPart(t *testing.T) {
	doc, err := buildOpenAPI(openAPIFiles)
	require.NoError(t, err)
	var d struct {
		Paths map[string]map[string]struct {
			Permission string                     `json:"x-permission"`
			Responses  map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(doc, &d))
	op := d.Paths["/v1/audit"]["get"]
	assert.Equal(t, perm.AuditRead.String(), op.Permission)
	for _, code := range []string{"200", "400", "401", "403"} {
		assert.Contains(t, op.Responses, code)
	}
}
