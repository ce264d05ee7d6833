// Package customer records customers and keeps the customer archive (客户录入, 客户档案):
// individual and enterprise customers, their validation, self-checking customer numbers, an
// archive ordered by name in pinyin collation with cursor pages and search, version history
// and a contact log.
//
// Identity documents follow the national standards: ParseResidentID checks a resident
// identity number (GB 11643, ISO 7064 MOD 11-2) and yields birth date, gender and region;
// ParseUSCC checks a unified social credit code (GB 32100, MOD 31). ParseNumber refuses a
// mistyped customer number before any lookup.
//
// A Validator (built once with NewValidator and reused) reports every problem of a record at
// once in a *ValidationError, each with a JSON path, a rule and messages in English and
// Chinese; identity numbers are masked. Store is the archive's interface; MemStore is the
// in-memory implementation, and customertest.Run is the conformance suite any Store must pass.
//
//	store, err := customer.NewMemStore(customer.Config{})
//	if err != nil { ... }
//	c, err := store.Register(ctx, customer.Customer{Kind: customer.KindIndividual, ...}, "officer-7")
//	var dup *customer.DuplicateError
//	if errors.As(err, &dup) {
//		fmt.Println("already a customer:", dup.Existing)
//	}
//	page, err := store.Search(ctx, customer.Query{Pinyin: "zs", Limit: 20})
//
// Name order uses the Chinese collation of golang.org/x/text/collate (pinyin order for Han
// characters, Latin letters case-insensitively and before Han), ties broken by customer
// number. Pinyin search matches a prefix of the full spelling or of the initials; for the
// surname every heteronym reading is indexed (单 dan/shan/chan, 曾 ceng/zeng), for the other
// characters only the most common reading.
package customer
