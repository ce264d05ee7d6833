package assign

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHistoryOwnerOnDate(t *testing.T) {
	var h History
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	require.NoError(t, h.Record("a1", "o1", t0, "intake"))
	require.NoError(t, h.Record("a1", "o2", t0.AddDate(0, 3, 0), "o1 left"))
	require.NoError(t, h.Record("a2", "o1", t0.AddDate(0, 1, 0), "intake"))
	tests := []struct {
		name   string
		give   time.Time
		want   string
		wantOK bool
	}{
		{"before any owner", t0.Add(-time.Second), "", false},
		{"first day", t0, "o1", true},
		{"just before the change", t0.AddDate(0, 3, 0).Add(-time.Nanosecond), "o1", true},
		{"at the change", t0.AddDate(0, 3, 0), "o2", true},
		{"long after", t0.AddDate(5, 0, 0), "o2", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := h.Owner("a1", tt.give)
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.want, got)
		})
	}
	es := h.Entries("a1")
	require.Len(t, es, 2)
	assert.Equal(t, t0.AddDate(0, 3, 0), es[0].To)
	assert.True(t, es[1].To.IsZero())
	assert.Equal(t, []string{"a1", "a2"}, h.Portfolio("o1", t0.AddDate(0, 2, 0)))
	assert.Equal(t, []string{"a2"}, h.Portfolio("o1", t0.AddDate(0, 4, 0)))
	_, ok := h.Owner("nope", t0)
	assert.False(t, ok)
}

func TestHistoryRejectsBadRecords(t *testing.T) {
	var h History
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	require.NoError(t, h.Record("a1", "o1", t0, "intake"))
	require.ErrorIs(t, h.Record("a1", "o2", t0.Add(-time.Hour), "backdated"), ErrInvalid)
	require.ErrorIs(t, h.Record("", "o2", t0, ""), ErrInvalid)
	require.ErrorIs(t, h.Record("a1", "o2", time.Time{}, ""), ErrInvalid)
}
