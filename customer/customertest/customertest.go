// Package customertest is the conformance suite of customer.Store: every implementation
// (the in-memory one here, the SQL ones in the server) runs Run and must pass it.
//
//	func TestStore(t *testing.T) {
//		customertest.Run(t, func(t *testing.T) customer.Store {
//			s, err := customer.NewMemStore(customer.Config{})
//			requireNoError(t, err)
//			return s
//		})
//	}
package customertest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/creditkit/creditkit/customer"
)

// Run runs the conformance suite. newStore must return a new, empty store for each subtest;
// its clock must be within a few years of 2026 (ages are tested with wide margins) and must
// not be before 2026-01-01.
func Run(t *testing.T, newStore func(t *testing.T) customer.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s customer.Store)
	}{
		{"RegisterAndGet", testRegisterAndGet},
		{"RegisterInvalid", testRegisterInvalid},
		{"Duplicates", testDuplicates},
		{"GetNotFound", testGetNotFound},
		{"UpdateVersions", testUpdateVersions},
		{"UpdateIdentity", testUpdateIdentity},
		{"CloseKeepsHistory", testClose},
		{"ListOrder", testListOrder},
		{"ListPages", testListPages},
		{"PagesAcrossInserts", testPagesAcrossInserts},
		{"BadLimitsAndCursors", testBadLimitsAndCursors},
		{"SearchExact", testSearchExact},
		{"SearchNamePrefix", testSearchNamePrefix},
		{"SearchPinyin", testSearchPinyin},
		{"SearchFilters", testSearchFilters},
		{"Contacts", testContacts},
		{"ConcurrentRegister", testConcurrentRegister},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newStore(t)) })
	}
}

var ctx = context.Background()

func id(region string, y, m, d, seq int) string {
	return ResidentID(region, time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), seq)
}

func register(t *testing.T, s customer.Store, c customer.Customer) customer.Customer {
	t.Helper()
	got, err := s.Register(ctx, c, "officer-1")
	requireNoError(t, err)
	return got
}

func names(cs []customer.Customer) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name()
	}
	return out
}

func numbers(cs []customer.Customer) []customer.Number {
	out := make([]customer.Number, len(cs))
	for i, c := range cs {
		out[i] = c.Number
	}
	return out
}

// all pages through a search and returns every customer.
func all(t *testing.T, s customer.Store, q customer.Query) []customer.Customer {
	t.Helper()
	var out []customer.Customer
	for range 1000 {
		p, err := s.Search(ctx, q)
		requireNoError(t, err)
		out = append(out, p.Customers...)
		if p.Next == "" {
			return out
		}
		q.Cursor = p.Next
	}
	t.Fatal("paging did not end")
	return nil
}

func testRegisterAndGet(t *testing.T, s customer.Store) {
	p := register(t, s, Person("张三", id("110105", 1990, 3, 7, 11), "13800000000", "BJ01", "o-1"))
	e := register(t, s, Company("福州示例有限公司", CreditCode("91350100M000100Y4"), "FZ01", "o-2"))

	assertEqual(t, customer.KindIndividual, p.Number.Kind())
	assertEqual(t, customer.KindEnterprise, e.Number.Kind())
	assertEqual(t, customer.StatusActive, p.Status)
	assertEqual(t, int64(1), p.Version)
	assertFalse(t, p.CreatedAt.IsZero())
	assertEqual(t, p.CreatedAt, p.UpdatedAt)

	parsed, err := customer.ParseNumber(p.Number.String())
	requireNoError(t, err)
	assertEqual(t, p.Number, parsed)

	got, err := s.Get(ctx, p.Number)
	requireNoError(t, err)
	assertEqual(t, p.Number, got.Number)
	assertEqual(t, "张三", got.Name())
	assertEqual(t, p.Individual.DocNumber, got.Individual.DocNumber)
	assertTrue(t, p.CreatedAt.Equal(got.CreatedAt))

	got, err = s.Get(ctx, e.Number)
	requireNoError(t, err)
	assertEqual(t, "10000000", got.Enterprise.RegisteredCapital.Amount.String())

	// The returned value is a copy: changing it does not change the store.
	got.Enterprise.LegalName = "changed"
	again, err := s.Get(ctx, e.Number)
	requireNoError(t, err)
	assertEqual(t, "福州示例有限公司", again.Name())
}

