package treegen_test

import (
	"fmt"

	"github.com/creditkit/creditkit/tree"
	"github.com/creditkit/creditkit/tree/treegen"
)

func ExampleRows() {
	rows, err := treegen.Rows(treegen.Config{Regions: 2, BranchesPerRegion: 2, SubBranchesPerBranch: 2, SubgroupsPerConglomerate: 3, Customers: 100, Seed: 7})
	if err != nil {
		fmt.Println(err)
		return
	}
	t, err := tree.Build(rows)
	if err != nil {
		fmt.Println(err)
		return
	}
	groups, _ := t.Search(t.Root().ID, tree.Query{Kinds: []tree.Kind{tree.KindGroup}, Limit: 1000})
	fmt.Println(t.Len(), "nodes,", len(groups), "groups")
	c, _ := t.Customer(treegen.CustomerNumber(99))
	fmt.Println(c.Depth)
	// Output:
	// 147 nodes, 32 groups
	// 6
}
