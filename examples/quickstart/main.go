// Command quickstart shows customer intake end to end with the in-memory archive: register
// individuals and an enterprise, see validation problems in English and Chinese, refuse a
// duplicate identity number, list the archive in pinyin order, search by pinyin initials and
// refuse an update made from a stale version.
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

	"github.com/creditkit/creditkit/customer"
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
