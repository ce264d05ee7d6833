// Package treegen generates seeded, synthetic customer trees for benchmarks, load tests and
// side-by-side comparisons (the PostgreSQL ltree script under bench/ltree uses it too). The same
// Config and seed always give the same rows.
//
// The shape: a bank → regions → branches → sub-branches → one conglomerate (集团) per
// sub-branch → subgroups → customers spread evenly over the subgroups. Customers carry Chinese
// personal names from a small list (so names repeat, as they do in a real bank) and a
// customer number; groups carry a limit; customers a random exposure in whole yuan.
//
// Usage:
//
//	rows, err := treegen.Rows(treegen.Large()) // 1M customers under 10k groups, depth 6
//	t, err := tree.Build(rows)
package treegen

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/creditkit/creditkit/tree"
	"github.com/shopspring/decimal"
)

// Config says how big a tree to make. All counts must be positive.
type Config struct {
	Regions                  int    // regions under the bank
	BranchesPerRegion        int    // branches under each region
	SubBranchesPerBranch     int    // sub-branches under each branch; each holds one conglomerate
	SubgroupsPerConglomerate int    // subgroups inside each conglomerate
	Customers                int    // customers in all, spread evenly over the subgroups
	Seed                     uint64 // seeds names' order and exposures
}

// Large returns the benchmark shape of the tree issue: 1,000,000 customers under 10,000
// groups (100 conglomerates of 99 subgroups, about 10,000 customers each), depth 6.
func Large() Config {
	return Config{Regions: 4, BranchesPerRegion: 5, SubBranchesPerBranch: 5, SubgroupsPerConglomerate: 99, Customers: 1_000_000, Seed: 1}
}

// ErrConfig is returned for a Config with a count that is not positive.
var ErrConfig = errors.New("treegen: every count must be positive")

var (
	surnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗"}
	given    = []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平"}
	regions  = []string{"华北", "华东", "华南", "西部"}
)

// CustomerNumber returns the customer number of the i-th customer (0-based) Rows makes.
func CustomerNumber(i int) string { return fmt.Sprintf("C%08d", i) }

// Rows returns the rows of the tree, parents before children, with IDs 1, 2, 3... in that
// order. It fails with ErrConfig.
func Rows(cfg Config) ([]tree.Row, error) {
	if cfg.Regions <= 0 || cfg.BranchesPerRegion <= 0 || cfg.SubBranchesPerBranch <= 0 || cfg.SubgroupsPerConglomerate <= 0 || cfg.Customers <= 0 {
		return nil, ErrConfig
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	subBranches := cfg.Regions * cfg.BranchesPerRegion * cfg.SubBranchesPerBranch
	subgroups := subBranches * cfg.SubgroupsPerConglomerate
	rows := make([]tree.Row, 0, 1+cfg.Regions*(1+cfg.BranchesPerRegion*(1+cfg.SubBranchesPerBranch*2))+subgroups+cfg.Customers)
	next := tree.ID(1)
	add := func(r tree.Row) tree.ID {
		r.ID = next
		next++
		rows = append(rows, r)
		return r.ID
	}
	bank := add(tree.Row{Kind: tree.KindBank, Name: "示范银行"})
	var groups []tree.ID
	for r := range cfg.Regions {
		region := regions[r%len(regions)]
		attrs := map[string]string{tree.AttrRegion: region}
		rid := add(tree.Row{Parent: bank, Kind: tree.KindBranch, Name: fmt.Sprintf("%s区域%d", region, r), Attrs: attrs})
		for b := range cfg.BranchesPerRegion {
			bid := add(tree.Row{Parent: rid, Kind: tree.KindBranch, Name: fmt.Sprintf("%s分行%d", region, b), Attrs: attrs})
			for s := range cfg.SubBranchesPerBranch {
				sid := add(tree.Row{Parent: bid, Kind: tree.KindBranch, Name: fmt.Sprintf("%s支行%d-%d", region, b, s), Attrs: attrs})
				cid := add(tree.Row{Parent: sid, Kind: tree.KindGroup, Name: fmt.Sprintf("%s集团%d-%d", surnames[s%len(surnames)], b, s),
					Limit: decimal.NewNullDecimal(decimal.New(int64(2_000_000_000+rng.IntN(1_000_000_000)), 0))})
				for g := range cfg.SubgroupsPerConglomerate {
					groups = append(groups, add(tree.Row{Parent: cid, Kind: tree.KindGroup, Name: fmt.Sprintf("子公司%d", g),
						Limit: decimal.NewNullDecimal(decimal.New(int64(20_000_000+rng.IntN(10_000_000)), 0))}))
				}
			}
		}
	}
	for i := range cfg.Customers {
		name := surnames[rng.IntN(len(surnames))] + given[rng.IntN(len(given))]
		add(tree.Row{
			Parent: groups[i*len(groups)/cfg.Customers], Kind: tree.KindCustomer, Name: name,
			Customer: CustomerNumber(i), Exposure: decimal.New(int64(rng.IntN(500_000)), 0),
		})
	}
	return rows, nil
}
