// Command quickstart shows the library's main job end to end, all in memory. Customer
// intake: register individuals and an enterprise, see validation problems in English and
// Chinese, refuse a duplicate identity number, list the archive in pinyin order, search by
// pinyin initials and refuse an update made from a stale version. Then one registered
// individual is assessed with the built-in individual scorecard (score, grade, PD, decision,
// limit, rate and reasons), the case is matched to one of three credit officers, and a loan
// application goes through the workflow from draft to approval, with the maker's own attempt
// to approve it refused by the four-eyes rule.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/assign"
	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/loan"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// now is the fixed clock of the walk-through, so its output never changes.
func now() time.Time { return time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC) }

// run walks through customer intake and writes what happens to w.
func run(w io.Writer) error {
	ctx := context.Background()
	archive, err := customer.NewMemStore(customer.Config{Now: now})
	if err != nil {
		return err
	}

	fmt.Fprintln(w, "== Register customers")
	people := []customer.Customer{
		individual("张三", "11010519491231002X", "13800000001", "BJ01"),
		individual("张三", "310104198807150318", "13800000002", "SH01"), // same name, another person
		individual("李四", "440106199203090584", "+8613800000003", "GZ01"),
		individual("Alice Wang", "320102199504200430", "13800000004", "NJ01"),
		individual("曾国强", "350102197910010778", "13800000005", "FZ01"),
	}
	people = append(people, enterprise("福州示例科技有限公司", "91350100M000100Y43"))
	registered := make([]customer.Customer, 0, len(people))
	for _, p := range people {
		c, err := archive.Register(ctx, p, "officer-7")
		if err != nil {
			return err
		}
		registered = append(registered, c)
		fmt.Fprintf(w, "%s  %-10s %s\n", c.Number, c.Kind, c.Name())
	}
	fmt.Fprintf(w, "two customers named 张三: %s and %s\n", registered[0].Number, registered[1].Number)

	fmt.Fprintln(w, "\n== A record with problems is refused, listing every one")
	bad := individual("", "110105194912310021", "12800000000", "BJ01")
	bad.Individual.Email = "zhang@"
	bad.Individual.Address.Postcode = "1000"
	_, err = archive.Register(ctx, bad, "officer-7")
	var invalid *customer.ValidationError
	if !errors.As(err, &invalid) {
		return fmt.Errorf("expected a validation error, got %v", err)
	}
	for _, p := range invalid.Problems {
		fmt.Fprintf(w, "%-28s %-11s %s\n%-40s %s\n", p.Path, p.Rule, p.Message, "", p.MessageZH)
	}

	fmt.Fprintln(w, "\n== The same identity number cannot be registered twice")
	_, err = archive.Register(ctx, individual("张小三", "11010519491231002x", "13900000009", "BJ02"), "officer-8")
	var dup *customer.DuplicateError
	if !errors.As(err, &dup) {
		return fmt.Errorf("expected a duplicate error, got %v", err)
	}
	fmt.Fprintf(w, "refused: %v\n", err)
	fmt.Fprintf(w, "existing customer: %s\n", dup.Existing)

	fmt.Fprintln(w, "\n== The archive in name order (pinyin for Chinese names)")
	page, err := archive.List(ctx, 20, "")
	if err != nil {
		return err
	}
	for _, c := range page.Customers {
		fmt.Fprintf(w, "%s  %s\n", c.Number, c.Name())
	}

	fmt.Fprintln(w, "\n== Search by pinyin initials \"zs\"")
	hits, err := archive.Search(ctx, customer.Query{Pinyin: "zs", Limit: 20})
	if err != nil {
		return err
	}
	for _, c := range hits.Customers {
		fmt.Fprintf(w, "%s  %s  %s\n", c.Number, c.Name(), c.Branch)
	}

	fmt.Fprintln(w, "\n== Updates need the current version")
	first := registered[0]
	moved := first.Clone()
	moved.Individual.Mobile = "13911112222"
	updated, err := archive.Update(ctx, moved, "officer-7")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s updated to version %d\n", updated.Number, updated.Version)
	late := first.Clone() // still version 1
	late.Individual.Occupation = "教师"
	_, err = archive.Update(ctx, late, "officer-9")
	var stale *customer.VersionError
	if !errors.As(err, &stale) {
		return fmt.Errorf("expected a version error, got %v", err)
	}
	fmt.Fprintf(w, "refused: %v\n", err)
	history, err := archive.History(ctx, first.Number)
	if err != nil {
		return err
	}
	for _, h := range history {
		fmt.Fprintf(w, "v%d %s by %s at %s", h.Version, h.Action, h.By, h.At.Format(time.RFC3339))
		for _, c := range h.Changes {
			fmt.Fprintf(w, "  %s: %s -> %s", c.Path, c.Old, c.New)
		}
		fmt.Fprintln(w)
	}

	applicant := registered[2] // 李四
	report, err := assess(w, applicant)
	if err != nil {
		return err
	}
	officer, err := assignCase(w, applicant, report)
	if err != nil {
		return err
	}
	return approveLoan(ctx, w, applicant, report, officer)
}