func testRegisterInvalid(t *testing.T, s customer.Store) {
	c := Person("张三", id("110105", 1990, 3, 7, 11), "12345", "BJ01", "o-1")
	c.Individual.Address.Postcode = "1000"
	_, err := s.Register(ctx, c, "o-1")
	requireErrorIs(t, err, customer.ErrInvalid)
	var ve *customer.ValidationError
	requireErrorAs(t, err, &ve)
	paths := map[string]bool{}
	for _, p := range ve.Problems {
		paths[p.Path] = true
	}
	assertTrue(t, paths["individual.mobile"])
	assertTrue(t, paths["individual.address.postcode"])

	p, err := s.List(ctx, 0, "")
	requireNoError(t, err)
	assertEmpty(t, p.Customers, "nothing is stored after a refused registration")
}

func testDuplicates(t *testing.T, s customer.Store) {
	rid := "11010519491231002X"
	first := register(t, s, Person("张三", rid, "13800000000", "BJ01", "o-1"))

	// Same name, different person: fine, told apart by the number.
	other := register(t, s, Person("张三", id("310101", 1985, 1, 2, 21), "13900000000", "SH01", "o-2"))
	assertNotEqual(t, first.Number, other.Number)

	dup := Person("张小三", "11010519491231002x", "13700000000", "BJ01", "o-1")
	_, err := s.Register(ctx, dup, "o-1")
	requireErrorIs(t, err, customer.ErrDuplicate)
	var de *customer.DuplicateError
	requireErrorAs(t, err, &de)
	assertEqual(t, first.Number, de.Existing)
	assertEqual(t, "110105********002X", de.Value)
	assertNotContains(t, err.Error(), "19491231")

	code := CreditCode("91350100M000100Y4")
	ent := register(t, s, Company("甲公司", code, "FZ01", "o-1"))
	_, err = s.Register(ctx, Company("乙公司", code, "FZ01", "o-1"), "o-1")
	requireErrorAs(t, err, &de)
	assertEqual(t, ent.Number, de.Existing)
}

func testGetNotFound(t *testing.T, s customer.Store) {
	n, err := customer.NewNumber(customer.KindIndividual, 424242)
	requireNoError(t, err)
	_, err = s.Get(ctx, n)
	requireErrorIs(t, err, customer.ErrNotFound)
	_, err = s.History(ctx, n)
	requireErrorIs(t, err, customer.ErrNotFound)
	_, err = s.Contacts(ctx, n)
	requireErrorIs(t, err, customer.ErrNotFound)
	_, err = s.Close(ctx, n, 1, "o-1")
	requireErrorIs(t, err, customer.ErrNotFound)
	c := Person("张三", id("110105", 1990, 3, 7, 11), "13800000000", "BJ01", "o-1")
	c.Number, c.Version = n, 1
	_, err = s.Update(ctx, c, "o-1")
	requireErrorIs(t, err, customer.ErrNotFound)
}

