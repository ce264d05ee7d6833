package demo_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/loan"
	"github.com/creditkit/creditkit/server/demo"
)

var now = time.Date(2026, 11, 28, 15, 4, 5, 0, time.UTC)

func TestGenerate(t *testing.T) {
	b, err := demo.Generate(demo.Config{Now: now})
	require.NoError(t, err)
	require.Len(t, b.Customers, demo.DefaultCustomers)
	require.Len(t, b.Applications, demo.DefaultApplications)

	v, err := customer.NewValidator(func() time.Time { return now })
	require.NoError(t, err)
	seen := map[string]bool{}
	kinds := map[customer.Kind]int{}
	branches := map[string]bool{}
	for _, br := range b.Branches {
		branches[br.Code] = br.Leaf
	}
	for _, c := range b.Customers {
		require.NoError(t, v.Validate(c.Customer), c.Key)
		require.NoError(t, c.Facts.Validate(), c.Key)
		assert.True(t, branches[c.Customer.Branch], "%s sits in a leaf branch", c.Key)
		kinds[c.Customer.Kind]++
		var id string
		switch c.Customer.Kind {
		case customer.KindIndividual:
			id = c.Customer.Individual.DocNumber
			r, err := customer.ParseResidentID(id)
			require.NoError(t, err)
			assert.Equal(t, c.Customer.Individual.Gender, r.Gender(), c.Key)
			assert.True(t, r.BirthDate().Equal(civil(c.Customer.Individual.BirthDate)), c.Key)
			assert.NotEmpty(t, []rune(c.Customer.Individual.Name))
		case customer.KindEnterprise:
			id = c.Customer.Enterprise.CreditCode
			_, err := customer.ParseUSCC(id)
			require.NoError(t, err)
		}
		assert.False(t, seen[id], "identity %s handed out twice", id)
		seen[id] = true
	}
	assert.Greater(t, kinds[customer.KindIndividual], 600)
	assert.Greater(t, kinds[customer.KindEnterprise], 150)

	groups := map[string]demo.Group{}
	for _, g := range b.Groups {
		if g.Parent != "" {
			_, ok := groups[g.Parent]
			require.True(t, ok, "group %s comes after its parent", g.Key)
		} else {
			assert.True(t, branches[g.Branch], "group %s sits in a leaf branch", g.Key)
		}
		groups[g.Key] = g
	}
	nested, withLimit := 0, 0
	for _, g := range b.Groups {
		if g.Parent != "" {
			nested++
		}
		if g.Limit != nil {
			withLimit++
		}
	}
	assert.GreaterOrEqual(t, nested, 3)
	assert.GreaterOrEqual(t, withLimit, 2)
	keys := map[string]bool{}
	for _, c := range b.Customers {
		keys[c.Key] = true
		if c.Group != "" {
			_, ok := groups[c.Group]
			assert.True(t, ok, "%s names group %s", c.Key, c.Group)
		}
	}
	require.NotEmpty(t, b.Links)
	for _, l := range b.Links {
		assert.True(t, keys[l.From] && keys[l.To])
	}

	officers := map[string]demo.Officer{}
	roles := map[string]int{}
	for _, o := range b.Officers {
		officers[o.Officer.ID] = o
		roles[o.Role]++
		assert.InDelta(t, 50, o.Officer.Rating.Overall, 50)
		assert.NotEmpty(t, o.Officer.Regions)
	}
	assert.Equal(t, map[string]int{"officer": 32, "supervisor": 8, "approver": 9, "committee": 3}, roles)

	statuses := map[loan.Status]int{}
	for _, a := range b.Applications {
		statuses[a.Target]++
		require.True(t, keys[a.Customer])
		assert.Equal(t, "officer", officers[a.Maker].Role, "%s is opened by a relationship officer", a.Key)
		assert.True(t, a.Amount.IsPositive())
		assert.True(t, a.Opened.Before(now))
	}
	for _, s := range loan.Statuses() {
		assert.Positive(t, statuses[s], "some application ends %s", s)
	}
}

func civil(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, err := demo.Generate(demo.Config{Now: now, Seed: 7})
	require.NoError(t, err)
	b, err := demo.Generate(demo.Config{Now: now, Seed: 7})
	require.NoError(t, err)
	assert.Equal(t, a, b)
	c, err := demo.Generate(demo.Config{Now: now, Seed: 8})
	require.NoError(t, err)
	assert.NotEqual(t, a.Customers[500], c.Customers[500])
}

func TestGenerateRefusesBadSizes(t *testing.T) {
	for _, cfg := range []demo.Config{{Customers: 10}, {Customers: 200, Applications: 300}, {Applications: 5}} {
		_, err := demo.Generate(cfg)
		assert.Error(t, err, "%+v", cfg)
	}
}

func ExampleGenerate() {
	b, err := demo.Generate(demo.Config{Now: now})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(b.Branches), "branches,", len(b.Groups), "groups,", len(b.Customers), "customers,",
		len(b.Officers), "staff,", len(b.Applications), "applications")
	g := b.Groups[0]
	fmt.Println(g.Name, "limit", g.Limit)
	// Output:
	// 13 branches, 8 groups, 1000 customers, 52 staff, 240 applications
	// 华辰控股集团 limit 120000000
}
