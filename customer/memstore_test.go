package customer_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/customer/customertest"
)

func TestMemStoreConformance(t *testing.T) {
	customertest.Run(t, func(t *testing.T) customer.Store {
		s, err := customer.NewMemStore(customer.Config{Now: func() time.Time {
			return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
		}})
		require.NoError(t, err)
		return s
	})
}

// TestPagesAreCopies changes everything a page hands out and checks the store did not see it.
func TestPagesAreCopies(t *testing.T) {
	s, err := customer.NewMemStore(customer.Config{Now: func() time.Time { return fixedNow }})
	require.NoError(t, err)
	a := customertest.Person("张三", standardID, "13800000000", "BJ01", "o-1")
	a.Tags = []string{"vip"}
	_, err = s.Register(t.Context(), a, "t")
	require.NoError(t, err)
	_, err = s.Register(t.Context(), company(), "t")
	require.NoError(t, err)
	p, err := s.List(t.Context(), 10, "")
	require.NoError(t, err)
	require.Len(t, p.Customers, 2)
	for _, c := range p.Customers {
		if c.Individual != nil {
			c.Individual.Name = "changed"
			c.Tags[0] = "changed"
		} else {
			c.Enterprise.LegalName = "changed"
		}
	}
	again, err := s.List(t.Context(), 10, "")
	require.NoError(t, err)
	for _, c := range again.Customers {
		require.NotEqual(t, "changed", c.Name())
		if c.Individual != nil {
			require.Equal(t, []string{"vip"}, c.Tags)
		}
	}
}

// TestRegisterWithSparseSequence registers under sequences far apart and out of order (a
// sequence source of the caller's), and finds every customer again.
func TestRegisterWithSparseSequence(t *testing.T) {
	seq := &listSequence{seqs: []uint64{5, 1, 9_999_999_999, 2, 5_000, 3, 4, 6, 5}}
	s, err := customer.NewMemStore(customer.Config{Sequence: seq, Now: func() time.Time { return fixedNow }})
	require.NoError(t, err)
	var got []customer.Customer
	for i := range 8 {
		c, err := s.Register(t.Context(), customertest.Person("李四", customertest.ResidentID("110105",
			time.Date(1980, 1, 1+i, 0, 0, 0, 0, time.UTC), 11), "13800000000", "BJ01", "o-1"), "t")
		require.NoError(t, err)
		got = append(got, c)
	}
	for _, c := range got {
		back, err := s.Get(t.Context(), c.Number)
		require.NoError(t, err)
		require.Equal(t, c, back)
	}
	// The ninth sequence repeats the first: refused, nothing stored.
	_, err = s.Register(t.Context(), customertest.Person("王五", customertest.ResidentID("110105",
		time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), 11), "13800000001", "BJ01", "o-1"), "t")
	require.ErrorIs(t, err, customer.ErrDuplicate)
	p, err := s.List(t.Context(), 50, "")
	require.NoError(t, err)
	require.Len(t, p.Customers, 8)
}

type listSequence struct {
	seqs []uint64
	next int
}

func (l *listSequence) Next(context.Context, customer.Kind) (uint64, error) {
	l.next++
	return l.seqs[l.next-1], nil
}

// TestSharedNameKeys registers several customers of one name (whose index texts the store
// shares), renames one and one back, and checks pages and pinyin searches see each under its
// current name only.
func TestSharedNameKeys(t *testing.T) {
	s, err := customer.NewMemStore(customer.Config{Now: func() time.Time { return fixedNow }})
	require.NoError(t, err)
	birth := time.Date(1980, 1, 2, 0, 0, 0, 0, time.UTC)
	var nums []customer.Number
	for k := range 4 {
		c, err := s.Register(t.Context(), customertest.Person("王伟", customertest.ResidentID("110105", birth, k), "13800000000", "BJ01", "o-1"), "t")
		require.NoError(t, err)
		nums = append(nums, c.Number)
	}
	rename := func(n customer.Number, name string) {
		c, err := s.Get(t.Context(), n)
		require.NoError(t, err)
		c.Individual.Name = name
		_, err = s.Update(t.Context(), c, "t")
		require.NoError(t, err)
	}
	rename(nums[1], "李四")
	rename(nums[2], "李四")
	rename(nums[2], "王伟")
	names := func(q customer.Query) (out []string) {
		q.Limit = 10
		p, err := s.Search(t.Context(), q)
		require.NoError(t, err)
		for _, c := range p.Customers {
			out = append(out, c.Name()+" "+c.Number.String())
		}
		return out
	}
	w := func(i int) string { return "王伟 " + nums[i].String() }
	l := func(i int) string { return "李四 " + nums[i].String() }
	require.Equal(t, []string{l(1), w(0), w(2), w(3)}, names(customer.Query{}))
	require.Equal(t, []string{w(0), w(2), w(3)}, names(customer.Query{Pinyin: "ww"}))
	require.Equal(t, []string{w(0), w(2), w(3)}, names(customer.Query{Pinyin: "wangwei"}))
	require.Equal(t, []string{l(1)}, names(customer.Query{Pinyin: "ls"}))
	require.Equal(t, []string{l(1)}, names(customer.Query{NamePrefix: "李"}))
}