func testUpdateVersions(t *testing.T, s customer.Store) {
	c := register(t, s, Person("张三", id("110105", 1990, 3, 7, 11), "13800000000", "BJ01", "o-1"))
	stale := c.Clone()

	c.Individual.Mobile = "13900000009"
	up, err := s.Update(ctx, c, "o-7")
	requireNoError(t, err)
	assertEqual(t, int64(2), up.Version)
	assertEqual(t, c.Number, up.Number)
	assertTrue(t, up.CreatedAt.Equal(c.CreatedAt))

	stale.Individual.Mobile = "13700000000"
	_, err = s.Update(ctx, stale, "o-8")
	requireErrorIs(t, err, customer.ErrStale)
	var ve *customer.VersionError
	requireErrorAs(t, err, &ve)
	assertEqual(t, int64(1), ve.Expected)
	assertEqual(t, int64(2), ve.Actual)

	got, err := s.Get(ctx, c.Number)
	requireNoError(t, err)
	assertEqual(t, "13900000009", got.Individual.Mobile, "a stale update changes nothing")

	// An invalid update is refused with every problem.
	bad := got.Clone()
	bad.Individual.Mobile = "1"
	_, err = s.Update(ctx, bad, "o-7")
	requireErrorIs(t, err, customer.ErrInvalid)

	h, err := s.History(ctx, c.Number)
	requireNoError(t, err)
	requireLen(t, h, 2)
	assertEqual(t, "register", h[0].Action)
	assertEqual(t, "officer-1", h[0].By)
	assertEqual(t, "update", h[1].Action)
	assertEqual(t, "o-7", h[1].By)
	assertEqual(t, int64(2), h[1].Version)
	assertEqual(t, []customer.Change{{Path: "individual.mobile", Old: "13800000000", New: "13900000009"}}, h[1].Changes)
}

func testUpdateIdentity(t *testing.T, s customer.Store) {
	oldID, newID := id("110105", 1990, 3, 7, 11), id("110105", 1990, 3, 7, 13)
	a := register(t, s, Person("张三", oldID, "13800000000", "BJ01", "o-1"))
	b := register(t, s, Person("李四", id("110105", 1980, 1, 1, 15), "13800000001", "BJ01", "o-1"))

	// Taking another customer's identity number is refused, naming that customer.
	c := a.Clone()
	c.Individual.DocNumber = b.Individual.DocNumber
	c.Individual.BirthDate = b.Individual.BirthDate
	_, err := s.Update(ctx, c, "o-1")
	var de *customer.DuplicateError
	requireErrorAs(t, err, &de)
	assertEqual(t, b.Number, de.Existing)

	// A corrected identity number keeps the customer number.
	c = a.Clone()
	c.Individual.DocNumber = newID
	up, err := s.Update(ctx, c, "o-1")
	requireNoError(t, err)
	assertEqual(t, a.Number, up.Number)
	assertEqual(t, newID, up.Individual.DocNumber)

	h, err := s.History(ctx, a.Number)
	requireNoError(t, err)
	requireLen(t, h, 2)
	requireLen(t, h[1].Changes, 1)
	assertEqual(t, "individual.doc_number", h[1].Changes[0].Path)
	assertEqual(t, customer.MaskID(newID), h[1].Changes[0].New, "history masks identity numbers")
	assertNotContains(t, h[1].Changes[0].Old+h[1].Changes[0].New, "19900307")

	// The old number is free again; the new one is taken.
	register(t, s, Person("王五", oldID, "13800000002", "BJ01", "o-1"))
	_, err = s.Register(ctx, Person("赵六", newID, "13800000003", "BJ01", "o-1"), "o-1")
	requireErrorAs(t, err, &de)
	assertEqual(t, a.Number, de.Existing)

	found, err := s.Search(ctx, customer.Query{IDNumber: newID})
	requireNoError(t, err)
	assertEqual(t, []customer.Number{a.Number}, numbers(found.Customers))
}