// assess scores the applicant with the built-in individual scorecard and prints the result.
func assess(w io.Writer, c customer.Customer) (credit.Report, error) {
	fmt.Fprintf(w, "\n== Assess %s %s with the built-in individual scorecard\n", c.Number, c.Name())
	card, err := credit.BuiltinCard("individual")
	if err != nil {
		return credit.Report{}, err
	}
	model, err := credit.Compile(card)
	if err != nil {
		return credit.Report{}, err
	}
	assessor, err := credit.NewAssessor(model, credit.Config{Now: now})
	if err != nil {
		return credit.Report{}, err
	}
	// The bureau, income and capacity figures would come from the bureau report and the
	// application form; the age comes from the registered birth date.
	facts, err := credit.DecodeFacts(fmt.Appendf(nil, `{
	  "bureau": {"history_months": 60, "open_accounts": 3, "delinquencies_24m": 1, "worst_dpd_24m": 15,
	             "amount_overdue": "0", "defaults_or_write_offs": 0, "utilisation": 0.42, "hard_inquiries_6m": 2},
	  "income": {"monthly": "18000", "verified": true, "employment": "private", "years_with_employer": 4},
	  "capacity": {"monthly_debt_payments": "2500", "monthly_living_costs": "4000", "housing": "rent"},
	  "profile": {"age": %d, "marital": "married", "education": "bachelor"},
	  "request": {"amount": "150000", "term_months": 36, "product": "consumer", "method": "equal_instalments"}
	}`, age(c.Individual.BirthDate, now())))
	if err != nil {
		return credit.Report{}, err
	}
	r, err := assessor.Assess(facts)
	if err != nil {
		return credit.Report{}, err
	}
	fmt.Fprintf(w, "score %.0f, grade %s, PD %.3f%%, decision %s\n", r.Score, r.Grade, r.PD*100, r.Decision)
	fmt.Fprintf(w, "limit %s, rate %d bp (%s, APR %s)\n", r.Limit, r.Price.RateBP, r.Price.BaseName, r.Price.APR)
	for i, reason := range r.Reasons {
		if i == 3 {
			break
		}
		fmt.Fprintf(w, "reason %-4s %s / %s\n", reason.Code, reason.EN, reason.ZH)
	}
	return r, nil
}

// age is the age in whole years on day at of someone born on birth.
func age(birth, at time.Time) int {
	years := at.Year() - birth.Year()
	if at.Month() < birth.Month() || at.Month() == birth.Month() && at.Day() < birth.Day() {
		years--
	}
	return years
}

