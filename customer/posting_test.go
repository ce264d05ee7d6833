package customer

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The indexes hold one entry per text with the names having it, and each name a posting of
// its customers. These tests check that pages still come in (text, number) order, across
// shared texts, renames, emptied postings and cursors inside a posting.

var postingNow = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

func postingStore(t *testing.T) *MemStore {
	t.Helper()
	s, err := NewMemStore(Config{Now: func() time.Time { return postingNow }})
	require.NoError(t, err)
	return s
}

// postingPerson is a valid individual with a unique resident identity number.
func postingPerson(name string, k int) Customer {
	birth := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, k)
	body := fmt.Sprintf("110105%s%03d", birth.Format("20060102"), k%1000)
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(body[i]-'0') * w
	}
	id := body + string("10X98765432"[sum%11])
	gender := GenderFemale
	if k%2 == 1 {
		gender = GenderMale
	}
	return Customer{Kind: KindIndividual, Branch: "BR01", Officer: "o-1", Individual: &Individual{
		Name: name, Gender: gender, BirthDate: birth, Nationality: "CN", DocType: DocResidentID,
		DocNumber: id, Mobile: fmt.Sprintf("139%08d", k),
		Address: Address{Province: "北京市", City: "北京市", Street: "长安街1号", Postcode: "100000"}}}
}

// pages collects every page of q with the given limit, checking each page's size.
func pages(t *testing.T, s *MemStore, q Query) []Number {
	t.Helper()
	var out []Number
	for i := 0; ; i++ {
		require.Less(t, i, 10000, "too many pages")
		p, err := s.Search(context.Background(), q)
		require.NoError(t, err)
		if p.Next != "" {
			require.Len(t, p.Customers, q.Limit)
		}
		for _, c := range p.Customers {
			out = append(out, c.Number)
		}
		if p.Next == "" {
			return out
		}
		q.Cursor = p.Next
	}
}

func numbersOf(cs ...Customer) []Number {
	out := make([]Number, len(cs))
	for i, c := range cs {
		out[i] = c.Number
	}
	return out
}

func TestPostingSharedTextFromTwoNames(t *testing.T) {
	s := postingStore(t)
	ctx := context.Background()
	var got []Customer
	for i, name := range []string{"ZHANG San", "zhang san", "Zhang San", "zhang san", "ZHANG San"} {
		c, err := s.Register(ctx, postingPerson(name, i), "t")
		require.NoError(t, err)
		got = append(got, c)
	}
	require.Equal(t, 3, s.names.len())
	require.Equal(t, 1, s.byName.Len(), "one entry per text, shared by the three names")
	require.Equal(t, 1, s.byPrefix.Len())
	want := numbersOf(got...) // one text: number order, across the names
	for limit := 1; limit <= 6; limit++ {
		require.Equal(t, want, pages(t, s, Query{Limit: limit}), "limit %d", limit)
		require.Equal(t, want, pages(t, s, Query{NamePrefix: "zhang s", Limit: limit}))
		require.Equal(t, want, pages(t, s, Query{Pinyin: "zhangs", Limit: limit}))
	}
}

func TestPostingRenameOutOfSharedPosting(t *testing.T) {
	s := postingStore(t)
	ctx := context.Background()
	a, err := s.Register(ctx, postingPerson("张三", 1), "t")
	require.NoError(t, err)
	b, err := s.Register(ctx, postingPerson("张三", 2), "t")
	require.NoError(t, err)
	c, err := s.Register(ctx, postingPerson("张三", 3), "t")
	require.NoError(t, err)
	require.Len(t, s.names.get("张三").posts, 3)

	b.Individual.Name = "李四"
	b, err = s.Update(ctx, b, "t")
	require.NoError(t, err)
	require.Equal(t, numbersOf(a, c), pages(t, s, Query{Pinyin: "zhangsan", Limit: 1}))
	require.Equal(t, numbersOf(b), pages(t, s, Query{Pinyin: "lisi", Limit: 1}))
	require.Equal(t, numbersOf(b, a, c), pages(t, s, Query{Limit: 2})) // li before zhang

	// Back again: the number goes into the middle of the posting, in order.
	b.Individual.Name = "张三"
	_, err = s.Update(ctx, b, "t")
	require.NoError(t, err)
	require.Equal(t, numbersOf(a, b, c), pages(t, s, Query{Pinyin: "zs", Limit: 2}))
	require.Empty(t, pages(t, s, Query{Pinyin: "lisi", Limit: 5}))
}

