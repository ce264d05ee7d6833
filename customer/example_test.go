package customer_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/customer/customertest"
)

func ExampleParseResidentID() {
	id, err := customer.ParseResidentID("11010519491231002x")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(id, id.BirthDate().Format(time.DateOnly), id.Gender(), id.Region(), id.Masked())

	_, err = customer.ParseResidentID("110105194912310021")
	fmt.Println(errors.Is(err, customer.ErrBadResidentID), err)
	// Output:
	// 11010519491231002X 1949-12-31 female 110105 110105********002X
	// true customer: invalid resident identity number "110105********0021": check character mismatch
}

func ExampleParseUSCC() {
	code, err := customer.ParseUSCC("91350100M000100Y43")
	fmt.Println(code, code.Region(), err)
	_, err = customer.ParseUSCC("91350100M000100Y44")
	fmt.Println(err)
	// Output:
	// 91350100M000100Y43 350100 <nil>
	// customer: invalid unified social credit code "91350100M000100Y44": check character mismatch
}

func ExampleParseNumber() {
	n, err := customer.NewNumber(customer.KindIndividual, 42)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(n)
	back, err := customer.ParseNumber(n.String())
	fmt.Println(back == n, back.Kind(), back.Sequence(), err)
	_, err = customer.ParseNumber("P00000000402") // last two digits swapped
	fmt.Println(errors.Is(err, customer.ErrBadNumber))
	// Output:
	// P00000000420
	// true individual 42 <nil>
	// true
}

func ExampleValidator_Validate() {
	v, err := customer.NewValidator(func() time.Time { return time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC) })
	if err != nil {
		fmt.Println(err)
		return
	}
	c := customertest.Person("张三", "11010519491231002X", "12800000000", "BJ01", "o-1")
	c.Individual.Address.Postcode = "1000"
	var ve *customer.ValidationError
	if errors.As(v.Validate(c), &ve) {
		for _, p := range ve.Problems {
			fmt.Printf("%s [%s] %s / %s\n", p.Path, p.Rule, p.Message, p.MessageZH)
		}
	}
	// Output:
	// individual.mobile [cnmobile] mobile must be a mainland mobile number (11 digits starting 13–19, optional +86) / mobile必须是有效的中国大陆手机号码
	// individual.address.postcode [postcode] postcode must be a 6-digit postcode / postcode必须是6位数字邮政编码
}

func ExampleMemStore() {
	ctx := context.Background()
	store, err := customer.NewMemStore(customer.Config{Now: func() time.Time { return time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC) }})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range []customer.Customer{
		customertest.Person("张三", "11010519491231002X", "13800000000", "BJ01", "o-1"),
		customertest.Person("李四", customertest.ResidentID("310101", time.Date(1985, 5, 6, 0, 0, 0, 0, time.UTC), 11), "13900000000", "SH01", "o-2"),
	} {
		if _, err := store.Register(ctx, p, "o-1"); err != nil {
			fmt.Println(err)
			return
		}
	}
	_, err = store.Register(ctx, customertest.Person("张小三", "11010519491231002X", "13700000000", "BJ01", "o-1"), "o-1")
	fmt.Println(err)

	page, err := store.List(ctx, 10, "")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range page.Customers {
		fmt.Println(c.Number, c.Name())
	}
	hits, err := store.Search(ctx, customer.Query{Pinyin: "zs"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("zs:", hits.Customers[0].Name())

	_, err = store.Search(ctx, customer.Query{Filters: map[string]string{"colour": "red"}})
	fmt.Println(errors.Is(err, customer.ErrBadQuery))
	// Output:
	// customer: individual.doc_number 110105********002X already belongs to customer P00000000017
	// P00000000025 李四
	// P00000000017 张三
	// zs: 张三
	// true
}

func ExampleDecodeCursor() {
	_, err := customer.DecodeCursor("not a cursor")
	var ce *customer.CursorError
	fmt.Println(errors.As(err, &ce), errors.Is(err, customer.ErrBadCursor))
	// Output:
	// true true
}

func ExampleIndexer_Spellings() {
	x := customer.NewIndexer()
	full, initials := x.Spellings("单田芳")
	fmt.Println(full, initials)
	full, initials = x.Spellings("张三")
	fmt.Println(full, initials)
	// Output:
	// [dantianfang chantianfang shantianfang] [dtf ctf stf]
	// [zhangsan] [zs]
}

func ExampleMaskID() {
	fmt.Println(customer.MaskID("11010519491231002X"))
	// Output:
	// 110105********002X
}

func ExampleParseFilters() {
	f, err := customer.ParseFilters(map[string]string{"kind": "individual", "min_age": "18"})
	fmt.Println(f.Kind, f.MinAge, err)
	_, err = customer.ParseFilters(map[string]string{"colour": "red"})
	fmt.Println(err)
	// Output:
	// individual 18 <nil>
	// customer: invalid query: filters.colour: unknown filter
}

func ExampleDiff() {
	old := customer.Customer{Kind: customer.KindIndividual, Version: 1, Individual: &customer.Individual{
		Name: "张三", DocNumber: "11010519491231002X", Mobile: "13800000001"}}
	cur := old
	ind := *old.Individual
	ind.Mobile, ind.DocNumber = "13911112222", "110105194912310021"
	cur.Individual, cur.Version = &ind, 2
	for _, ch := range customer.Diff(old, cur) {
		fmt.Println(ch.Path, ch.Old, "->", ch.New)
	}
	// Output:
	// individual.doc_number 110105********002X -> 110105********0021
	// individual.mobile 13800000001 -> 13911112222
}