func testClose(t *testing.T, s customer.Store) {
	c := register(t, s, Person("张三", id("110105", 1990, 3, 7, 11), "13800000000", "BJ01", "o-1"))
	_, err := s.Close(ctx, c.Number, 7, "o-2")
	requireErrorIs(t, err, customer.ErrStale)

	closed, err := s.Close(ctx, c.Number, 1, "o-2")
	requireNoError(t, err)
	assertEqual(t, customer.StatusClosed, closed.Status)
	assertEqual(t, int64(2), closed.Version)

	got, err := s.Get(ctx, c.Number)
	requireNoError(t, err, "a closed customer is kept")
	assertEqual(t, customer.StatusClosed, got.Status)

	_, err = s.Close(ctx, c.Number, 2, "o-2")
	requireErrorIs(t, err, customer.ErrClosed)
	_, err = s.Update(ctx, got, "o-2")
	requireErrorIs(t, err, customer.ErrClosed)

	h, err := s.History(ctx, c.Number)
	requireNoError(t, err)
	requireLen(t, h, 2)
	assertEqual(t, "close", h[1].Action)
	assertEqual(t, "o-2", h[1].By)

	// Still unique: the identity number stays with the closed record.
	_, err = s.Register(ctx, Person("张三", c.Individual.DocNumber, "13800000000", "BJ01", "o-1"), "o-1")
	requireErrorIs(t, err, customer.ErrDuplicate)

	active, err := s.Search(ctx, customer.Query{Filters: map[string]string{"status": "active"}})
	requireNoError(t, err)
	assertEmpty(t, active.Customers)
}

func testListOrder(t *testing.T, s customer.Store) {
	give := []string{"赵六", "Bob", "张三", "alice", "李四", "张三", "王五", "bob", "阿明", "Zoe", "曾国藩"}
	regs := make([]customer.Customer, len(give))
	for i, n := range give {
		regs[i] = register(t, s, Person(n, id("110105", 1980, 1, 1+i, 100+i), fmt.Sprintf("138%08d", i), "BJ01", "o-1"))
	}
	p, err := s.List(ctx, 0, "")
	requireNoError(t, err)
	assertEqual(t, []string{"alice", "Bob", "bob", "Zoe", "阿明", "曾国藩", "李四", "王五", "张三", "张三", "赵六"}, names(p.Customers))
	// Ties (张三 twice, Bob/bob) are ordered by number, i.e. registration order here.
	assertEqual(t, regs[2].Number, p.Customers[8].Number)
	assertEqual(t, regs[5].Number, p.Customers[9].Number)
	assertEqual(t, regs[1].Number, p.Customers[1].Number)
	assertEqual(t, regs[7].Number, p.Customers[2].Number)
	assertEmpty(t, p.Next)
}

func testListPages(t *testing.T, s customer.Store) {
	for i := range 23 {
		register(t, s, Person(fmt.Sprintf("客户%02d", i), id("110105", 1980, 1, 1+i, 100+i), "13800000000", "BJ01", "o-1"))
	}
	full, err := s.List(ctx, customer.MaxLimit, "")
	requireNoError(t, err)
	requireLen(t, full.Customers, 23)
	assertEmpty(t, full.Next)

	var paged []customer.Customer
	cursor := ""
	pages := 0
	for {
		p, err := s.List(ctx, 5, cursor)
		requireNoError(t, err)
		requireLessOrEqual(t, len(p.Customers), 5)
		paged = append(paged, p.Customers...)
		pages++
		if p.Next == "" {
			break
		}
		cursor = p.Next
	}
	assertEqual(t, 5, pages)
	assertEqual(t, numbers(full.Customers), numbers(paged))

	// An exact multiple of the limit ends without an empty extra page.
	var count int
	cursor = ""
	for {
		p, err := s.List(ctx, 23, cursor)
		requireNoError(t, err)
		count += len(p.Customers)
		if p.Next == "" {
			break
		}
		cursor = p.Next
	}
	assertEqual(t, 23, count)
}

func testPagesAcrossInserts(t *testing.T, s customer.Store) {
	for i, n := range []string{"安娜", "白雪", "陈晨", "丁一", "方芳", "高山"} {
		register(t, s, Person(n, id("110105", 1980, 2, 1+i, 100+i), "13800000000", "BJ01", "o-1"))
	}
	p1, err := s.List(ctx, 3, "")
	requireNoError(t, err)
	assertEqual(t, []string{"安娜", "白雪", "陈晨"}, names(p1.Customers))

	// Inserted before the cursor: not seen on later pages. After it: seen in order.
	register(t, s, Person("阿宝", id("110105", 1981, 1, 1, 201), "13800000000", "BJ01", "o-1"))
	register(t, s, Person("陈晨", id("110105", 1981, 1, 2, 203), "13800000000", "BJ01", "o-1"))
	register(t, s, Person("冯雷", id("110105", 1981, 1, 3, 205), "13800000000", "BJ01", "o-1"))

	rest := all(t, s, customer.Query{Limit: 3, Cursor: p1.Next})
	assertEqual(t, []string{"陈晨", "丁一", "方芳", "冯雷", "高山"}, names(rest), "the second 陈晨 has a higher number, so it sorts after the cursor")
}

