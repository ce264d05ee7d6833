package tree_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/creditkit/creditkit/tree"
	"github.com/shopspring/decimal"
)

func money(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func limit(s string) decimal.NullDecimal { return decimal.NewNullDecimal(money(s)) }

// smallBank is the bank the examples share: two branches, a conglomerate with a group-wide
// limit and a subsidiary group inside it, and four customers.
func smallBank() *tree.Tree {
	t, err := tree.Build([]tree.Row{
		{ID: 1, Kind: tree.KindBank, Name: "示范银行"},
		{ID: 2, Parent: 1, Kind: tree.KindBranch, Name: "北京分行", Attrs: map[string]string{tree.AttrRegion: "北京"}},
		{ID: 3, Parent: 1, Kind: tree.KindBranch, Name: "上海分行", Attrs: map[string]string{tree.AttrRegion: "上海"}},
		{ID: 4, Parent: 2, Kind: tree.KindGroup, Name: "华润集团", Limit: limit("1000000")},
		{ID: 5, Parent: 4, Kind: tree.KindGroup, Name: "华润置地", Limit: limit("400000")},
		{ID: 6, Parent: 5, Kind: tree.KindCustomer, Name: "华润置地北京公司", Customer: "C001", Exposure: money("300000")},
		{ID: 7, Parent: 4, Kind: tree.KindCustomer, Name: "华润啤酒", Customer: "C002", Exposure: money("500000")},
		{ID: 8, Parent: 3, Kind: tree.KindCustomer, Name: "张伟", Customer: "C003", Exposure: money("80000"), Attrs: map[string]string{tree.AttrOfficer: "王芳"}},
		{ID: 9, Parent: 3, Kind: tree.KindCustomer, Name: "Acme Trading", Customer: "C004", Exposure: money("20000")},
	})
	if err != nil {
		panic(err)
	}
	return t
}

func ExampleBuild() {
	t := smallBank()
	kids, _ := t.Children(1)
	for _, k := range kids {
		fmt.Println(k.Name, k.Kind, k.Total)
	}
	path, _ := t.Path(6)
	var crumbs []string
	for _, n := range path {
		crumbs = append(crumbs, n.Name)
	}
	fmt.Println(strings.Join(crumbs, " / "))

	_, err := tree.Build([]tree.Row{
		{ID: 1, Kind: tree.KindBank, Name: "Bank"},
		{ID: 2, Parent: 9, Kind: tree.KindGroup, Name: "Lost"},
		{ID: 3, Parent: 1, Kind: tree.KindCustomer, Name: "A", Customer: "C1", Exposure: money("-1")},
	})
	var ie *tree.InputError
	if errors.As(err, &ie) {
		for _, p := range ie.Problems {
			fmt.Println(p.Path, p.Rule)
		}
	}
	fmt.Println(errors.Is(err, tree.ErrUnknownParent), errors.Is(err, tree.ErrNegative))
	// Output:
	// 北京分行 branch 800000
	// 上海分行 branch 100000
	// 示范银行 / 北京分行 / 华润集团 / 华润置地 / 华润置地北京公司
	// rows[2].exposure amount
	// rows[1].parent exists
	// rows[2].parent placement
	// true true
}

func ExampleTree_Search() {
	t := smallBank()
	for _, q := range []tree.Query{
		{Text: "华润", Kinds: []tree.Kind{tree.KindCustomer}},
		{Text: "huarun zhi", Prefix: true},
		{Text: "hrpj"},
		{Text: "acme"},
		{Attrs: map[string]string{tree.AttrOfficer: "王芳"}},
	} {
		hits, _ := t.Search(1, q)
		var names []string
		for _, h := range hits {
			names = append(names, h.Name+"("+h.Customer+")")
		}
		fmt.Println(strings.Join(names, " "))
	}
	// Output:
	// 华润置地北京公司(C001) 华润啤酒(C002)
	// 华润置地() 华润置地北京公司(C001)
	// 华润啤酒(C002)
	// Acme Trading(C004)
	// 张伟(C003)
}

func ExampleTree_Exposure() {
	t := smallBank()
	total, _ := t.Exposure(4)
	fmt.Println("华润集团", total)
	_ = t.SetExposure("C001", money("350000.50"))
	total, _ = t.Exposure(4)
	fmt.Println("华润集团", total)
	bank, _ := t.Exposure(1)
	fmt.Println("bank", bank)
	room, ok, _ := t.Headroom(6)
	fmt.Println("headroom of C001", room, ok)
	// Output:
	// 华润集团 800000
	// 华润集团 850000.5
	// bank 950000.5
	// headroom of C001 49999.5 true
}

func ExampleTree_CheckIncrease() {
	t := smallBank()
	breaches, _ := t.CheckIncrease("C001", money("150000"))
	for _, b := range breaches {
		fmt.Printf("%s limit %s exposure %s headroom %s\n", b.Name, b.Limit, b.Exposure, b.Headroom)
	}
	breaches, _ = t.CheckIncrease("C002", money("200000")) // exactly reaches 华润集团's limit
	fmt.Println(len(breaches), "breaches")
	breaches, _ = t.CheckIncrease("C002", money("200000.01"))
	fmt.Println(len(breaches), "breach:", breaches[0].Name, breaches[0].Headroom)
	// Output:
	// 华润置地 limit 400000 exposure 300000 headroom 100000
	// 0 breaches
	// 1 breach: 华润集团 200000
}

func ExampleTree_Move() {
	t := smallBank()
	err := t.Move(4, 5)
	fmt.Println(errors.Is(err, tree.ErrOwnSubtree))
	_ = t.Move(5, 3)
	ok, _ := t.IsAncestor(3, 6)
	sh, _ := t.Exposure(3)
	bj, _ := t.Exposure(2)
	fmt.Println(ok, sh, bj)
	// Output:
	// true
	// true 400000 500000
}

func ExampleTree_Connected() {
	t := smallBank()
	_ = t.Link(tree.Link{From: "C002", To: "C003", Kind: tree.LinkControl, Share: money("0.6")})
	_ = t.Link(tree.Link{From: "C003", To: "C004", Kind: tree.LinkMutualGuarantee})
	sets, _ := t.Ungrouped(money("500000"))
	for _, s := range sets {
		fmt.Println(s.Customers, s.Exposure, s.Over, s.Excess)
	}
	// Output:
	// [C002 C003 C004] 600000 true 100000
}

func ExampleImport() {
	data, _ := smallBank().MarshalJSON()
	t, err := tree.Import(data)
	fmt.Println(err, t.Len())
	_, err = tree.Import([]byte(`{"version":1,"nodes":[{"id":1,"kind":"bank","name":"B"},{"id":2,"parent":1,"kind":"group","name":"G","limit":"-5"}]}`))
	fmt.Println(errors.Is(err, tree.ErrNegative))
	// Output:
	// <nil> 9
	// true
}

func ExampleNew() {
	t, _ := tree.New(tree.Row{Kind: tree.KindBank, Name: "示范银行"})
	branch, _ := t.Add(tree.Row{Parent: t.Root().ID, Kind: tree.KindBranch, Name: "杭州分行", Attrs: map[string]string{tree.AttrRegion: "浙江"}})
	group, _ := t.Add(tree.Row{Parent: branch, Kind: tree.KindGroup, Name: "吉利集团", Limit: limit("5000000")})
	_, _ = t.Add(tree.Row{Parent: group, Kind: tree.KindCustomer, Name: "吉利汽车", Customer: "C100", Exposure: money("1200000")})
	_, err := t.Add(tree.Row{Parent: group, Kind: tree.KindCustomer, Name: "吉利汽车", Customer: "C100"})
	fmt.Println(errors.Is(err, tree.ErrDuplicateCustomer))
	c, _ := t.Customer("C100")
	g, _ := t.Get(c.Parent)
	fmt.Println(c.ID, c.Name, c.Depth, g.Name, g.Total, g.Limit.Decimal)
	// Output:
	// true
	// 4 吉利汽车 3 吉利集团 1200000 5000000
}

func ExampleTree_Remove() {
	t := smallBank()
	fmt.Println(errors.Is(t.Remove(5, false), tree.ErrNotEmpty))
	_ = t.Remove(5, true) // 华润置地 and its customer
	total, _ := t.Exposure(4)
	_, err := t.Customer("C001")
	fmt.Println(t.Len(), total, errors.Is(err, tree.ErrNotFound))
	// Output:
	// true
	// 7 500000 true
}

func ExampleTree_SetLimit() {
	t := smallBank()
	_ = t.SetLimit(3, limit("90000")) // 上海分行
	room, ok, _ := t.Headroom(9)
	fmt.Println(room, ok)
	err := t.SetLimit(3, limit("-1"))
	fmt.Println(errors.Is(err, tree.ErrNegative))
	// Output:
	// -10000 true
	// true
}

func ExampleLargeExposureLimit() {
	lim, _ := tree.LargeExposureLimit(money("2000000"), money("0.25"))
	t := smallBank()
	_ = t.Link(tree.Link{From: "C001", To: "C002", Kind: tree.LinkSameController})
	sets, _ := t.Connected(lim)
	for _, s := range sets {
		fmt.Println(s.Customers, s.Exposure, s.Limit, s.Over, s.UnderOneGroup)
	}
	fmt.Println(len(t.Links("C001")))
	_ = t.Unlink("C002", "C001", tree.LinkSameController)
	fmt.Println(len(t.Links("C001")))
	// Output:
	// [C001 C002] 800000 500000 true true
	// 1
	// 0
}

func ExampleValidShare() {
	for _, s := range []string{"0.6", "1", "0.4", "1.5", "0e999999999", "1e-999999999"} {
		fmt.Println(s, tree.ValidShare(decimal.RequireFromString(s)))
	}
	// Output:
	// 0.6 true
	// 1 true
	// 0.4 false
	// 1.5 false
	// 0e999999999 false
	// 1e-999999999 false
}

func ExampleTree_Rows() {
	t := smallBank()
	for _, r := range t.Rows()[:3] {
		fmt.Println(r.ID, r.Parent, r.Kind, r.Name, r.Limit.Valid)
	}
	// Output:
	// 1 0 bank 示范银行 false
	// 2 1 branch 北京分行 false
	// 4 2 group 华润集团 true
}
