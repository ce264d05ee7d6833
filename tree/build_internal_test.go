package tree

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBuildKeysMatchSearchKey builds a tree whose names repeat (and some that do not, past
// the memo's bound) and checks every node's search key against a fresh computation.
func TestBuildKeysMatchSearchKey(t *testing.T) {
	names := []string{"张伟", "王秀英", "Bank of Fuzhou", "单丽", "华润集团", "ÉCOLE", "曾 国藩", "李四"}
	rows := []Row{{ID: 1, Kind: KindBank, Name: "示范银行"}}
	for i := range 3 * maxKeyMemo / 2 {
		name := names[i%len(names)]
		if i%3 == 0 {
			name = fmt.Sprintf("%s%d", name, i) // unique: fills the memo and goes past it
		}
		rows = append(rows, Row{ID: ID(i + 2), Parent: 1, Kind: KindGroup, Name: name})
	}
	tr, err := Build(rows)
	require.NoError(t, err)
	fresh := newTree(0)
	for s := range tr.nodes {
		n := &tr.nodes[s]
		require.Equal(t, fresh.searchKey(n.name), n.key, "%q", n.name)
	}
}
