// Package demo generates the demo bank of `creditkit serve --demo`: a branch hierarchy
// (head office → regions → branches), nested customer groups, a conglomerate with a group
// limit and its related companies, a thousand customers with Chinese names and valid
// resident identity numbers or unified social credit codes, officers with ratings, skills
// and authority, and loan applications meant to end in every state of the workflow.
//
// Generate is pure and deterministic: the same Config gives the same bank, value for value
// (times are relative to Config.Now). It only plans; the server loads the plan through
// the same write functions its API uses.
package demo

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/assign"
	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/loan"
	"github.com/creditkit/creditkit/tree"
)

// Defaults of Config.
const (
	DefaultSeed         = 20261128
	DefaultCustomers    = 1000
	DefaultApplications = 240
)

// BankName is the name of the demo bank, the root of its customer tree.
const BankName = "创信银行"

// Config sets the size and seed of the demo bank. The zero value is the documented default.
type Config struct {
	Seed         uint64    // 0 means DefaultSeed
	Customers    int       // 0 means DefaultCustomers; at least 100
	Applications int       // 0 means DefaultApplications; at least 30
	Now          time.Time // the time the data is generated "as of"; zero means time.Now
}

// Bank is the whole plan, in the order it is loaded: branches (parents first), groups
// (parents first), customers, links, officers, applications.
type Bank struct {
	Branches     []Branch
	Groups       []Group
	Customers    []Customer
	Links        []Link
	Officers     []Officer
	Applications []Application
}

// Branch is an organisational unit of the tree.
type Branch struct {
	Code     string // e.g. "SH-PD"; customers name their branch by it
	Name     string
	Parent   string // code of the parent branch; "" directly under the bank
	Province string
	City     string
	District string
	Division string // six-digit GB/T 2260 code of the district, used in identity numbers
	Postcode string
	Leaf     bool // customers and officers belong to leaf branches
}

// Group is a customer group; a group with a Limit is a conglomerate (集团客户) with a
// group-wide limit (统一授信).
type Group struct {
	Key    string
	Name   string
	Branch string           // code of the branch the group sits under when Parent is ""
	Parent string           // key of the parent group; "" under Branch
	Limit  *decimal.Decimal // nil: no limit of its own
}

// Customer is one customer to register, where it sits in the tree, and what is known
// about it for an assessment.
type Customer struct {
	Key      string            // stable key of the plan, e.g. "c0042"
	Customer customer.Customer // Kind, Branch, Officer and the Individual or Enterprise part
	Group    string            // key of its group; "" directly under its branch
	Facts    credit.Facts      // without the request part, which comes from each application
}

// Link is a related-party link between two customers, by key.
type Link struct {
	From, To string
	Kind     tree.LinkKind
	Share    decimal.Decimal // for control links
}

// Officer is a member of staff. Every person the demo acts as is one, so that their
// authority is on record; only relationship officers take cases (the others have no
// capacity).
type Officer struct {
	Officer     assign.Officer // Branch holds the branch code
	Performance assign.Performance
	// Role is the role the person acts in: "officer" (opens and prepares applications),
	// "supervisor" (assigns cases), "approver" (decides at branch stages) or "committee"
	// (decides at committee stages and overrides).
	Role string
}

// Application is a loan application to open, and the state the loader drives it to.
type Application struct {
	Key            string
	Customer       string // customer key
	Product        string
	Amount         decimal.Decimal
	TermMonths     int
	Purpose        string
	Repayment      loan.Repayment
	Security       loan.Security
	SecurityDetail string
	Maker          string      // officer ID of the relationship officer who opens it
	Target         loan.Status // the status the loader stops at
	// MissingDocument leaves one required document out (draft targets only), so the
	// dossier shows what is missing.
	MissingDocument bool
	// RejectAt is the stage that rejects or returns (targets rejected and returned).
	RejectAt int
	Opened   time.Time     // when it was opened
	Step     time.Duration // time between successive steps
}

