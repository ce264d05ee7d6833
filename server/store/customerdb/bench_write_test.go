package customerdb

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/customer/customertest"
	"github.com/creditkit/creditkit/server/pii"
	"github.com/creditkit/creditkit/server/store"
)

// benchPerson returns the i-th distinct valid individual of the write benchmarks.
func benchPerson(i int) customer.Customer {
	birth := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/999)
	c := customertest.Person("王小"+string(given[i%len(given)]), customertest.ResidentID("110105", birth, i%999+1),
		fmt.Sprintf("13%09d", i), "BR01", "o-1")
	c.Individual.Email = fmt.Sprintf("p%d@example.com", i)
	return c
}

// benchEmptyRepo opens a fresh SQLite archive for a write benchmark.
func benchEmptyRepo(b *testing.B) (*store.Store, *Repo) {
	b.Helper()
	st, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	r, err := New(st, benchConfig(b))
	if err != nil {
		b.Fatal(err)
	}
	return st, r
}

// BenchmarkRegister registers one customer per transaction (Register: prepare, number,
// insert, spellings, revision, commit with synchronous=FULL).
func BenchmarkRegister(b *testing.B) {
	_, r := benchEmptyRepo(b)
	ctx := context.Background()
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Register(ctx, benchPerson(i), "bench"); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkRegisterBatch registers customers 100 per transaction under store.Store.PrepareInTx, as the
// server's group commit does; Prepare runs outside the transaction. The figure is per
// customer.
func BenchmarkRegisterBatch(b *testing.B) {
	st, r := benchEmptyRepo(b)
	ctx := context.Background()
	const batch = 100
	i := 0
	drafts := make([]Draft, 0, batch)
	b.ReportAllocs()
	for b.Loop() {
		d, err := r.Prepare(benchPerson(i))
		if err != nil {
			b.Fatal(err)
		}
		drafts = append(drafts, d)
		i++
		if len(drafts) < batch {
			continue
		}
		err = st.Tx(ctx, func(tx *sql.Tx) error {
			tctx := st.PrepareInTx(ctx, tx)
			for _, d := range drafts {
				if _, err := r.RegisterTx(tctx, tx, d, "bench", 0); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		drafts = drafts[:0]
	}
}

// BenchmarkUpdate changes one customer's mobile and e-mail per transaction.
func BenchmarkUpdate(b *testing.B) {
	_, r := benchEmptyRepo(b)
	ctx := context.Background()
	const n = 200
	stored := make([]customer.Customer, n)
	for i := range stored {
		c, err := r.Register(ctx, benchPerson(i), "bench")
		if err != nil {
			b.Fatal(err)
		}
		stored[i] = c
	}
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		c := stored[i%n]
		c.Individual.Mobile = fmt.Sprintf("139%08d", i)
		c.Individual.Email = fmt.Sprintf("u%d@example.com", i)
		out, err := r.Update(ctx, c, "bench")
		if err != nil {
			b.Fatal(err)
		}
		stored[i%n] = out
		i++
	}
}

// BenchmarkGetJSON reads one customer's JSON by number, the server's GET path.
func BenchmarkGetJSON(b *testing.B) {
	n := benchSize(b)
	r := benchArchive(b, n)
	runTimed(b, func(i int) error {
		num, _ := customer.NewNumber(customer.KindIndividual, uint64(1+(i*7919)%n))
		_, err := r.GetJSON(context.Background(), num)
		return err
	})
}

// BenchmarkMobileSearch finds a customer by exact mobile, the blind-index path.
func BenchmarkMobileSearch(b *testing.B) {
	n := benchSize(b)
	r := benchArchive(b, n)
	runTimed(b, func(i int) error {
		p, _, err := r.SearchJSON(context.Background(), customer.Query{Mobile: fmt.Sprintf("13%09d", 1+(i*7919)%n)})
		if err == nil && len(p) != 1 {
			err = fmt.Errorf("%d found", len(p))
		}
		return err
	})
}

// benchRing seals the benchmarks' archives; its fixed key lets a stored archive be
// reopened by later runs.
var benchRing = func() *pii.Keyring {
	ring, err := pii.NewKeyring(bytes.Repeat([]byte{7}, pii.KeySize))
	if err != nil {
		panic(err)
	}
	return ring
}()

// benchConfig is the Config of the benchmarks' repositories.
func benchConfig(testing.TB) Config { return Config{Keyring: benchRing} }

// BenchmarkSealCustomer is the CPU a write spends encoding a customer: sealing its four
// personal values and encoding the JSON (sub-benchmark plain: encoding alone, as before
// sealing).
func BenchmarkSealCustomer(b *testing.B) {
	c := benchPerson(1)
	c.Number, _ = customer.NewNumber(customer.KindIndividual, 1)
	b.Run("sealed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := sealCustomer(benchRing, c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("plain", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(c); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkOpenJSON is the CPU a read spends opening one customer's stored JSON (GetJSON,
// SearchJSON), and opening a decoded customer (Get, Search).
func BenchmarkOpenJSON(b *testing.B) {
	c := benchPerson(1)
	c.Number, _ = customer.NewNumber(customer.KindIndividual, 1)
	data, err := sealCustomer(benchRing, c)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := openJSON(benchRing, c.Number, data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decoded", func(b *testing.B) {
		var s customer.Customer
		if err := json.Unmarshal(data, &s); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			x := s
			in := *s.Individual
			x.Individual = &in
			if err := openCustomer(benchRing, c.Number.String(), &x); err != nil {
				b.Fatal(err)
			}
		}
	})
}