// assignCase matches the application to one of three officers and prints the choice.
func assignCase(w io.Writer, c customer.Customer, r credit.Report) (string, error) {
	fmt.Fprintln(w, "\n== Assign the case to a credit officer")
	officers := []assign.Officer{
		{ID: "zhao.min", Name: "赵敏", Branch: "GZ01", Regions: []string{"GZ01"}, Kinds: []assign.CustomerKind{assign.Individual},
			Authority: decimal.RequireFromString("500000"), SeniorityYears: 6, Capacity: 10, Load: 4, Rating: assign.Rating{Overall: 82}},
		{ID: "huang.wei", Name: "黄伟", Branch: "GZ01", Regions: []string{"GZ01"}, Kinds: []assign.CustomerKind{assign.Individual, assign.Enterprise},
			Authority: decimal.RequireFromString("5000000"), SeniorityYears: 11, Capacity: 8, Load: 8, Rating: assign.Rating{Overall: 90}},
		{ID: "lin.na", Name: "林娜", Branch: "SH01", Regions: []string{"SH01"}, Kinds: []assign.CustomerKind{assign.Individual},
			Authority: decimal.RequireFromString("1000000"), SeniorityYears: 3, Capacity: 10, Load: 2, Rating: assign.Rating{Overall: 75}},
	}
	m, err := assign.NewMatcher(officers, assign.DefaultRules(), assign.Config{Now: now})
	if err != nil {
		return "", err
	}
	d, err := m.Assign(assign.Case{ApplicationID: "L-1", CustomerID: c.Number.String(), Region: c.Branch, Kind: assign.Individual,
		Amount: r.Limit, TermMonths: 36, Product: assign.Consumer, Grade: r.Grade.String()})
	if err != nil {
		return "", err
	}
	fmt.Fprintln(w, "officer:", d.Officer)
	for _, reason := range d.Reasons {
		fmt.Fprintln(w, "  because", reason)
	}
	fmt.Fprintln(w, "excluded:", d.Summary())
	return d.Officer, nil
}

// approvalMatrix sends every amount up to 1,000,000 to one branch approver.
const approvalMatrix = `{
  "bands": [{"above": "0", "routes": [{"stages": [{"name": "branch", "role": "approver", "authority": "1000000"}]}]}],
  "override": {"role": "committee", "authority": "5000000"}
}`