// Generate plans the demo bank.
func Generate(cfg Config) (*Bank, error) {
	if cfg.Seed == 0 {
		cfg.Seed = DefaultSeed
	}
	if cfg.Customers == 0 {
		cfg.Customers = DefaultCustomers
	}
	if cfg.Applications == 0 {
		cfg.Applications = DefaultApplications
	}
	if cfg.Now.IsZero() {
		cfg.Now = time.Now()
	}
	if cfg.Customers < 100 || cfg.Customers > 100000 {
		return nil, fmt.Errorf("demo: customers must be 100 to 100000, not %d", cfg.Customers)
	}
	if cfg.Applications < 30 || cfg.Applications > cfg.Customers {
		return nil, fmt.Errorf("demo: applications must be 30 to the number of customers, not %d", cfg.Applications)
	}
	g := &gen{
		rng:   rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		today: time.Date(cfg.Now.Year(), cfg.Now.Month(), cfg.Now.Day(), 0, 0, 0, 0, time.UTC),
		used:  map[string]bool{},
	}
	b := &Bank{Branches: branches()}
	g.officers(b)
	g.groups(b)
	if err := g.customers(b, cfg.Customers); err != nil {
		return nil, err
	}
	g.applications(b, cfg.Applications)
	return b, nil
}

type gen struct {
	rng   *rand.Rand
	today time.Time
	used  map[string]bool // identity numbers, credit codes, mobiles already handed out
	seq   int             // serial of identity numbers per day of birth
}

func (g *gen) pick(n int) int { return g.rng.IntN(n) }

func (g *gen) between(lo, hi int) int { return lo + g.rng.IntN(hi-lo+1) }

func pickOf[T any](g *gen, v []T) T { return v[g.rng.IntN(len(v))] }

// branches is the fixed branch hierarchy: head office, four regions, eight branches.
func branches() []Branch {
	return []Branch{
		{Code: "HO", Name: "总行", Province: "北京市", City: "北京市", District: "西城区", Division: "110102", Postcode: "100032"},
		{Code: "R-N", Name: "华北区域", Parent: "HO", Province: "北京市", City: "北京市"},
		{Code: "R-E", Name: "华东区域", Parent: "HO", Province: "上海市", City: "上海市"},
		{Code: "R-S", Name: "华南区域", Parent: "HO", Province: "广东省", City: "广州市"},
		{Code: "R-W", Name: "西南区域", Parent: "HO", Province: "四川省", City: "成都市"},
		{Code: "BJ-CY", Name: "北京朝阳支行", Parent: "R-N", Province: "北京市", City: "北京市", District: "朝阳区", Division: "110105", Postcode: "100020", Leaf: true},
		{Code: "BJ-HD", Name: "北京海淀支行", Parent: "R-N", Province: "北京市", City: "北京市", District: "海淀区", Division: "110108", Postcode: "100080", Leaf: true},
		{Code: "SH-PD", Name: "上海浦东支行", Parent: "R-E", Province: "上海市", City: "上海市", District: "浦东新区", Division: "310115", Postcode: "200120", Leaf: true},
		{Code: "SH-JA", Name: "上海静安支行", Parent: "R-E", Province: "上海市", City: "上海市", District: "静安区", Division: "310106", Postcode: "200040", Leaf: true},
		{Code: "HZ-XH", Name: "杭州西湖支行", Parent: "R-E", Province: "浙江省", City: "杭州市", District: "西湖区", Division: "330106", Postcode: "310012", Leaf: true},
		{Code: "GZ-TH", Name: "广州天河支行", Parent: "R-S", Province: "广东省", City: "广州市", District: "天河区", Division: "440106", Postcode: "510620", Leaf: true},
		{Code: "SZ-NS", Name: "深圳南山支行", Parent: "R-S", Province: "广东省", City: "深圳市", District: "南山区", Division: "440305", Postcode: "518052", Leaf: true},
		{Code: "CD-WH", Name: "成都武侯支行", Parent: "R-W", Province: "四川省", City: "成都市", District: "武侯区", Division: "510107", Postcode: "610041", Leaf: true},
	}
}

func leaves(b *Bank) []Branch {
	var out []Branch
	for _, br := range b.Branches {
		if br.Leaf {
			out = append(out, br)
		}
	}
	return out
}

func branchOf(b *Bank, code string) Branch {
	for _, br := range b.Branches {
		if br.Code == code {
			return br
		}
	}
	return Branch{}
}

// regions are the region codes an officer of branch br covers: its province and its
// city (a municipality is both).
func regions(br Branch) []string {
	if br.Province == br.City {
		return []string{br.Province}
	}
	return []string{br.Province, br.City}
}

