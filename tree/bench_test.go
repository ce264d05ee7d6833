package tree_test

import (
	"runtime"
	"sync"
	"testing"

	"github.com/creditkit/creditkit/tree"
	"github.com/creditkit/creditkit/tree/treegen"
	"github.com/shopspring/decimal"
)

// benchFixture is the benchmark tree, built once per test binary and only when a
// benchmark asks for it: 1M customers under 10k groups, depth 6.
type benchFixture struct {
	rows          []tree.Row
	tree          *tree.Tree
	customers     []string  // customer numbers
	conglomerates []tree.ID // groups of about 10k customers each
	subBranches   []tree.ID // the parents of the conglomerates
	regions       []tree.ID
	groups        []tree.ID // subgroups of about 100 customers
}

var largeFixture = sync.OnceValues(func() (*benchFixture, error) {
	rows, err := treegen.Rows(treegen.Large())
	if err != nil {
		return nil, err
	}
	t, err := tree.Build(rows)
	if err != nil {
		return nil, err
	}
	fx := &benchFixture{rows: rows, tree: t}
	for _, r := range rows {
		switch {
		case r.Kind == tree.KindCustomer:
			fx.customers = append(fx.customers, r.Customer)
		case r.Kind == tree.KindGroup && r.Parent != 0 && rows[r.Parent-1].Kind == tree.KindBranch:
			fx.conglomerates = append(fx.conglomerates, r.ID)
			fx.subBranches = append(fx.subBranches, r.Parent)
		case r.Kind == tree.KindGroup:
			fx.groups = append(fx.groups, r.ID)
		case r.Kind == tree.KindBranch && r.Parent == 1:
			fx.regions = append(fx.regions, r.ID)
		}
	}
	return fx, nil
})

func fixture(b *testing.B) *benchFixture {
	b.Helper()
	fx, err := largeFixture()
	if err != nil {
		b.Fatal(err)
	}
	return fx
}

// BenchmarkBuild rebuilds the 1M-customer tree from rows. Target: ≤ 1 s/op.
func BenchmarkBuild(b *testing.B) {
	fx := fixture(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tree.Build(fx.rows); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMemoryPerNode measures the live heap a built tree holds per node. Goal: ≤ 300 B.
// Names and customer numbers share their bytes with the input rows, so they are not in B/node;
// str-B/node reports their average length, which a tree built from a database adds.
func BenchmarkMemoryPerNode(b *testing.B) {
	fx := fixture(b)
	strBytes := 0
	for _, r := range fx.rows {
		strBytes += len(r.Name) + len(r.Customer)
	}
	var perNode float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		t, err := tree.Build(fx.rows)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perNode = float64(after.HeapAlloc-before.HeapAlloc) / float64(t.Len())
		runtime.KeepAlive(t)
	}
	b.ReportMetric(perNode, "B/node")
	b.ReportMetric(float64(strBytes)/float64(len(fx.rows)), "str-B/node")
}

// BenchmarkExposure reads subtree totals of groups and regions. Target: ≤ 100 ns/op.
func BenchmarkExposure(b *testing.B) {
	fx := fixture(b)
	ids := append(append([]tree.ID{}, fx.groups...), fx.regions...)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := fx.tree.Exposure(ids[i%len(ids)]); err != nil {
			b.Fatal(err)
		}
		i += 7919
	}
}

// updateTick counts BenchmarkExposureAfterUpdate's updates over all its runs.
var updateTick int

// BenchmarkExposureAfterUpdate reads a group's total right after one of its customers changed,
// so every read converts a new total (the first read after a change allocates its decimal;
// BenchmarkExposure reads unchanged totals). The op is the update plus the read.
func BenchmarkExposureAfterUpdate(b *testing.B) {
	fx := fixture(b)
	amounts := make([]decimal.Decimal, 4096)
	for i := range amounts {
		amounts[i] = decimal.New(int64(i+1), 0)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		// A new amount on every visit, across runs too: updateTick never repeats a pair.
		updateTick++
		c := fx.customers[i%len(fx.customers)]
		if err := fx.tree.SetExposure(c, amounts[updateTick%len(amounts)]); err != nil {
			b.Fatal(err)
		}
		n, err := fx.tree.Customer(c)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := fx.tree.Exposure(n.Parent); err != nil {
			b.Fatal(err)
		}
		i += 7919
	}
}

// BenchmarkSetExposure updates customers' exposure and rolls it up. Target: ≤ 1 µs/op.
func BenchmarkSetExposure(b *testing.B) {
	fx := fixture(b)
	amounts := make([]decimal.Decimal, 1024)
	for i := range amounts {
		amounts[i] = decimal.New(int64(i*1237), -2)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := fx.tree.SetExposure(fx.customers[i%len(fx.customers)], amounts[i%len(amounts)]); err != nil {
			b.Fatal(err)
		}
		i += 7919
	}
}

// BenchmarkCheckIncrease checks an increase against every limit above a customer.
func BenchmarkCheckIncrease(b *testing.B) {
	fx := fixture(b)
	amount := decimal.New(5_000_000, 0)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := fx.tree.CheckIncrease(fx.customers[i%len(fx.customers)], amount); err != nil {
			b.Fatal(err)
		}
		i += 7919
	}
}

// BenchmarkMoveGroup moves a conglomerate of about 10k customers (and its 99 subgroups) to
// another sub-branch and back. Target: ≤ 10 ms/op.
func BenchmarkMoveGroup(b *testing.B) {
	fx := fixture(b)
	g := fx.conglomerates[0]
	homes := []tree.ID{fx.subBranches[len(fx.subBranches)-1], fx.subBranches[0]}
	n, err := fx.tree.Get(g)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(n.Size), "nodes/move")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := fx.tree.Move(g, homes[i%2]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	if i%2 == 1 {
		if err := fx.tree.Move(g, homes[1]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearch finds 20 nodes by pinyin spelling, initials, name or kind inside a region of 250k
// customers. Target: ≤ 1 ms/op.
func BenchmarkSearch(b *testing.B) {
	fx := fixture(b)
	for _, tc := range []struct {
		name string
		q    tree.Query
	}{
		{"pinyin", tree.Query{Text: "zhangwei", Limit: 20}},
		{"initials", tree.Query{Text: "zw", Prefix: true, Limit: 20}},
		{"name", tree.Query{Text: "秀英", Limit: 20}},
		{"kind", tree.Query{Kinds: []tree.Kind{tree.KindGroup}, Limit: 20}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				hits, err := fx.tree.Search(fx.regions[i%len(fx.regions)], tc.q)
				if err != nil || len(hits) != 20 {
					b.Fatalf("%d hits, %v", len(hits), err)
				}
				i++
			}
		})
	}
}

// BenchmarkIsAncestor asks whether regions and groups hold customers. Target: ≤ 100 ns/op.
func BenchmarkIsAncestor(b *testing.B) {
	fx := fixture(b)
	cust := make([]tree.ID, 0, 4096)
	for _, r := range fx.rows {
		if r.Kind == tree.KindCustomer && len(cust) < cap(cust) && r.ID%241 == 0 {
			cust = append(cust, r.ID)
		}
	}
	anc := append(append([]tree.ID{}, fx.regions...), fx.groups[:64]...)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := fx.tree.IsAncestor(anc[i%len(anc)], cust[i%len(cust)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
