package main

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/server"
	"github.com/creditkit/creditkit/server/pii"
	"github.com/creditkit/creditkit/server/store"
)

// TestScenarios runs every scenario briefly against a server on loopback: registrations
// first, so the reading scenarios find customers.
func TestScenarios(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a server over loopback")
	}
	dir := t.TempDir()
	st, err := store.Open(context.Background(), filepath.Join(dir, "creditkit.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	ring, err := pii.NewKeyring(pii.GenerateKey())
	require.NoError(t, err)
	srv, err := server.New(server.Config{Store: st, Keyring: ring, Logger: slog.New(slog.DiscardHandler),
		RateLimit: server.RateLimitConfig{Rate: -1}})
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })

	c := newClient(ln.Addr().String(), "k", 1)
	status, body, err := c.do(request{method: "POST", path: "/v1/tree/nodes", body: []byte(`{"parent":1,"kind":"branch","name":"Beijing"}`)})
	require.NoError(t, err)
	require.Equal(t, 201, status, string(body))
	// The load loop keeps no 2xx body, but every other one, for its report.
	status, body, err = c.send(request{method: "GET", path: "/v1/tree/nodes/1"}, false)
	require.NoError(t, err)
	assert.Equal(t, 200, status)
	assert.Nil(t, body)
	status, body, err = c.send(request{method: "GET", path: "/v1/tree/nodes/999"}, false)
	require.NoError(t, err)
	assert.Equal(t, 404, status)
	assert.Contains(t, string(body), "problem")

	for _, tc := range []struct {
		scenario string
		rate     int
	}{
		{"post-customer", 0},
		{"get-customer", 500},
		{"page", 200},
		{"search", 0},
		{"post-assessment", 0},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			var out bytes.Buffer
			err := run(options{url: "http://" + ln.Addr().String(), key: "ck_anything", scenario: tc.scenario,
				rate: tc.rate, conns: 4, duration: 300 * time.Millisecond, facts: "../../credit/testdata/applicant.json"}, &out)
			require.NoError(t, err, out.String())
			assert.Regexp(t, `^`+tc.scenario+` .*: \d+ ok in .* req/s\nlatency p50 .* p99 .*\nstatuses 2\d\d×\d+, transport errors 0\n$`, out.String())
		})
	}
	err = run(options{url: "http://" + ln.Addr().String(), key: "k", scenario: "nonsense", conns: 1, duration: time.Second}, &bytes.Buffer{})
	assert.ErrorContains(t, err, "unknown scenario")
}

// TestPaceNeverSendsEarly: at 10k per second (well under minSleep apart) every request is
// sent at or after its due time, and every due time before the stop is sent once.
func TestPaceNeverSendsEarly(t *testing.T) {
	start := time.Now()
	stop := start.Add(50 * time.Millisecond)
	var dues []time.Time
	pace(start, stop, 100*time.Microsecond, func(due time.Time) {
		now := time.Now()
		require.False(t, now.Before(due), "sent %v before its due time", due.Sub(now))
		dues = append(dues, due)
	})
	require.Len(t, dues, 500)
	for i, due := range dues {
		require.Equal(t, start.Add(time.Duration(i)*100*time.Microsecond), due)
	}
}