// officers staffs every leaf branch with four relationship officers, a supervisor and an
// approver, and the head office with an approver for large loans and a credit committee
// of three.
func (g *gen) officers(b *Bank) {
	rater, err := assign.NewRater(assign.RatingConfig{})
	if err != nil {
		panic(err) // the zero config is valid; a failure is a bug in assign
	}
	id := 1000
	add := func(br Branch, role string, authority string, capacity, seniority int, skills []assign.Product, kinds []assign.CustomerKind) {
		id++
		name, _ := g.person()
		perf := g.performance(seniority)
		rating, err := rater.Rate(perf)
		if err != nil {
			panic(err) // performance is generated within the documented ranges
		}
		b.Officers = append(b.Officers, Officer{Role: role, Performance: perf, Officer: assign.Officer{
			ID: fmt.Sprintf("E%d", id), Name: name, Branch: br.Code, Regions: regions(br), Kinds: kinds,
			Skills: skills, Authority: decimal.RequireFromString(authority), SeniorityYears: seniority,
			Capacity: capacity, Rating: rating,
		}})
	}
	both := []assign.CustomerKind{assign.Individual, assign.Enterprise}
	for i, br := range leaves(b) {
		add(br, "officer", "3000000", 25, g.between(1, 4), nil, []assign.CustomerKind{assign.Individual})
		add(br, "officer", "10000000", 20, g.between(4, 9), []assign.Product{assign.Mortgage}, both)
		add(br, "officer", "30000000", 15, g.between(8, 15), []assign.Product{assign.EquityPledge, assign.Mortgage}, both)
		add(br, "officer", "60000000", 12, g.between(10, 20), []assign.Product{assign.EquityPledge, assign.AssetAllocation}, []assign.CustomerKind{assign.Enterprise})
		add(br, "supervisor", "0", 0, g.between(12, 22), nil, both)
		authority := "1000000"
		if i%2 == 0 {
			authority = "5000000"
		}
		add(br, "approver", authority, 0, g.between(12, 25), nil, both)
	}
	ho := branchOf(b, "HO")
	add(ho, "approver", "20000000", 0, 20, nil, both)
	for range 3 {
		add(ho, "committee", "60000000", 0, g.between(18, 30), nil, both)
	}
}

func (g *gen) performance(seniority int) assign.Performance {
	cases := seniority*g.between(25, 45) + g.between(0, 20)
	recs := cases / 2
	loans := seniority*g.between(8, 15) + g.between(0, 10)
	p := assign.Performance{
		YearsOfService: float64(seniority), CasesHandled: cases,
		Recommendations: recs, Upheld: recs * g.between(70, 98) / 100,
		Loans: loans, BadLoans: loans * g.between(0, 4) / 100,
		BranchLoans: 600, BranchBadLoans: 600 * 2 / 100,
	}
	for range 10 {
		p.DecisionDays = append(p.DecisionDays, float64(g.between(1, 12)))
		p.Surveys = append(p.Surveys, float64(g.between(30, 50))/10)
	}
	return p
}

// relationship returns a relationship officer of the branch, by index.
func relationship(b *Bank, branch string, i int) string {
	var ids []string
	for _, o := range b.Officers {
		if o.Officer.Branch == branch && o.Role == "officer" {
			ids = append(ids, o.Officer.ID)
		}
	}
	return ids[i%len(ids)]
}

// groups plans the customer groups: the 华辰 conglomerate (a group limit, two nested
// divisions with limits of their own), a mutual-guarantee circle with a limit, and
// nested groups without limits.
func (g *gen) groups(b *Bank) {
	lim := func(s string) *decimal.Decimal { d := decimal.RequireFromString(s); return &d }
	b.Groups = []Group{
		{Key: "g-huachen", Name: "华辰控股集团", Branch: "SH-PD", Limit: lim("120000000")},
		{Key: "g-huachen-mfg", Name: "华辰集团制造板块", Parent: "g-huachen", Limit: lim("60000000")},
		{Key: "g-huachen-re", Name: "华辰集团地产板块", Parent: "g-huachen", Limit: lim("40000000")},
		{Key: "g-hengxin", Name: "西湖恒信联保体", Branch: "HZ-XH", Limit: lim("15000000")},
		{Key: "g-nanshan", Name: "南山科技园小微企业", Branch: "SZ-NS"},
		{Key: "g-nanshan-ai", Name: "南山人工智能企业", Parent: "g-nanshan"},
		{Key: "g-tianhe", Name: "天河优质个人客户", Branch: "GZ-TH"},
		{Key: "g-tianhe-gov", Name: "天河公务员客户", Parent: "g-tianhe"},
	}
}

