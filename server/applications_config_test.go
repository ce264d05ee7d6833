package server

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/loan"
	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/storetest"
)

// TestConfigApprovalMatrix checks that Config.ApprovalMatrix replaces the built-in matrix
// and that a matrix that does not parse or validate stops New with ErrConfig.
func TestConfigApprovalMatrix(t *testing.T) {
	st, err := store.Open(context.Background(), storetest.SQLiteDSN(t))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	custom := []byte(`{"bands": [{"above": "0", "routes": [{"stages": [
		{"name": "head office", "role": "approver", "authority": "100000000"}]}]}],
		"override": {"role": "approver", "authority": "100000000"}}`)
	want, err := loan.ParseMatrix(custom)
	require.NoError(t, err)
	srv, err := New(Config{Store: st, Keyring: testRing, RateLimit: unlimited, Logger: quiet, ApprovalMatrix: custom})
	require.NoError(t, err)
	assert.Equal(t, want, srv.applications.matrix)

	for name, bad := range map[string]string{
		"not JSON":      `{"bands": [`,
		"unknown field": `{"bands": [], "colour": "red"}`,
		"no bands":      `{"bands": []}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := New(Config{Store: st, Keyring: testRing, RateLimit: unlimited, Logger: quiet, ApprovalMatrix: []byte(bad)})
			require.ErrorIs(t, err, ErrConfig)
			assert.Contains(t, err.Error(), "approval matrix")
		})
	}
}