func testBadLimitsAndCursors(t *testing.T, s customer.Store) {
	register(t, s, Person("张三", id("110105", 1990, 3, 7, 11), "13800000000", "BJ01", "o-1"))
	register(t, s, Person("张四", id("110105", 1990, 3, 8, 11), "13800000000", "BJ01", "o-1"))
	for _, limit := range []int{-1, customer.MaxLimit + 1} {
		_, err := s.List(ctx, limit, "")
		requireErrorIs(t, err, customer.ErrBadQuery, "limit %d", limit)
	}
	_, err := s.List(ctx, customer.MaxLimit, "")
	requireNoError(t, err)

	for _, cur := range []string{"!!!", "AA", "AQ", "AQRuYW1l", "bm90IGEgY3Vyc29y", string(make([]byte, 5000))} {
		_, err := s.List(ctx, 10, cur)
		requireErrorIs(t, err, customer.ErrBadCursor, "cursor %q", cur)
	}
	p, err := s.Search(ctx, customer.Query{Pinyin: "zhang", Limit: 1})
	requireNoError(t, err)
	requireNotEmpty(t, p.Next)
	_, err = s.List(ctx, 1, p.Next)
	requireErrorIs(t, err, customer.ErrBadCursor, "a pinyin cursor is refused by List")
}

func testSearchExact(t *testing.T, s customer.Store) {
	rid := "11010519491231002X"
	a := register(t, s, Person("张三", rid, "13800000000", "BJ01", "o-1"))
	b := register(t, s, Person("李四", id("110105", 1980, 1, 1, 15), "+8613900000000", "BJ01", "o-1"))
	code := CreditCode("91350100M000100Y4")
	e := register(t, s, Company("福州示例有限公司", code, "FZ01", "o-2"))

	tests := []struct {
		name string
		give customer.Query
		want []customer.Number
	}{
		{"number", customer.Query{Number: b.Number.String()}, []customer.Number{b.Number}},
		{"identity number", customer.Query{IDNumber: rid}, []customer.Number{a.Number}},
		{"identity number lower-case x", customer.Query{IDNumber: "11010519491231002x"}, []customer.Number{a.Number}},
		{"credit code", customer.Query{CreditCode: code}, []customer.Number{e.Number}},
		{"mobile", customer.Query{Mobile: "13800000000"}, []customer.Number{a.Number}},
		{"mobile with +86", customer.Query{Mobile: "+8613900000000"}, []customer.Number{b.Number}},
		{"mobile stored with +86", customer.Query{Mobile: "13900000000"}, []customer.Number{b.Number}},
		{"contact mobile", customer.Query{Mobile: "13800000001"}, []customer.Number{e.Number}},
		{"no match", customer.Query{IDNumber: id("110105", 1970, 1, 1, 1)}, []customer.Number{}},
		{"number and wrong name", customer.Query{Number: b.Number.String(), NamePrefix: "张"}, []customer.Number{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := all(t, s, tt.give)
			assertEqual(t, tt.want, append([]customer.Number{}, numbers(got)...))
		})
	}
	_, err := s.Search(ctx, customer.Query{Number: "P00000000000"})
	requireErrorIs(t, err, customer.ErrBadQuery, "a mistyped number is refused before any lookup")
}