// customers plans the customers: the conglomerate's companies, the guarantee circle, then
// enterprises and individuals spread over the branches, each checked by the customer
// package's validator.
func (g *gen) customers(b *Bank, n int) error {
	v, err := customer.NewValidator(func() time.Time { return g.today })
	if err != nil {
		return err
	}
	add := func(c Customer) error {
		c.Key = fmt.Sprintf("c%04d", len(b.Customers)+1)
		if err := v.Validate(c.Customer); err != nil {
			return fmt.Errorf("demo: generated customer %s does not validate: %w", c.Key, err)
		}
		b.Customers = append(b.Customers, c)
		return nil
	}
	pd := branchOf(b, "SH-PD")
	// The conglomerate: the holding company and its subsidiaries, each controlled by it.
	huachen := []struct{ name, group, line string }{
		{"华辰控股集团有限公司", "g-huachen", "商务咨询有限公司"},
		{"华辰精密制造有限公司", "g-huachen-mfg", "机械制造有限公司"},
		{"华辰电子科技有限公司", "g-huachen-mfg", "电子有限公司"},
		{"华辰新能源有限公司", "g-huachen-mfg", "新能源有限公司"},
		{"华辰智能装备有限公司", "g-huachen-mfg", "机械制造有限公司"},
		{"华辰置业有限公司", "g-huachen-re", "房地产开发有限公司"},
		{"华辰物业管理有限公司", "g-huachen-re", "商务咨询有限公司"},
		{"华辰商业地产有限公司", "g-huachen-re", "房地产开发有限公司"},
		{"华辰国际贸易有限公司", "g-huachen", "商贸有限公司"},
	}
	first := len(b.Customers)
	for i, h := range huachen {
		c := g.enterprise(pd, h.name, lineBySuffix(h.line), relationship(b, pd.Code, 2+i%2), 200+g.pick(300), true)
		c.Group = h.group
		if err := add(c); err != nil {
			return err
		}
		if i > 0 {
			b.Links = append(b.Links, Link{From: b.Customers[first].Key, To: b.Customers[len(b.Customers)-1].Key,
				Kind: tree.LinkControl, Share: decimal.New(int64(51+g.pick(49)), -2)})
		}
	}
	// The guarantee circle: three small firms guaranteeing each other.
	xh := branchOf(b, "HZ-XH")
	circle := len(b.Customers)
	for _, name := range []string{"杭州恒信纺织有限公司", "杭州恒达印染有限公司", "杭州恒昌服饰有限公司"} {
		c := g.enterprise(xh, name, lineBySuffix("商贸有限公司"), relationship(b, xh.Code, 1), 5+g.pick(20), false)
		c.Group = "g-hengxin"
		if err := add(c); err != nil {
			return err
		}
	}
	for i := range 3 {
		b.Links = append(b.Links, Link{From: b.Customers[circle+i].Key, To: b.Customers[circle+(i+1)%3].Key, Kind: tree.LinkMutualGuarantee})
	}
	// Everyone else: a fifth enterprises, the rest individuals.
	ls := leaves(b)
	for i := len(b.Customers); i < n; i++ {
		br := ls[g.pick(len(ls))]
		var c Customer
		if i%5 == 0 {
			ln := lines[g.pick(len(lines))]
			name := br.City[:len(br.City)-len("市")] + pickOf(g, tradeNames) + ln.suffix
			c = g.enterprise(br, name, ln, relationship(b, br.Code, 1+g.pick(3)), 1+g.pick(60), false)
			if br.Code == "SZ-NS" && g.pick(3) == 0 {
				c.Group = "g-nanshan"
				if ln.industry == "I" {
					c.Group = "g-nanshan-ai"
				}
			}
		} else {
			c = g.individual(br, relationship(b, br.Code, g.pick(2)))
			if br.Code == "GZ-TH" && g.pick(4) == 0 {
				c.Group = "g-tianhe"
				if c.Customer.Individual.Occupation == "公务员" {
					c.Group = "g-tianhe-gov"
				}
			}
		}
		if err := add(c); err != nil {
			return err
		}
	}
	return nil
}

