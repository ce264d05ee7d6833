package tree_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/creditkit/creditkit/tree"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dump is the tree's JSON export: trees compare by it, never by decimal internals.
func dump(t *testing.T, tr *tree.Tree) string {
	t.Helper()
	b, err := tr.MarshalJSON()
	require.NoError(t, err)
	return string(b)
}

func dumpRows(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func bank() tree.Row { return tree.Row{ID: 1, Kind: tree.KindBank, Name: "Bank"} }

func TestBuildReportsEveryProblem(t *testing.T) {
	tests := []struct {
		name string
		give []tree.Row
		want []error
	}{
		{"unknown parent", []tree.Row{bank(), {ID: 2, Parent: 7, Kind: tree.KindGroup, Name: "G"}}, []error{tree.ErrUnknownParent}},
		{"cycle", []tree.Row{bank(), {ID: 2, Parent: 3, Kind: tree.KindGroup, Name: "G"}, {ID: 3, Parent: 2, Kind: tree.KindGroup, Name: "H"}}, []error{tree.ErrCycle}},
		{"self cycle", []tree.Row{bank(), {ID: 2, Parent: 2, Kind: tree.KindGroup, Name: "G"}}, []error{tree.ErrCycle}},
		{"duplicate customer", []tree.Row{bank(), {ID: 2, Parent: 1, Kind: tree.KindBranch, Name: "B"},
			{ID: 3, Parent: 2, Kind: tree.KindCustomer, Name: "A", Customer: "C1"}, {ID: 4, Parent: 2, Kind: tree.KindCustomer, Name: "A", Customer: "C1"}}, []error{tree.ErrDuplicateCustomer}},
		{"duplicate ID", []tree.Row{bank(), {ID: 2, Parent: 1, Kind: tree.KindBranch, Name: "B"}, {ID: 2, Parent: 1, Kind: tree.KindBranch, Name: "C"}}, []error{tree.ErrDuplicateID}},
		{"unset kind", []tree.Row{bank(), {ID: 2, Parent: 1, Name: "B"}}, []error{tree.ErrKind}},
		{"negative exposure", []tree.Row{bank(), {ID: 2, Parent: 1, Kind: tree.KindBranch, Name: "B"},
			{ID: 3, Parent: 2, Kind: tree.KindCustomer, Name: "A", Customer: "C1", Exposure: money("-0.01")}}, []error{tree.ErrNegative}},
		{"negative limit", []tree.Row{bank(), {ID: 2, Parent: 1, Kind: tree.KindBranch, Name: "B", Limit: limit("-1")}}, []error{tree.ErrNegative}},
		{"too precise", []tree.Row{bank(), {ID: 2, Parent: 1, Kind: tree.KindBranch, Name: "B", Limit: limit("1.001")}}, []error{tree.ErrPrecision}},
		{"too large", []tree.Row{bank(), {ID: 2, Parent: 1, Kind: tree.KindBranch, Name: "B", Limit: limit("1e16")}}, []error{tree.ErrOverflow}},
		{"customer with children", []tree.Row{bank(), {ID: 2, Parent: 1, Kind: tree.KindBranch, Name: "B"},
			{ID: 3, Parent: 2, Kind: tree.KindCustomer, Name: "A", Customer: "C1"}, {ID: 4, Parent: 3, Kind: tree.KindCustomer, Name: "B", Customer: "C2"}}, []error{tree.ErrKind}},
		{"two roots", []tree.Row{bank(), {ID: 2, Kind: tree.KindBank, Name: "Other"}}, []error{tree.ErrRoot}},
		{"no root", []tree.Row{{ID: 2, Parent: 3, Kind: tree.KindBranch, Name: "B"}, {ID: 3, Parent: 2, Kind: tree.KindBranch, Name: "C"}}, []error{tree.ErrRoot, tree.ErrCycle}},
		{"empty", nil, []error{tree.ErrRoot}},
		{"orphan without parent", []tree.Row{bank(), {ID: 2, Kind: tree.KindGroup, Name: "G"}}, []error{tree.ErrRoot}},
		{"exposure on a group", []tree.Row{bank(), {ID: 2, Parent: 1, Kind: tree.KindGroup, Name: "G", Exposure: money("5")}}, []error{tree.ErrInvalid}},
		{"limit on a customer", []tree.Row{bank(), {ID: 2, Parent: 1, Kind: tree.KindBranch, Name: "B"},
			{ID: 3, Parent: 2, Kind: tree.KindCustomer, Name: "A", Customer: "C1", Limit: limit("5")}}, []error{tree.ErrInvalid}},
		{"no name and no number", []tree.Row{bank(), {ID: 2, Parent: 1, Kind: tree.KindCustomer}}, []error{tree.ErrInvalid, tree.ErrInvalid, tree.ErrKind}}, // and customers sit under branches or groups
		{"zero ID", []tree.Row{bank(), {Parent: 1, Kind: tree.KindBranch, Name: "B"}}, []error{tree.ErrInvalid}},
		{"too deep", deepChain(tree.MaxDepth + 1), []error{tree.ErrTooDeep}},
		{"many at once", []tree.Row{bank(), {ID: 2, Parent: 9, Kind: tree.KindGroup, Name: "G"}, {ID: 3, Parent: 3, Kind: tree.KindGroup, Name: "H", Limit: limit("-2")}, {ID: 3, Parent: 1, Kind: tree.KindBranch, Name: "X"}},
			[]error{tree.ErrUnknownParent, tree.ErrCycle, tree.ErrNegative, tree.ErrDuplicateID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tree.Build(tt.give)
			assert.Nil(t, got)
			var ie *tree.InputError
			require.ErrorAs(t, err, &ie)
			assert.Len(t, ie.Problems, len(tt.want), "%v", err)
			for _, w := range tt.want {
				assert.ErrorIs(t, err, w)
			}
			for _, p := range ie.Problems {
				assert.NotEmpty(t, p.Path)
				assert.NotEmpty(t, p.Rule)
				assert.NotEmpty(t, p.Message)
			}
		})
	}
}

// deepChain returns a valid-looking chain bank → branch → ... → branch of n nodes.
func deepChain(n int) []tree.Row {
	rows := []tree.Row{bank()}
	for i := 2; i <= n; i++ {
		rows = append(rows, tree.Row{ID: tree.ID(i), Parent: tree.ID(i - 1), Kind: tree.KindBranch, Name: fmt.Sprint("B", i)})
	}
	return rows
}

func TestBuildAcceptsAnyOrderAndRoundTrips(t *testing.T) {
	rows := smallBank().Rows()
	reversed := make([]tree.Row, len(rows))
	for i, r := range rows {
		reversed[len(rows)-1-i] = r
	}
	got, err := tree.Build(reversed)
	require.NoError(t, err)
	require.NoError(t, tree.CheckInvariants(got))
	assert.Equal(t, dumpRows(t, rows), dumpRows(t, got.Rows()))
	deep, err := tree.Build(deepChain(tree.MaxDepth))
	require.NoError(t, err)
	assert.Equal(t, tree.MaxDepth, deep.Len())
}

func TestImportRoundTrip(t *testing.T) {
	orig := smallBank()
	require.NoError(t, orig.Link(tree.Link{From: "C001", To: "C003", Kind: tree.LinkControl, Share: money("0.75")}))
	require.NoError(t, orig.Link(tree.Link{From: "C004", To: "C003", Kind: tree.LinkKeyManagement}))
	data, err := orig.MarshalJSON()
	require.NoError(t, err)
	got, err := tree.Import(data)
	require.NoError(t, err)
	assert.Equal(t, dump(t, orig), dump(t, got))
	assert.Equal(t, dumpRows(t, orig.Links("C003")), dumpRows(t, got.Links("C003")))
	again, err := got.MarshalJSON()
	require.NoError(t, err)
	assert.JSONEq(t, string(data), string(again))
}

func TestImportRejects(t *testing.T) {
	tests := []struct {
		name string
		give string
		want error
	}{
		{"not JSON", `{`, tree.ErrInvalid},
		{"unknown field", `{"version":1,"nodes":[],"extra":1}`, tree.ErrInvalid},
		{"wrong version", `{"version":2,"nodes":[{"id":1,"kind":"bank","name":"B"}]}`, tree.ErrInvalid},
		{"unknown kind", `{"version":1,"nodes":[{"id":1,"kind":"planet","name":"B"}]}`, tree.ErrInvalid},
		{"trailing data", `{"version":1,"nodes":[{"id":1,"kind":"bank","name":"B"}]} {}`, tree.ErrInvalid},
		{"bad tree", `{"version":1,"nodes":[{"id":1,"kind":"bank","name":"B"},{"id":2,"parent":5,"kind":"group","name":"G"}]}`, tree.ErrUnknownParent},
		{"link to unknown customer", `{"version":1,"nodes":[{"id":1,"kind":"bank","name":"B"}],"links":[{"from":"X","to":"Y","kind":"control","share":"0.6"}]}`, tree.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tree.Import([]byte(tt.give))
			assert.Nil(t, got)
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

func TestAddRejectsAndChangesNothing(t *testing.T) {
	tests := []struct {
		name string
		give tree.Row
		want error
	}{
		{"unknown parent", tree.Row{Parent: 99, Kind: tree.KindGroup, Name: "G"}, tree.ErrUnknownParent},
		{"duplicate customer", tree.Row{Parent: 4, Kind: tree.KindCustomer, Name: "X", Customer: "C001"}, tree.ErrDuplicateCustomer},
		{"duplicate ID", tree.Row{ID: 4, Parent: 4, Kind: tree.KindGroup, Name: "G"}, tree.ErrDuplicateID},
		{"negative exposure", tree.Row{Parent: 4, Kind: tree.KindCustomer, Name: "X", Customer: "C9", Exposure: money("-5")}, tree.ErrNegative},
		{"negative limit", tree.Row{Parent: 4, Kind: tree.KindGroup, Name: "G", Limit: limit("-5")}, tree.ErrNegative},
		{"under a customer", tree.Row{Parent: 6, Kind: tree.KindCustomer, Name: "X", Customer: "C9"}, tree.ErrKind},
		{"second bank", tree.Row{Parent: 1, Kind: tree.KindBank, Name: "X"}, tree.ErrKind},
		{"branch under group", tree.Row{Parent: 4, Kind: tree.KindBranch, Name: "X"}, tree.ErrKind},
		{"negative ID", tree.Row{ID: -3, Parent: 4, Kind: tree.KindGroup, Name: "G"}, tree.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := smallBank()
			before := dump(t, tr)
			_, err := tr.Add(tt.give)
			assert.ErrorIs(t, err, tt.want)
			assert.Equal(t, before, dump(t, tr))
		})
	}
}

func TestAddAssignsIDsAndRollsUp(t *testing.T) {
	tr := smallBank()
	id, err := tr.Add(tree.Row{Parent: 5, Kind: tree.KindCustomer, Name: "华润置地上海公司", Customer: "C005", Exposure: money("12.34")})
	require.NoError(t, err)
	assert.Equal(t, tree.ID(10), id)
	total, err := tr.Exposure(4)
	require.NoError(t, err)
	assert.Equal(t, "800012.34", total.String())
	n, err := tr.Get(5)
	require.NoError(t, err)
	assert.Equal(t, 3, n.Size)
	id, err = tr.Add(tree.Row{ID: 100, Parent: 3, Kind: tree.KindGroup, Name: "G"})
	require.NoError(t, err)
	assert.Equal(t, tree.ID(100), id)
	id, err = tr.Add(tree.Row{Parent: 100, Kind: tree.KindGroup, Name: "H"})
	require.NoError(t, err)
	assert.Equal(t, tree.ID(101), id)
	require.NoError(t, tree.CheckInvariants(tr))
}

func TestMove(t *testing.T) {
	tests := []struct {
		name   string
		id, to tree.ID
		want   error
	}{
		{"into itself", 4, 4, tree.ErrOwnSubtree},
		{"into its child", 4, 5, tree.ErrOwnSubtree},
		{"into its grandchild group", 2, 5, tree.ErrOwnSubtree},
		{"the root", 1, 2, tree.ErrRoot},
		{"unknown node", 99, 2, tree.ErrNotFound},
		{"unknown parent", 4, 99, tree.ErrUnknownParent},
		{"under a customer", 5, 7, tree.ErrKind},
		{"branch under group", 3, 4, tree.ErrKind},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := smallBank()
			before := dump(t, tr)
			assert.ErrorIs(t, tr.Move(tt.id, tt.to), tt.want)
			assert.Equal(t, before, dump(t, tr))
		})
	}
	var me *tree.MoveError
	require.ErrorAs(t, smallBank().Move(4, 6), &me)
	assert.Equal(t, tree.MoveError{Node: 4, Parent: 6}, *me)
}

func TestMoveKeepsEverythingRight(t *testing.T) {
	tr := smallBank()
	require.NoError(t, tr.Move(5, 3)) // 华润置地 to 上海分行
	require.NoError(t, tree.CheckInvariants(tr))
	tests := []struct {
		name string
		a, d tree.ID
		want bool
	}{
		{"new parent", 3, 5, true},
		{"new grandparent of leaf", 3, 6, true},
		{"old parent", 4, 5, false},
		{"old branch", 2, 6, false},
		{"root", 1, 6, true},
		{"self", 6, 6, true},
		{"reverse", 6, 3, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tr.IsAncestor(tt.a, tt.d)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	for id, want := range map[tree.ID]string{1: "900000", 2: "500000", 3: "400000", 4: "500000", 5: "300000"} {
		got, err := tr.Exposure(id)
		require.NoError(t, err)
		assert.Equal(t, want, got.String(), "node %d", id)
	}
	n, err := tr.Get(6)
	require.NoError(t, err)
	assert.Equal(t, 3, n.Depth)
	path, err := tr.Path(6)
	require.NoError(t, err)
	require.Len(t, path, 4)
	assert.Equal(t, tree.ID(3), path[1].ID)
	require.NoError(t, tr.Move(5, 4)) // and back
	require.NoError(t, tree.CheckInvariants(tr))
	assert.Equal(t, dump(t, smallBank()), dump(t, tr))
}

func TestMoveTooDeep(t *testing.T) {
	rows := deepChain(tree.MaxDepth - 1)
	rows = append(rows, tree.Row{ID: 100, Parent: 1, Kind: tree.KindBranch, Name: "X"}, tree.Row{ID: 101, Parent: 100, Kind: tree.KindBranch, Name: "Y"})
	tr, err := tree.Build(rows)
	require.NoError(t, err)
	assert.ErrorIs(t, tr.Move(100, tree.ID(tree.MaxDepth-1)), tree.ErrTooDeep)
	require.NoError(t, tree.CheckInvariants(tr))
	_, err = tr.Add(tree.Row{Parent: tree.ID(tree.MaxDepth - 1), Kind: tree.KindBranch, Name: "Z"})
	assert.NoError(t, err)
	_, err = tr.Add(tree.Row{Parent: 101, Kind: tree.KindBranch, Name: "W"})
	assert.NoError(t, err)
}

func TestRemove(t *testing.T) {
	tr := smallBank()
	require.NoError(t, tr.Link(tree.Link{From: "C001", To: "C002", Kind: tree.LinkSameController}))
	before := dump(t, tr)
	assert.ErrorIs(t, tr.Remove(4, false), tree.ErrNotEmpty)
	assert.ErrorIs(t, tr.Remove(1, true), tree.ErrRoot)
	assert.ErrorIs(t, tr.Remove(42, true), tree.ErrNotFound)
	assert.Equal(t, before, dump(t, tr))

	require.NoError(t, tr.Remove(9, false))
	require.NoError(t, tr.Remove(5, true))
	require.NoError(t, tree.CheckInvariants(tr))
	assert.Equal(t, 6, tr.Len())
	_, err := tr.Customer("C001")
	assert.ErrorIs(t, err, tree.ErrNotFound)
	assert.Empty(t, tr.Links("C002"))
	total, err := tr.Exposure(1)
	require.NoError(t, err)
	assert.Equal(t, "580000", total.String())
	// The number is free again, and freed slots are reused.
	_, err = tr.Add(tree.Row{Parent: 4, Kind: tree.KindCustomer, Name: "New", Customer: "C001", Exposure: money("1")})
	require.NoError(t, err)
	require.NoError(t, tree.CheckInvariants(tr))
}

func TestRenameAndAttrs(t *testing.T) {
	tr := smallBank()
	assert.ErrorIs(t, tr.Rename(4, ""), tree.ErrInvalid)
	assert.ErrorIs(t, tr.Rename(44, "x"), tree.ErrNotFound)
	require.NoError(t, tr.Rename(8, "李娜"))
	hits, err := tr.Search(1, tree.Query{Text: "ln"})
	require.NoError(t, err)
	require.Len(t, hits, 1)
	assert.Equal(t, "C003", hits[0].Customer)
	attrs := map[string]string{tree.AttrRegion: "华东"}
	require.NoError(t, tr.SetAttrs(8, attrs))
	attrs[tree.AttrRegion] = "changed"
	n, err := tr.Get(8)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{tree.AttrRegion: "华东"}, n.Attrs)
	n.Attrs[tree.AttrRegion] = "mutated copy"
	n2, _ := tr.Get(8)
	assert.Equal(t, "华东", n2.Attrs[tree.AttrRegion])
}

func TestChildrenPinyinOrder(t *testing.T) {
	tr, err := tree.New(bank())
	require.NoError(t, err)
	for _, name := range []string{"张三", "北京", "安娜", "Zoe", "adam", "阿里"} {
		_, err := tr.Add(tree.Row{Parent: 1, Kind: tree.KindBranch, Name: name})
		require.NoError(t, err)
	}
	kids, err := tr.Children(1)
	require.NoError(t, err)
	var got []string
	for _, k := range kids {
		got = append(got, k.Name)
	}
	assert.Equal(t, []string{"adam", "Zoe", "阿里", "安娜", "北京", "张三"}, got)
	_, err = tr.Children(77)
	assert.ErrorIs(t, err, tree.ErrNotFound)
}

func TestSearch(t *testing.T) {
	tr := smallBank()
	tests := []struct {
		name  string
		under tree.ID
		give  tree.Query
		want  []tree.ID
	}{
		{"everything", 1, tree.Query{}, []tree.ID{1, 2, 4, 5, 6, 7, 3, 8, 9}},
		{"limit", 1, tree.Query{Limit: 3}, []tree.ID{1, 2, 4}},
		{"subtree only", 3, tree.Query{}, []tree.ID{3, 8, 9}},
		{"chinese substring", 1, tree.Query{Text: "置地"}, []tree.ID{5, 6}},
		{"chinese prefix", 1, tree.Query{Text: "置地", Prefix: true}, nil},
		{"pinyin full", 1, tree.Query{Text: "ZhangWei"}, []tree.ID{8}},
		{"pinyin with spaces", 1, tree.Query{Text: "zhang wei"}, []tree.ID{8}},
		{"initials", 1, tree.Query{Text: "hrzd", Prefix: true}, []tree.ID{5, 6}},
		{"initials substring", 1, tree.Query{Text: "bj"}, []tree.ID{2, 6}},
		{"latin case-folded", 1, tree.Query{Text: "TRADING"}, []tree.ID{9}},
		{"kind", 1, tree.Query{Kinds: []tree.Kind{tree.KindGroup}}, []tree.ID{4, 5}},
		{"kinds", 2, tree.Query{Kinds: []tree.Kind{tree.KindGroup, tree.KindBranch}}, []tree.ID{2, 4, 5}},
		{"attribute", 1, tree.Query{Attrs: map[string]string{tree.AttrRegion: "上海"}}, []tree.ID{3}},
		{"attribute mismatch", 1, tree.Query{Attrs: map[string]string{tree.AttrRegion: "广州"}}, nil},
		{"text and kind", 1, tree.Query{Text: "hr", Kinds: []tree.Kind{tree.KindCustomer}}, []tree.ID{6, 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, err := tr.Search(tt.under, tt.give)
			require.NoError(t, err)
			var got []tree.ID
			for _, h := range hits {
				got = append(got, h.ID)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestSearchRejects(t *testing.T) {
	tests := []struct {
		name  string
		under tree.ID
		give  tree.Query
		want  error
	}{
		{"negative limit", 1, tree.Query{Limit: -1}, tree.ErrInvalid},
		{"huge limit", 1, tree.Query{Limit: tree.MaxSearchLimit + 1}, tree.ErrInvalid},
		{"bad kind", 1, tree.Query{Kinds: []tree.Kind{9}}, tree.ErrInvalid},
		{"NUL", 1, tree.Query{Text: "a\x00b"}, tree.ErrInvalid},
		{"unknown subtree", 50, tree.Query{}, tree.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := smallBank().Search(tt.under, tt.give)
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

func TestExposureUpdates(t *testing.T) {
	tests := []struct {
		name     string
		customer string
		give     string
		want     error
	}{
		{"negative", "C001", "-1", tree.ErrNegative},
		{"too precise", "C001", "0.001", tree.ErrPrecision},
		{"too large", "C001", "1000000000000000.01", tree.ErrOverflow},
		{"unknown", "C999", "1", tree.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := smallBank()
			before := dump(t, tr)
			assert.ErrorIs(t, tr.SetExposure(tt.customer, money(tt.give)), tt.want)
			assert.Equal(t, before, dump(t, tr))
		})
	}
	tr := smallBank()
	require.NoError(t, tr.SetExposure("C002", money("0")))
	require.NoError(t, tr.SetExposure("C001", money("1.50000")))
	require.NoError(t, tree.CheckInvariants(tr))
	got, err := tr.Exposure(1)
	require.NoError(t, err)
	assert.Equal(t, "100001.5", got.String())
	_, err = tr.Exposure(77)
	assert.ErrorIs(t, err, tree.ErrNotFound)
}

func TestLimitsHeadroomAndBreaches(t *testing.T) {
	tr := smallBank()
	room, ok, err := tr.Headroom(8) // 上海 has no limit above it
	require.NoError(t, err)
	assert.False(t, ok)
	assert.True(t, room.IsZero())
	require.NoError(t, tr.SetLimit(1, limit("950000")))
	room, ok, err = tr.Headroom(7)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "50000", room.String()) // bank: 950000 − 900000 < 华润集团: 200000
	assert.ErrorIs(t, tr.SetLimit(6, limit("1")), tree.ErrInvalid)
	assert.ErrorIs(t, tr.SetLimit(4, limit("-1")), tree.ErrNegative)
	assert.ErrorIs(t, tr.SetLimit(99, limit("1")), tree.ErrNotFound)

	tests := []struct {
		name     string
		customer string
		amount   string
		want     []tree.ID
	}{
		{"fits", "C002", "50000", nil},
		{"bank only", "C003", "50000.01", []tree.ID{1}},
		{"group and bank", "C002", "250000", []tree.ID{4, 1}},
		{"all three", "C001", "400000", []tree.ID{5, 4, 1}},
		{"zero", "C001", "0", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bs, err := tr.CheckIncrease(tt.customer, money(tt.amount))
			require.NoError(t, err)
			var got []tree.ID
			for _, b := range bs {
				got = append(got, b.Node)
				assert.True(t, b.Headroom.Equal(b.Limit.Sub(b.Exposure)))
				assert.True(t, b.Headroom.LessThan(money(tt.amount)))
			}
			assert.Equal(t, tt.want, got)
		})
	}
	_, err = tr.CheckIncrease("C001", money("-1"))
	assert.ErrorIs(t, err, tree.ErrNegative)
	_, err = tr.CheckIncrease("nobody", money("1"))
	assert.ErrorIs(t, err, tree.ErrNotFound)
	require.NoError(t, tr.SetLimit(1, decimal.NullDecimal{}))
	_, ok, err = tr.Headroom(8)
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestRelatedParties(t *testing.T) {
	tr := smallBank()
	bad := []struct {
		name string
		give tree.Link
		want error
	}{
		{"control below half", tree.Link{From: "C001", To: "C002", Kind: tree.LinkControl, Share: money("0.49")}, tree.ErrInvalid},
		{"control above one", tree.Link{From: "C001", To: "C002", Kind: tree.LinkControl, Share: money("1.01")}, tree.ErrInvalid},
		{"share on guarantee", tree.Link{From: "C001", To: "C002", Kind: tree.LinkMutualGuarantee, Share: money("0.5")}, tree.ErrInvalid},
		{"self", tree.Link{From: "C001", To: "C001", Kind: tree.LinkKeyManagement}, tree.ErrInvalid},
		{"unset kind", tree.Link{From: "C001", To: "C002"}, tree.ErrInvalid},
		{"unknown customer", tree.Link{From: "C001", To: "C404", Kind: tree.LinkKeyManagement}, tree.ErrNotFound},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			assert.ErrorIs(t, tr.Link(tt.give), tt.want)
			assert.Empty(t, tr.Links("C001"))
		})
	}
	require.NoError(t, tr.Link(tree.Link{From: "C001", To: "C002", Kind: tree.LinkControl, Share: money("0.5")}))
	require.NoError(t, tr.Link(tree.Link{From: "C004", To: "C003", Kind: tree.LinkSameController}))
	sets, err := tr.Connected(money("700000"))
	require.NoError(t, err)
	require.Len(t, sets, 2)
	assert.Equal(t, []string{"C001", "C002"}, sets[0].Customers)
	assert.True(t, sets[0].UnderOneGroup)
	assert.Equal(t, tree.ID(4), sets[0].Common)
	assert.True(t, sets[0].Over)
	assert.Equal(t, "100000", sets[0].Excess.String())
	assert.Equal(t, []string{"C003", "C004"}, sets[1].Customers)
	assert.Equal(t, tree.ID(3), sets[1].Common)
	assert.False(t, sets[1].UnderOneGroup)
	assert.False(t, sets[1].Over)

	// A guarantee joins the two sets transitively; now they span two branches.
	require.NoError(t, tr.Link(tree.Link{From: "C003", To: "C002", Kind: tree.LinkMutualGuarantee}))
	sets, err = tr.Ungrouped(money("1000000"))
	require.NoError(t, err)
	require.Len(t, sets, 1)
	assert.Equal(t, []string{"C001", "C002", "C003", "C004"}, sets[0].Customers)
	assert.Equal(t, "900000", sets[0].Exposure.String())
	assert.Equal(t, tree.ID(1), sets[0].Common)
	assert.Len(t, tr.Links("C002"), 2)

	assert.ErrorIs(t, tr.Unlink("C001", "C002", tree.LinkMutualGuarantee), tree.ErrNotFound)
	require.NoError(t, tr.Unlink("C002", "C003", tree.LinkMutualGuarantee)) // either direction
	_, err = tr.Connected(money("-1"))
	assert.ErrorIs(t, err, tree.ErrNegative)

	lim, err := tree.LargeExposureLimit(money("4000000"), money("0.25"))
	require.NoError(t, err)
	assert.Equal(t, "1000000", lim.String())
	_, err = tree.LargeExposureLimit(money("-1"), money("0.25"))
	assert.ErrorIs(t, err, tree.ErrNegative)
}

func TestKindText(t *testing.T) {
	for k := tree.KindBank; k <= tree.KindCustomer; k++ {
		b, err := k.MarshalText()
		require.NoError(t, err)
		var back tree.Kind
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, k, back)
	}
	for k := tree.LinkControl; k <= tree.LinkKeyManagement; k++ {
		b, err := k.MarshalText()
		require.NoError(t, err)
		var back tree.LinkKind
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, k, back)
	}
	_, err := tree.Kind(0).MarshalText()
	assert.ErrorIs(t, err, tree.ErrInvalid)
	_, err = tree.LinkKind(9).MarshalText()
	assert.ErrorIs(t, err, tree.ErrInvalid)
	var k tree.Kind
	assert.ErrorIs(t, k.UnmarshalText([]byte("moon")), tree.ErrInvalid)
	assert.Equal(t, "Kind(7)", tree.Kind(7).String())
}

// TestConcurrentReadersAndWriters runs writers (exposure updates, moves back and forth, adds)
// against readers; run with -race. The totals must add up at the end.
func TestConcurrentReadersAndWriters(t *testing.T) {
	tr := smallBank()
	var wg sync.WaitGroup
	const rounds = 300
	wg.Add(4)
	go func() {
		defer wg.Done()
		for i := range rounds {
			assert.NoError(t, tr.SetExposure("C001", decimal.NewFromInt(int64(i))))
		}
	}()
	go func() {
		defer wg.Done()
		for i := range rounds {
			to := tree.ID(3)
			if i%2 == 1 {
				to = 4
			}
			assert.NoError(t, tr.Move(5, to))
		}
	}()
	go func() {
		defer wg.Done()
		for range rounds {
			_, err := tr.Search(1, tree.Query{Text: "hr"})
			assert.NoError(t, err)
			_, err = tr.CheckIncrease("C001", money("10"))
			assert.NoError(t, err)
			_, err = tr.Children(1)
			assert.NoError(t, err)
			_, err = tr.Exposure(5) // the moving group, its customer's total changing
			assert.NoError(t, err)
			_, err = tr.Get(6)
			assert.NoError(t, err)
		}
	}()
	go func() {
		defer wg.Done()
		for i := range rounds {
			_, err := tr.Add(tree.Row{Parent: 3, Kind: tree.KindCustomer, Name: "N", Customer: fmt.Sprint("N", i), Exposure: money("1")})
			assert.NoError(t, err)
			_, err = tr.Exposure(1)
			assert.NoError(t, err)
		}
	}()
	wg.Wait()
	require.NoError(t, tree.CheckInvariants(tr))
	got, err := tr.Exposure(1)
	require.NoError(t, err)
	assert.Equal(t, "600599", got.String()) // 299 + 500000 + 80000 + 20000 + 300 × 1
}

func TestZeroTreeIsEmpty(t *testing.T) {
	var tr tree.Tree
	assert.Equal(t, tree.ID(0), tr.Root().ID)
	assert.Zero(t, tr.Len())
	assert.Empty(t, tr.Rows())
	_, err := tr.Get(1)
	assert.ErrorIs(t, err, tree.ErrNotFound)
	_, err = tr.Children(1)
	assert.ErrorIs(t, err, tree.ErrNotFound)
	_, err = tr.Search(1, tree.Query{})
	assert.ErrorIs(t, err, tree.ErrNotFound)
	_, err = tr.Add(tree.Row{Parent: 1, Kind: tree.KindBranch, Name: "B"})
	assert.ErrorIs(t, err, tree.ErrUnknownParent)
	assert.ErrorIs(t, tr.SetExposure("C1", money("1")), tree.ErrNotFound)
	assert.ErrorIs(t, tr.Move(2, 1), tree.ErrNotFound)
	assert.ErrorIs(t, tr.Remove(2, true), tree.ErrNotFound)
	assert.ErrorIs(t, tr.Link(tree.Link{From: "a", To: "b", Kind: tree.LinkKeyManagement}), tree.ErrNotFound)
	assert.ErrorIs(t, tr.Unlink("a", "b", tree.LinkKeyManagement), tree.ErrNotFound)
	sets, err := tr.Connected(money("1"))
	require.NoError(t, err)
	assert.Empty(t, sets)
	_, err = tr.MarshalJSON()
	assert.NoError(t, err)
}

// TestExposureFollowsEveryChange reads totals (which keeps their decimals) between changes of
// every kind, and checks each read against the sum of the customers below.
func TestExposureFollowsEveryChange(t *testing.T) {
	tr := smallBank()
	check := func() {
		t.Helper()
		require.NoError(t, tree.CheckInvariants(tr))
		for _, r := range tr.Rows() {
			want := decimal.Zero
			for _, c := range tr.Rows() {
				if ok, err := tr.IsAncestor(r.ID, c.ID); err == nil && ok && c.Kind == tree.KindCustomer {
					want = want.Add(c.Exposure)
				}
			}
			got, err := tr.Exposure(r.ID)
			require.NoError(t, err)
			require.True(t, want.Equal(got), "node %d: %s, want %s", r.ID, got, want)
			n, err := tr.Get(r.ID)
			require.NoError(t, err)
			require.True(t, want.Equal(n.Total), "node %d: Get total %s, want %s", r.ID, n.Total, want)
			if r.Kind == tree.KindCustomer {
				require.True(t, n.Exposure.Equal(n.Total))
			} else {
				require.True(t, n.Exposure.IsZero())
			}
		}
	}
	check()
	require.NoError(t, tr.SetExposure("C001", money("123.45")))
	check()
	require.NoError(t, tr.SetExposure("C001", money("300000"))) // back to a value read before
	check()
	require.NoError(t, tr.Move(5, 3))
	check()
	id, err := tr.Add(tree.Row{Parent: 4, Kind: tree.KindCustomer, Name: "新客户", Customer: "C009", Exposure: money("7.01")})
	require.NoError(t, err)
	check()
	require.NoError(t, tr.Remove(id, false))
	check()
	require.NoError(t, tr.Remove(4, true))
	check()
	_, err = tr.Add(tree.Row{Parent: 2, Kind: tree.KindCustomer, Name: "再来", Customer: "C010", Exposure: money("1")}) // reuses a slot
	require.NoError(t, err)
	check()
}