func testSearchNamePrefix(t *testing.T, s customer.Store) {
	for i, n := range []string{"张三", "张三丰", "张伟", "李四", "Alice Wang", "alex"} {
		register(t, s, Person(n, id("110105", 1980, 1, 1+i, 100+i), "13800000000", "BJ01", "o-1"))
	}
	tests := []struct {
		name string
		give string
		want []string
	}{
		{"one character", "张", []string{"张三", "张三丰", "张伟"}},
		{"two characters", "张三", []string{"张三", "张三丰"}},
		{"whole name", "张三丰", []string{"张三丰"}},
		{"latin any case", "AL", []string{"alex", "Alice Wang"}},
		{"none", "王", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := all(t, s, customer.Query{NamePrefix: tt.give, Limit: 1})
			assertEqual(t, tt.want, append([]string{}, names(got)...))
		})
	}
}

func testSearchPinyin(t *testing.T, s customer.Store) {
	give := []string{"张三", "张三", "张三丰", "赵四", "李四", "单田芳", "曾国藩", "zhou"}
	regs := make([]customer.Customer, len(give))
	for i, n := range give {
		regs[i] = register(t, s, Person(n, id("110105", 1980, 1, 1+i, 100+i), "13800000000", "BJ01", "o-1"))
	}
	tests := []struct {
		name string
		give string
		want []string
	}{
		{"full spelling", "zhangsan", []string{"张三", "张三", "张三丰"}},
		{"spelling prefix", "zhangsanf", []string{"张三丰"}},
		{"initials", "zs", []string{"张三", "张三", "赵四", "张三丰"}},
		{"upper-case initials", "ZSF", []string{"张三丰"}},
		{"first letter once per customer", "z", []string{"曾国藩", "张三", "张三", "张三丰", "赵四", "zhou"}},
		{"surname heteronym shan", "shantianfang", []string{"单田芳"}},
		{"surname common reading dan", "dtf", []string{"单田芳"}},
		{"surname heteronym zeng", "zgf", []string{"曾国藩"}},
		{"latin name", "zhou", []string{"zhou"}},
		{"none", "qq", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := all(t, s, customer.Query{Pinyin: tt.give, Limit: 2})
			assertElementsMatch(t, tt.want, append([]string{}, names(got)...))
			seen := map[customer.Number]bool{}
			for _, c := range got {
				assertFalse(t, seen[c.Number], "%s returned twice", c.Number)
				seen[c.Number] = true
			}
		})
	}
	p, err := s.Search(ctx, customer.Query{Pinyin: "zhangsan"})
	requireNoError(t, err)
	assertEqual(t, []customer.Number{regs[0].Number, regs[1].Number, regs[2].Number}, numbers(p.Customers), "same spelling: name order, ties by number")

	_, err = s.Search(ctx, customer.Query{Pinyin: "zhang san"})
	requireErrorIs(t, err, customer.ErrBadQuery)
}