func lineBySuffix(suffix string) struct {
	suffix   string
	industry string
	risk     int
} {
	for _, l := range lines {
		if l.suffix == suffix {
			return l
		}
	}
	return lines[0]
}

// person returns a Chinese name and its gender.
func (g *gen) person() (string, customer.Gender) {
	// Common surnames far more often: the square of a uniform draw favours the front.
	u := g.rng.Float64()
	surname := surnames[int(u*u*float64(len(surnames)))]
	gender := customer.GenderMale
	given := givenMale
	if g.pick(2) == 0 {
		gender, given = customer.GenderFemale, givenFemale
	}
	name := surname + pickOf(g, given)
	if g.pick(3) > 0 {
		name += pickOf(g, given)
	}
	return name, gender
}

// residentID returns an unused, valid resident identity number (GB 11643) for a person
// born on birth in division, of the given gender.
func (g *gen) residentID(division string, birth time.Time, gender customer.Gender) string {
	for {
		g.seq++
		seq := g.seq % 500 * 2 // even: female
		if gender == customer.GenderMale {
			seq++
		}
		body := fmt.Sprintf("%s%s%03d", division, birth.Format("20060102"), seq)
		id := body + string(residentCheck(body))
		if !g.used[id] {
			g.used[id] = true
			return id
		}
	}
}

// residentCheck is the ISO 7064 MOD 11-2 check character of 17 digits.
func residentCheck(body string) byte {
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(body[i]-'0') * weights[i]
	}
	return "10X98765432"[sum%11]
}

