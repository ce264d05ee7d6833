// Command ltree writes the benchmark tree of package tree (treegen.Large: 1M customers under
// 10k groups) as CSV for PostgreSQL's ltree extension: id, parent, kind, path, exposure, limit.
// The path of a node is the ltree of its ancestors' IDs, "n1.n2.n7". run.sh loads it and times
// the subtree-sum query; see there.
//
// Usage:
//
//	go run ./bench/ltree [-customers 1000000] [-seed 1] > rows.csv
package main

import (
	"bufio"
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"strconv"

	"github.com/creditkit/creditkit/tree"
	"github.com/creditkit/creditkit/tree/treegen"
)

func main() {
	cfg := treegen.Large()
	flag.IntVar(&cfg.Customers, "customers", cfg.Customers, "customers in the tree")
	flag.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "generator seed")
	flag.Parse()
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "ltree:", err)
		os.Exit(1)
	}
}

func run(cfg treegen.Config) error {
	rows, err := treegen.Rows(cfg)
	if err != nil {
		return err
	}
	paths := make(map[tree.ID]string, len(rows))
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	w := csv.NewWriter(out)
	if err := w.Write([]string{"id", "parent", "kind", "path", "exposure", "credit_limit"}); err != nil {
		return err
	}
	for _, r := range rows {
		label := "n" + strconv.FormatInt(int64(r.ID), 10)
		path := label
		parent := ""
		if r.Parent != 0 {
			pp, ok := paths[r.Parent]
			if !ok {
				return fmt.Errorf("row %d comes before its parent %d", r.ID, r.Parent)
			}
			path = pp + "." + label
			parent = strconv.FormatInt(int64(r.Parent), 10)
		}
		if r.Kind != tree.KindCustomer {
			paths[r.ID] = path // customers have no children
		}
		limit := ""
		if r.Limit.Valid {
			limit = r.Limit.Decimal.String()
		}
		if err := w.Write([]string{strconv.FormatInt(int64(r.ID), 10), parent, r.Kind.String(), path, r.Exposure.String(), limit}); err != nil {
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return out.Flush()
}
