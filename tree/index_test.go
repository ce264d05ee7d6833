package tree

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIDIndex(t *testing.T) {
	tests := []struct {
		name    string
		give    []ID // set in order, slot = position
		delete  []ID
		wantLen int
		absent  []ID
	}{
		{"sequential", []ID{1, 2, 3, 4}, nil, 4, []ID{0, 5, -1}},
		{"gaps go sparse", []ID{1, 2, 10, 3, 1 << 40}, nil, 5, []ID{4, 9, 11}},
		{"sparse then dense reaches it", []ID{5, 1, 2, 3, 4, 6}, nil, 6, []ID{7}},
		{"duplicates", []ID{1, 1, 7, 7}, nil, 2, []ID{2}},
		{"delete both kinds", []ID{1, 2, 9}, []ID{2, 9, 42}, 1, []ID{2, 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := newIDIndex(0)
			last := map[ID]int32{}
			for i, id := range tt.give {
				x.set(id, int32(i))
				last[id] = int32(i)
			}
			for _, id := range tt.delete {
				x.delete(id)
				delete(last, id)
			}
			assert.Equal(t, tt.wantLen, x.len())
			for id, want := range last {
				got, ok := x.get(id)
				assert.True(t, ok, "id %d", id)
				assert.Equal(t, want, got, "id %d", id)
			}
			for _, id := range tt.absent {
				_, ok := x.get(id)
				assert.False(t, ok, "id %d", id)
			}
		})
	}
}