// approveLoan takes an application from draft to approval, printing each transition, and
// shows the maker's own approval refused.
func approveLoan(ctx context.Context, w io.Writer, c customer.Customer, r credit.Report, officerID string) error {
	fmt.Fprintln(w, "\n== The loan application from draft to approval")
	matrix, err := loan.ParseMatrix([]byte(approvalMatrix))
	if err != nil {
		return err
	}
	// 李四 belongs to no group in this walk-through, so no group limit can be breached.
	noGroup := loan.HeadroomFunc(func(context.Context, string, decimal.Decimal) ([]loan.Breach, error) { return nil, nil })
	wf, err := loan.New(loan.Config{Matrix: matrix}, noGroup)
	if err != nil {
		return err
	}
	var (
		maker      = loan.Actor{ID: "officer-7", Roles: []loan.Role{loan.RoleMaker, loan.RoleApprover}, Authority: decimal.RequireFromString("1000000")}
		officer    = loan.Actor{ID: officerID, Roles: []loan.Role{loan.RoleOfficer}}
		supervisor = loan.Actor{ID: "chen.jie", Roles: []loan.Role{loan.RoleSupervisor}}
		approver   = loan.Actor{ID: "liu.yang", Roles: []loan.Role{loan.RoleApprover}, Authority: decimal.RequireFromString("1000000")}
	)
	store := loan.NewMemStore()
	app, ev, err := wf.Open(ctx, store, maker, now(), loan.Draft{ID: "L-1", Customer: c.Number.String(),
		CustomerKind: loan.CustomerIndividual, Product: "consumer", Amount: decimal.RequireFromString("150000"),
		TermMonths: 36, Purpose: "home renovation", Repayment: loan.RepaymentEqualInstalments, Security: loan.SecurityNone})
	if err != nil {
		return err
	}
	show := func(ev loan.Event) {
		from := "-"
		if ev.From.Valid() {
			from = ev.From.String()
		}
		fmt.Fprintf(w, "v%-2d %-12s by %-9s (%s): %s -> %s\n", ev.Version, ev.Action, ev.Actor, ev.Role, from, ev.To)
	}
	show(ev)
	step := func(a loan.Actor, cmd loan.Command) error {
		app, ev, err = wf.Execute(ctx, store, app.ID, app.Version, a, now(), cmd)
		if err != nil {
			return err
		}
		if ev.Action != loan.ActionReceiveDocument && ev.Action != loan.ActionVerifyDocument {
			show(ev)
		}
		return nil
	}
	required := wf.Required(app)
	fmt.Fprintln(w, "documents required:", required)
	for _, k := range required {
		if err := step(maker, loan.ReceiveDocument{Kind: k, Reference: "dms://L-1/" + k.String()}); err != nil {
			return err
		}
	}
	if err := step(maker, loan.Submit{Comment: "complete dossier"}); err != nil {
		return err
	}
	for _, k := range required {
		if err := step(officer, loan.VerifyDocument{Kind: k}); err != nil {
			return err
		}
	}
	for _, cmd := range []struct {
		by  loan.Actor
		cmd loan.Command
	}{
		{officer, loan.Assess{Report: r}},
		{supervisor, loan.Assign{Officer: officer.ID}},
		{officer, loan.StartReview{Comment: "income and bureau record checked"}},
	} {
		if err := step(cmd.by, cmd.cmd); err != nil {
			return err
		}
	}

	_, _, err = wf.Execute(ctx, store, app.ID, app.Version, maker, now(),
		loan.Decide{Stage: 1, Verdict: loan.VerdictApprove, Comment: "my own customer"})
	if !errors.Is(err, loan.ErrFourEyes) {
		return fmt.Errorf("expected the four-eyes rule to refuse the maker, got %v", err)
	}
	fmt.Fprintf(w, "refused: %v\n", err)

	if err := step(approver, loan.Decide{Stage: 1, Verdict: loan.VerdictApprove, Comment: "within the assessed limit",
		Amount: r.Limit}); err != nil {
		return err
	}
	fmt.Fprintf(w, "%s %s %s, version %d\n", app.ID, app.Status, app.ApprovedAmount, app.Version)
	return nil
}

// individual returns a customer record as an officer would fill it in; the birth date and
// gender are read from the identity number when it parses.
func individual(name, id, mobile, branch string) customer.Customer {
	var birth time.Time
	var gender customer.Gender
	if rid, err := customer.ParseResidentID(id); err == nil {
		birth, gender = rid.BirthDate(), rid.Gender()
	}
	return customer.Customer{
		Kind:    customer.KindIndividual,
		Branch:  branch,
		Officer: "officer-7",
		Individual: &customer.Individual{
			Name: name, Gender: gender, BirthDate: birth, Nationality: "CN",
			DocType: customer.DocResidentID, DocNumber: id, Mobile: mobile,
			Address: customer.Address{Province: "北京市", City: "北京市", District: "朝阳区", Street: "建国路88号", Postcode: "100022"},
		},
	}
}

func enterprise(name, code string) customer.Customer {
	return customer.Customer{
		Kind:    customer.KindEnterprise,
		Branch:  "FZ01",
		Officer: "officer-7",
		Enterprise: &customer.Enterprise{
			LegalName: name, CreditCode: code, LegalRep: "林明",
			RegisteredCapital: customer.Money{Amount: decimal.RequireFromString("5000000.00"), Currency: "CNY"},
			Industry:          customer.IndustryI,
			Established:       time.Date(2015, 6, 18, 0, 0, 0, 0, time.UTC),
			Address:           customer.Address{Province: "福建省", City: "福州市", District: "鼓楼区", Street: "五四路100号", Postcode: "350001"},
			ContactName:       "陈静", ContactMobile: "13600000001",
		},
	}
}
