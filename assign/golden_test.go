package assign

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The golden digests below fix the exact output (every assignment, score, breakdown, reason,
// load and error text) of plans, reassignments and decisions on seeded inputs, as produced
// by the straightforward implementation before the speed work on the eligibility checks,
// case facts and flow solver. An optimisation that changes any result, including how ties
// between equally good plans are broken, fails here. Regenerate (go test -run Golden -v
// -args -golden-print) only for an intended change of results, and say so in the commit.

// digest hashes the JSON of every value in turn;
// errors contribute their text.
func digest(t *testing.T, vs ...any) string {
	t.Helper()
	h := sha256.New()
	enc := json.NewEncoder(h)
	for _, v := range vs {
		if err, ok := v.(error); ok {
			v = "error: " + err.Error()
		}
		require.NoError(t, enc.Encode(v))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// tieTeam is a team built to produce many ties and every rule: few regions with neighbours,
// ratings on a coarse grid, leaves, conflicts of interest, authorities that are not exact in
// 10⁻⁴ units or are huge, and zero capacities.
func tieTeam(seed uint64, n int) ([]Officer, Rules) {
	r := rand.New(rand.NewPCG(seed, 99))
	regions := []string{"n", "s", "e", "w", "c"}
	auth := []string{"100000", "500000", "2000000", "1e30", "750000.123456", "0", "3000000.5"}
	os := make([]Officer, n)
	for j := range os {
		o := Officer{ID: fmt.Sprintf("t%03d", n-j), Branch: fmt.Sprintf("b%d", j%3),
			Authority: decimal.RequireFromString(auth[r.IntN(len(auth))]), SeniorityYears: r.IntN(8),
			Capacity: r.IntN(6), Load: 0, Rating: Rating{Overall: float64(10 * r.IntN(11))}}
		o.Load = r.IntN(o.Capacity + 1)
		for _, reg := range regions {
			if r.IntN(3) == 0 {
				o.Regions = append(o.Regions, reg)
			}
		}
		switch r.IntN(3) {
		case 0:
			o.Kinds = []CustomerKind{Individual}
		case 1:
			o.Kinds = []CustomerKind{Enterprise}
		default:
			o.Kinds = []CustomerKind{Individual, Enterprise}
		}
		if r.IntN(3) == 0 {
			o.Skills = []Product{EquityPledge, AssetAllocation}[:1+r.IntN(2)]
		}
		if r.IntN(6) == 0 {
			from := day.AddDate(0, 0, r.IntN(5)-3)
			o.Leave = []Leave{{From: from, To: from.AddDate(0, 0, r.IntN(3))}}
		}
		if r.IntN(5) == 0 {
			o.Linked = []string{fmt.Sprintf("cu%d", r.IntN(20))}
		}
		os[j] = o
	}
	rules := DefaultRules()
	rules.AllowNeighbours = true
	rules.Neighbours = map[string][]string{"n": {"c"}, "s": {"c", "e"}}
	rules.Seniority = append(rules.Seniority, SeniorityRule{MinAmount: decimal.RequireFromString("1500000.5"), MinYears: 4})
	return os, rules
}

func tieCases(seed uint64, n int) []Case {
	r := rand.New(rand.NewPCG(seed, 7))
	amounts := []string{"300000", "1000000", "1500000.5", "2500000", "0.00005", "1e25", "0", "99999.99"}
	cs := make([]Case, n)
	for k := range cs {
		cs[k] = Case{ApplicationID: fmt.Sprintf("tc%04d", k), CustomerID: fmt.Sprintf("cu%d", r.IntN(25)),
			Region: []string{"n", "s", "e", "w", "c", "x"}[r.IntN(6)], Kind: CustomerKind(1 + r.IntN(2)),
			Amount: decimal.RequireFromString(amounts[r.IntN(len(amounts))]), TermMonths: 12 * r.IntN(11),
			Product: Product(1 + r.IntN(5)), Priority: r.IntN(5) == 0}
		if r.IntN(4) == 0 {
			cs[k].Officer = fmt.Sprintf("t%03d", 1+r.IntN(40))
		}
	}
	return cs
}

var goldenPrint = flag.Bool("golden-print", false, "log the golden digests")

func checkGolden(t *testing.T, name, got, want string) {
	t.Helper()
	if *goldenPrint || want == "" {
		t.Logf("%s: %s", name, got)
	}
	assert.Equal(t, want, got, "%s: results differ from the golden digest", name)
}

var tiePlanDigests = [3]string{
	"a0ddd894c5c838561a693a794253b17a565de8aa1b83a731942bdbb24524a49c",
	"6e28db1d66f3b74aa020869db420592938821fa2b16349574a61d5dbfd7f0065",
	"76045bf01e41387ada893ec251e61d84e9193ef924cfa23242538f6d9fe80066",
}

// tieDecisionDigests are per seed, then per strategy (best score, least loaded, round robin).
var tieDecisionDigests = [3][3]string{
	{"4af0b63729b7982a8c24a8d562d65106ba1ce258258a500825a587e053cfcea4",
		"c7c2895e546957f6b24471c46aee32b7519b6bcd53262b7fc203a23eed4d9b0f",
		"47a379b4fea5b63d8a3001f02a0ee85155f9dd09d1bede8794dd5d33a3763d6c"},
	{"cebd1cdb82e1dc3fcfe3ed574ba7372a4f3f802a36353abddc2eb5b3eb03f1d3",
		"8c1d5bee01adfeb99e8e5e15cf54c111c5a4f78afbaee614ea88a64a0361747a",
		"58a54f51e8a74535fcc063742d834657e4c4c70ceab2692b481f5054489f4b05"},
	{"a160f432a6a913c0e93ff172d136c245091bce847875f9c77a6c17aeb677e902",
		"2956c1b1351daf159140e46d007cfe63abcda7534aec3dd4629acdfb65ff384d",
		"d903e47ff858ab7dd3085b605a561dc2af0f45f06b775af4e0b6e32cd4af1bba"},
}

func TestGoldenPlans(t *testing.T) {
	os, cs := benchTeam(200, 5000, 20)
	m, err := NewMatcher(os, DefaultRules(), Config{Now: fixedNow})
	require.NoError(t, err)
	p, err := m.Plan(cs, PlanOptions{})
	require.NoError(t, err)
	checkGolden(t, "plan 5000x200", digest(t, p), "6138286e00b2c0f74551e9e35baf002c3b6f2a2f3a8d9740ae2045f7a51dbe7b")
	p, err = m.Plan(cs[:3000], PlanOptions{MaxLoadSpread: 1})
	require.NoError(t, err)
	checkGolden(t, "plan 3000x200 spread 1", digest(t, p), "3eed843bdcf2568ef037f12b7cd776d3ea951f5be0e945bd4091a49cdf8aa828")
	p, err = m.Reassign(os[17].ID, cs[:400], ReassignOptions{})
	require.NoError(t, err)
	checkGolden(t, "reassign 400x200", digest(t, p), "95b32d4d1c6b33a14d47d48bf6a0ca994f9ab656ca4b75e5128a91a3a487cc53")

	for seed := uint64(1); seed <= 3; seed++ {
		tos, rules := tieTeam(seed, 40)
		tcs := tieCases(seed, 150)
		m, err := NewMatcher(tos, rules, Config{Now: fixedNow})
		require.NoError(t, err)
		var out []any
		for _, o := range []PlanOptions{{}, {MaxLoadSpread: 1}, {MaxLoadSpread: 3}} {
			p, err := m.Plan(tcs, o)
			out = append(out, p, err)
		}
		for _, leaver := range []string{"t001", "t013", "t040"} {
			p, err := m.Reassign(leaver, tcs[:30], ReassignOptions{SameBranchBonus: float64(seed-2) * 7})
			out = append(out, p, err)
		}
		checkGolden(t, fmt.Sprintf("tie team %d plans", seed), digest(t, out...), tiePlanDigests[seed-1])
	}
}

func TestGoldenDecisions(t *testing.T) {
	os, cs := benchTeam(2000, 1000, 200)
	m, err := NewMatcher(os, DefaultRules(), Config{Now: fixedNow})
	require.NoError(t, err)
	var out []any
	for k := range 300 {
		d, err := m.Evaluate(cs[k])
		out = append(out, d, err)
	}
	checkGolden(t, "evaluate 300 of 2000", digest(t, out...), "8b63423b98772c28eb6cade3902de98c783f0ca2a894962a98d7cf710c174e6e")

	for seed := uint64(1); seed <= 3; seed++ {
		for _, s := range []Strategy{BestScore, LeastLoaded, RoundRobin} {
			tos, rules := tieTeam(seed, 40)
			tcs := tieCases(seed+10, 120)
			m, err := NewMatcher(tos, rules, Config{Now: fixedNow, Strategy: s})
			require.NoError(t, err)
			var out []any
			for k, c := range tcs {
				d, err := m.Assign(c)
				out = append(out, d, err)
				ch, err := m.Check(c, fmt.Sprintf("t%03d", 1+k%40))
				out = append(out, ch, err)
			}
			out = append(out, m.Officers())
			checkGolden(t, fmt.Sprintf("tie team %d strategy %s", seed, s), digest(t, out...), tieDecisionDigests[seed-1][s-BestScore])
		}
	}
}

func TestGoldenLargePlan(t *testing.T) {
	if testing.Short() {
		t.Skip("plans 50,000 cases")
	}
	os, cs := benchTeam(2000, 50000, 200)
	m, err := NewMatcher(os, DefaultRules(), Config{Now: fixedNow})
	require.NoError(t, err)
	p, err := m.Plan(cs, PlanOptions{})
	require.NoError(t, err)
	checkGolden(t, "plan 50000x2000", digest(t, p), "5461801caff8a7633e53cca17573de44e64481a9c8b255d719bc3f847163f15a")
}