func TestPostingCursorInsidePosting(t *testing.T) {
	s := postingStore(t)
	ctx := context.Background()
	var wang, all []Customer
	for i := range 11 {
		name := "王伟"
		if i%4 == 3 {
			name = "王芳"
		}
		c, err := s.Register(ctx, postingPerson(name, i), "t")
		require.NoError(t, err)
		all = append(all, c)
		if name == "王伟" {
			wang = append(wang, c)
		}
	}
	slices.SortStableFunc(all, func(x, y Customer) int {
		return strings.Compare(s.names.get(x.Individual.Name).nameKey, s.names.get(y.Individual.Name).nameKey)
	})
	for limit := 1; limit <= 12; limit++ {
		require.Equal(t, numbersOf(wang...), pages(t, s, Query{Pinyin: "wangw", Limit: limit}), "limit %d", limit)
		require.Equal(t, numbersOf(all...), pages(t, s, Query{Limit: limit}), "limit %d", limit)
	}
	// A cursor pointing at a number no longer in the posting (renamed away) resumes after it.
	p, err := s.Search(ctx, Query{Pinyin: "wangw", Limit: 3})
	require.NoError(t, err)
	third := p.Customers[2]
	third.Individual.Name = "赵六"
	_, err = s.Update(ctx, third, "t")
	require.NoError(t, err)
	q := Query{Pinyin: "wangw", Limit: 100, Cursor: p.Next}
	require.Equal(t, numbersOf(wang[3:]...), pages(t, s, q))
}

func TestPostingEmptySkipped(t *testing.T) {
	s := postingStore(t)
	ctx := context.Background()
	a, err := s.Register(ctx, postingPerson("李四", 1), "t")
	require.NoError(t, err)
	b, err := s.Register(ctx, postingPerson("王五", 2), "t")
	require.NoError(t, err)
	c, err := s.Register(ctx, postingPerson("张三", 3), "t")
	require.NoError(t, err)
	b.Individual.Name = "张三"
	b, err = s.Update(ctx, b, "t")
	require.NoError(t, err)
	require.Empty(t, s.names.get("王五").posts)
	require.Equal(t, 3, s.byName.Len(), "the emptied text stays in the index")
	for limit := 1; limit <= 4; limit++ {
		require.Equal(t, numbersOf(a, b, c), pages(t, s, Query{Limit: limit}), "limit %d", limit)
	}
	require.Empty(t, pages(t, s, Query{Pinyin: "wangwu", Limit: 2}))
	require.Empty(t, pages(t, s, Query{NamePrefix: "王", Limit: 2}))
	// The name comes back: its old entries serve again.
	a.Individual.Name = "王五"
	a, err = s.Update(ctx, a, "t")
	require.NoError(t, err)
	require.Equal(t, numbersOf(a), pages(t, s, Query{Pinyin: "ww", Limit: 2}))
	require.Equal(t, 3, s.byName.Len())
}

// TestPostingOrderMatchesReference registers and renames at random among names that share
// texts and readings, and checks every kind of paged query against a plain sort of the
// records by (text, number).
func TestPostingOrderMatchesReference(t *testing.T) {
	s := postingStore(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 8))
	names := []string{"张三", "张三丰", "张伟", "章伟", "单丽", "曾国藩", "王伟", "ZHANG San", "zhang san", "Zhang San", "Zhang", "zhangsan", "李四", "9号"}
	var cs []Customer
	for k := range 300 {
		if len(cs) > 0 && rng.IntN(3) == 0 {
			i := rng.IntN(len(cs))
			c := cs[i]
			c.Individual.Name = names[rng.IntN(len(names))]
			c, err := s.Update(ctx, c, "t")
			require.NoError(t, err)
			cs[i] = c
			continue
		}
		c, err := s.Register(ctx, postingPerson(names[rng.IntN(len(names))], k), "t")
		require.NoError(t, err)
		cs = append(cs, c)
	}
	type pos struct {
		text string
		num  Number
	}
	ref := func(texts func(k *nameKeys) string) []Number {
		var ps []pos
		for _, c := range cs {
			if t := texts(s.names.get(c.Individual.Name)); t != "" {
				ps = append(ps, pos{t, c.Number})
			}
		}
		slices.SortFunc(ps, func(a, b pos) int {
			return cmp.Or(strings.Compare(a.text, b.text), a.num.Compare(b.num))
		})
		out := []Number{}
		for _, p := range ps {
			out = append(out, p.num)
		}
		return out
	}
	orEmpty := func(ns []Number) []Number {
		if ns == nil {
			return []Number{}
		}
		return ns
	}
	for _, limit := range []int{1, 2, 3, 7, 50} {
		require.Equal(t, ref(func(k *nameKeys) string { return k.nameKey }), orEmpty(pages(t, s, Query{Limit: limit})))
		for _, prefix := range []string{"z", "zhang", "张", "张三", "9"} {
			want := ref(func(k *nameKeys) string {
				if strings.HasPrefix(k.prefix, FoldName(prefix)) {
					return k.prefix
				}
				return ""
			})
			require.Equal(t, want, orEmpty(pages(t, s, Query{NamePrefix: prefix, Limit: limit})), "prefix %q limit %d", prefix, limit)
		}
		for _, py := range []string{"z", "zh", "zs", "zhangsan", "s", "w", "zgf", "9"} {
			want := ref(func(k *nameKeys) string {
				first := ""
				for _, t := range k.pinyin {
					if strings.HasPrefix(t, py) && (first == "" || t < first) {
						first = t
					}
				}
				return first
			})
			require.Equal(t, want, orEmpty(pages(t, s, Query{Pinyin: py, Limit: limit})), "pinyin %q limit %d", py, limit)
		}
	}
}