func testSearchFilters(t *testing.T, s customer.Store) {
	old := Person("老张", id("110105", 1950, 6, 1, 11), "13800000000", "BJ01", "o-1")
	old.Tags = []string{"vip"}
	young := Person("小李", id("110105", 2000, 6, 1, 12), "13800000000", "SH01", "o-2")
	a := register(t, s, old)
	b := register(t, s, young)
	e := register(t, s, Company("某某公司", CreditCode("91350100M000100Y4"), "BJ01", "o-2"))
	closedRec := register(t, s, Person("关闭客户", id("110105", 1970, 6, 1, 13), "13800000000", "BJ01", "o-1"))
	_, err := s.Close(ctx, closedRec.Number, 1, "o-1")
	requireNoError(t, err)

	tests := []struct {
		name string
		give map[string]string
		want []customer.Number
	}{
		{"kind individual", map[string]string{"kind": "individual", "status": "active"}, []customer.Number{b.Number, a.Number}},
		{"kind enterprise", map[string]string{"kind": "enterprise"}, []customer.Number{e.Number}},
		{"branch", map[string]string{"branch": "SH01"}, []customer.Number{b.Number}},
		{"officer", map[string]string{"officer": "o-2"}, []customer.Number{e.Number, b.Number}},
		{"status closed", map[string]string{"status": "closed"}, []customer.Number{closedRec.Number}},
		{"tag", map[string]string{"tag": "vip"}, []customer.Number{a.Number}},
		{"min age", map[string]string{"min_age": "60"}, []customer.Number{a.Number}},
		{"max age", map[string]string{"max_age": "40"}, []customer.Number{b.Number}},
		{"age range", map[string]string{"min_age": "40", "max_age": "70"}, []customer.Number{closedRec.Number}},
		{"combined", map[string]string{"branch": "BJ01", "officer": "o-1", "status": "active"}, []customer.Number{a.Number}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := all(t, s, customer.Query{Filters: tt.give, Limit: 1})
			assertElementsMatch(t, tt.want, numbers(got))
		})
	}
	bad := []map[string]string{
		{"colour": "red"},
		{"kind": "robot"},
		{"status": "sleeping"},
		{"min_age": "old"},
		{"max_age": "-1"},
		{"min_age": "50", "max_age": "40"},
	}
	for _, f := range bad {
		_, err := s.Search(ctx, customer.Query{Filters: f})
		requireErrorIs(t, err, customer.ErrBadQuery, "%v", f)
	}
}

func testContacts(t *testing.T, s customer.Store) {
	c := register(t, s, Person("张三", id("110105", 1990, 3, 7, 11), "13800000000", "BJ01", "o-1"))
	t1 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	t2 := time.Date(2025, 2, 1, 9, 0, 0, 0, time.UTC)
	_, err := s.AddContact(ctx, c.Number, customer.Contact{At: t1, Officer: "o-1", Channel: customer.ChannelVisit, Note: "上门拜访"})
	requireNoError(t, err)
	_, err = s.AddContact(ctx, c.Number, customer.Contact{At: t2, Officer: "o-2", Channel: customer.ChannelPhone, Note: "电话回访"})
	requireNoError(t, err)
	added, err := s.AddContact(ctx, c.Number, customer.Contact{Officer: "o-3", Channel: customer.ChannelEmail})
	requireNoError(t, err)
	assertFalse(t, added.At.IsZero(), "a zero time means now")

	_, err = s.AddContact(ctx, c.Number, customer.Contact{At: t1, Officer: "", Channel: 0})
	var ve *customer.ValidationError
	requireErrorAs(t, err, &ve)
	assertLen(t, ve.Problems, 2)

	n, err := customer.NewNumber(customer.KindIndividual, 999999)
	requireNoError(t, err)
	_, err = s.AddContact(ctx, n, customer.Contact{At: t1, Officer: "o-1", Channel: customer.ChannelVisit})
	requireErrorIs(t, err, customer.ErrNotFound)

	log, err := s.Contacts(ctx, c.Number)
	requireNoError(t, err)
	requireLen(t, log, 3)
	assertEqual(t, "电话回访", log[0].Note)
	assertEqual(t, customer.ChannelPhone, log[0].Channel)
	assertEqual(t, "上门拜访", log[1].Note)
	assertEqual(t, "o-3", log[2].Officer)
	assertTrue(t, log[0].At.Equal(t2))
}

func testConcurrentRegister(t *testing.T, s customer.Store) {
	const workers, each = 8, 25
	var mu sync.Mutex
	seen := map[customer.Number]bool{}
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				k := w*each + i
				c := Person(fmt.Sprintf("并发%03d", k), id("110105", 1980, 1+k%12, 1+k%28, k), "13800000000", "BJ01", "o-1")
				got, err := s.Register(ctx, c, "o-1")
				if err != nil {
					errs <- err
					continue
				}
				mu.Lock()
				seen[got.Number] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		requireNoError(t, err)
	}
	assertLen(t, seen, workers*each, "every register got its own number")
	got := all(t, s, customer.Query{Limit: customer.MaxLimit})
	assertLen(t, got, workers*each)
}