const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// uscc returns an unused, valid unified social credit code (GB 32100) of a company
// registered with market regulation (91) in division.
func (g *gen) uscc(division string) string {
	weights := [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	for {
		var b strings.Builder
		b.WriteString("91" + division)
		for range 9 {
			b.WriteByte(usccAlphabet[g.pick(len(usccAlphabet))])
		}
		body := b.String()
		sum := 0
		for i := range 17 {
			sum += strings.IndexByte(usccAlphabet, body[i]) * weights[i]
		}
		code := body + string(usccAlphabet[(31-sum%31)%31])
		if !g.used[code] {
			g.used[code] = true
			return code
		}
	}
}

func (g *gen) mobile() string {
	prefixes := []string{"130", "135", "136", "138", "139", "150", "152", "158", "177", "186", "188", "199"}
	for {
		m := pickOf(g, prefixes) + fmt.Sprintf("%08d", g.pick(100000000))
		if !g.used[m] {
			g.used[m] = true
			return m
		}
	}
}

func (g *gen) address(br Branch) customer.Address {
	return customer.Address{Province: br.Province, City: br.City, District: br.District,
		Street: fmt.Sprintf("%s%d号", pickOf(g, streets[br.City]), g.between(1, 999)), Postcode: br.Postcode}
}

// individual plans a person living near branch br, with facts drawn so that grades range
// from excellent to poor.
func (g *gen) individual(br Branch, officer string) Customer {
	name, gender := g.person()
	age := g.between(23, 62)
	birth := g.today.AddDate(-age, -g.pick(12), -g.pick(28))
	occ := occupations[g.pick(len(occupations))]
	employer := ""
	if occ.employer != "" {
		employer = br.City[:len(br.City)-len("市")] + occ.employer
	}
	marital := []customer.Marital{customer.MaritalSingle, customer.MaritalMarried, customer.MaritalMarried, customer.MaritalDivorced}[g.pick(4)]
	c := customer.Customer{Kind: customer.KindIndividual, Branch: br.Code, Officer: officer,
		Individual: &customer.Individual{
			Name: name, Gender: gender, BirthDate: birth, Nationality: "CN",
			DocType: customer.DocResidentID, DocNumber: g.residentID(br.Division, birth, gender),
			Mobile: g.mobile(), Address: g.address(br), Occupation: occ.occupation, Employer: employer,
			Marital: marital,
		}}
	if g.pick(3) == 0 {
		c.Tags = []string{"payroll"}
	}
	// Risk: most people pay on time; some have had trouble.
	risk := g.pick(20)
	dpd, dlq := 0, 0
	switch {
	case risk == 19:
		dpd, dlq = 60+g.pick(60), 3+g.pick(4)
	case risk >= 16:
		dpd, dlq = 5+g.pick(25), 1+g.pick(2)
	}
	income := g.between(6, 60) * 1000
	housing := []string{"own", "own", "mortgage", "mortgage", "rent", "family"}[g.pick(6)]
	marName := map[customer.Marital]string{customer.MaritalSingle: "single", customer.MaritalMarried: "married", customer.MaritalDivorced: "divorced"}[marital]
	utilisation := g.between(0, 60)
	if g.pick(5) == 0 {
		utilisation = g.between(60, 95)
	}
	facts := map[string]any{
		"bureau": map[string]any{"history_months": g.between(12, 240), "open_accounts": g.between(0, 8),
			"delinquencies_24m": dlq, "worst_dpd_24m": dpd, "amount_overdue": "0", "defaults_or_write_offs": 0,
			"utilisation": float64(utilisation) / 100, "hard_inquiries_6m": g.between(0, 3) + g.pick(2)*g.pick(4)},
		"income": map[string]any{"monthly": fmt.Sprint(income), "verified": g.pick(4) > 0, "employment": occ.employment,
			"years_with_employer": float64(g.between(0, min(age-20, 25)))},
		"capacity": map[string]any{"monthly_debt_payments": fmt.Sprint(income * g.between(0, 40) / 100),
			"monthly_living_costs": fmt.Sprint(2000 + g.between(0, 6)*500), "housing": housing},
		"profile": map[string]any{"age": age, "marital": marName},
	}
	return Customer{Customer: c, Facts: mustFacts(facts)}
}

// enterprise plans a company of branch br, established years ago.
func (g *gen) enterprise(br Branch, name string, ln struct {
	suffix   string
	industry string
	risk     int
}, officer string, capitalMillions int, strong bool) Customer {
	years := g.between(2, 25)
	if strong {
		years = g.between(12, 25)
	}
	var industry customer.Industry
	if err := industry.UnmarshalText([]byte(ln.industry)); err != nil {
		panic(err) // the lines table holds valid section letters
	}
	rep, _ := g.person()
	contact, _ := g.person()
	c := customer.Customer{Kind: customer.KindEnterprise, Branch: br.Code, Officer: officer,
		Enterprise: &customer.Enterprise{
			LegalName: name, CreditCode: g.uscc(br.Division), LegalRep: rep,
			RegisteredCapital: customer.Money{Amount: decimal.New(int64(capitalMillions), 6), Currency: "CNY"},
			Industry:          industry, Established: g.today.AddDate(-years, -g.pick(12), -g.pick(28)),
			Address: g.address(br), ContactName: contact, ContactMobile: g.mobile(),
		}}
	revenue := capitalMillions * g.between(2, 8)
	dpd, dlq := 0, 0
	if g.pick(10) == 0 {
		dpd, dlq = 10+g.pick(80), 1+g.pick(4)
	}
	// Strong firms (the conglomerate's) borrow little against their assets, earn well and
	// cover their interest many times over.
	lev, cur, cover, margin := g.between(30, 75), g.between(90, 250), g.between(20, 100), g.between(0, 15)
	if strong {
		lev, cur, cover, margin, dpd, dlq = g.between(30, 50), g.between(160, 250), g.between(70, 150), g.between(8, 18), 0, 0
	}
	facts := map[string]any{"enterprise": map[string]any{
		"revenue":           fmt.Sprint(revenue * 1000000),
		"revenue_growth":    float64(g.between(-5, 25)) / 100,
		"net_margin":        float64(margin) / 100,
		"debt_to_assets":    float64(lev) / 100,
		"current_ratio":     float64(cur) / 100,
		"interest_cover":    float64(cover) / 10,
		"years_in_business": float64(years),
		"industry_risk":     ln.risk,
		"bureau":            map[string]any{"worst_dpd_24m": dpd, "delinquencies_24m": dlq},
	}}
	return Customer{Customer: c, Facts: mustFacts(facts)}
}

// mustFacts builds facts through the credit package's strict decoder, so a generated value
// is exactly what a client could send.
func mustFacts(m map[string]any) credit.Facts {
	data, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	f, err := credit.DecodeFacts(data)
	if err != nil {
		panic(fmt.Sprintf("demo: generated facts do not decode: %v", err))
	}
	return f
}

// targets spreads the applications over the statuses, in proportions a branch might see.
var targets = []struct {
	status loan.Status
	weight int
}{
	{loan.StatusDraft, 8}, {loan.StatusSubmitted, 7}, {loan.StatusAssessed, 7}, {loan.StatusAssigned, 8},
	{loan.StatusUnderReview, 12}, {loan.StatusApproved, 38}, {loan.StatusRejected, 10},
	{loan.StatusReturned, 6}, {loan.StatusWithdrawn, 4},
}

// applications plans n applications: first the conglomerate's (large, some approved, one
// under review), then one for each of a random sample of other customers.
func (g *gen) applications(b *Bank, n int) {
	total := 0
	for _, t := range targets {
		total += t.weight
	}
	target := func() loan.Status {
		r := g.pick(total)
		for _, t := range targets {
			if r < t.weight {
				return t.status
			}
			r -= t.weight
		}
		return loan.StatusApproved
	}
	add := func(c Customer, a Application) {
		a.Key = fmt.Sprintf("a%04d", len(b.Applications)+1)
		a.Customer = c.Key
		if a.Maker == "" {
			a.Maker = c.Customer.Officer
		}
		if a.Target == loan.StatusRejected || a.Target == loan.StatusReturned {
			a.RejectAt = 1
		}
		a.Opened = g.today.Add(-time.Duration(g.between(2, 120)) * 24 * time.Hour).Add(time.Duration(g.between(9, 16)) * time.Hour)
		a.Step = time.Duration(g.between(20, 300)) * time.Minute
		b.Applications = append(b.Applications, a)
	}
	// The conglomerate: working capital for the divisions.
	for i, st := range []loan.Status{loan.StatusApproved, loan.StatusApproved, loan.StatusApproved, loan.StatusUnderReview, loan.StatusAssigned} {
		c := b.Customers[1+i]
		add(c, Application{Product: "working_capital", Amount: decimal.New(int64(8+4*i), 6), TermMonths: 24,
			Purpose: "流动资金周转", Repayment: loan.RepaymentInterestOnly, Security: loan.SecurityGuarantee,
			SecurityDetail: "华辰控股集团有限公司连带责任保证", Target: st})
	}
	// Everyone else, one application each.
	others := g.rng.Perm(len(b.Customers) - 12)
	for _, k := range others {
		if len(b.Applications) >= n {
			break
		}
		c := b.Customers[12+k]
		a := Application{Target: target(), TermMonths: []int{12, 24, 36, 60}[g.pick(4)]}
		if c.Customer.Kind == customer.KindEnterprise {
			a.Product = []string{"working_capital", "business_term", "equity_pledge"}[g.pick(3)]
			a.Amount = decimal.New(int64(g.between(5, 300))*10000, 0)
			a.Purpose = []string{"采购原材料", "设备更新", "流动资金周转", "扩大生产"}[g.pick(4)]
			a.Repayment = []loan.Repayment{loan.RepaymentInterestOnly, loan.RepaymentEqualPrincipal}[g.pick(2)]
		} else {
			a.Product = []string{"consumer", "consumer", "mortgage", "revolving"}[g.pick(4)]
			a.Amount = decimal.New(int64(g.between(2, 80))*5000, 0)
			a.Purpose = []string{"装修", "购车", "教育", "旅游", "购房"}[g.pick(5)]
			a.Repayment = []loan.Repayment{loan.RepaymentEqualInstalments, loan.RepaymentEqualPrincipal}[g.pick(2)]
			if a.Product == "mortgage" {
				a.Amount = decimal.New(int64(g.between(60, 300))*10000, 0)
				a.TermMonths = 240
				a.Purpose = "购房"
			}
		}
		switch a.Product {
		case "mortgage":
			a.Security, a.SecurityDetail = loan.SecurityCollateral, "住房抵押"
		case "equity_pledge":
			a.Security, a.SecurityDetail = loan.SecurityPledge, "股权质押"
		default:
			if g.pick(3) == 0 {
				a.Security, a.SecurityDetail = loan.SecurityGuarantee, "自然人连带责任保证"
			} else {
				a.Security = loan.SecurityNone
			}
		}
		if a.Target == loan.StatusDraft && g.pick(2) == 0 {
			a.MissingDocument = true
		}
		add(c, a)
	}
}
