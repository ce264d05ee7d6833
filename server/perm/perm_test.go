package perm

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPermissionText(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range All() {
		b, err := p.MarshalText()
		require.NoError(t, err)
		assert.False(t, seen[string(b)], "duplicate name %s", b)
		seen[string(b)] = true
		var got Permission
		require.NoError(t, got.UnmarshalText(b))
		assert.Equal(t, p, got)
	}
	tests := []struct {
		name string
		give Permission
	}{{"unset", 0}, {"past the end", lastPermission + 1}, {"negative", -1}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.give.MarshalText()
			require.Error(t, err)
			assert.False(t, tt.give.Valid())
			assert.False(t, Admin("a", "b").Can(tt.give))
		})
	}
	var p Permission
	require.Error(t, p.UnmarshalText([]byte("customer:delete")))
}

func TestActor(t *testing.T) {
	a := New("u1", "Li Lei", "officer", CustomerRead, CustomerWrite, 0, 99)
	assert.True(t, a.Can(CustomerRead))
	assert.True(t, a.Can(CustomerWrite))
	assert.False(t, a.Can(PIIRead))
	assert.Equal(t, []Permission{CustomerRead, CustomerWrite}, a.Permissions())
	assert.Equal(t, All(), Admin("x", "y").Permissions())
	assert.Empty(t, Actor{}.Permissions(), "the zero actor may do nothing")
}

func TestContext(t *testing.T) {
	_, ok := FromContext(context.Background())
	assert.False(t, ok)
	a := New("u1", "Li Lei", "auditor", AuditRead)
	got, ok := FromContext(WithActor(context.Background(), a))
	require.True(t, ok)
	assert.Equal(t, a, got)
}
