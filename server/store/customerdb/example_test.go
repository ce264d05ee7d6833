package customerdb_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/customer/customertest"
	"github.com/creditkit/creditkit/server/pii"
	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/customerdb"
	"github.com/creditkit/creditkit/tree"
)

// openExample opens a fresh SQLite database in a temporary directory.
func openExample() (*store.Store, func(), error) {
	dir, err := os.MkdirTemp("", "customerdb")
	if err != nil {
		return nil, nil, err
	}
	st, err := store.Open(context.Background(), filepath.Join(dir, "creditkit.db"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return st, func() { st.Close(); os.RemoveAll(dir) }, nil
}

// exampleRing returns a keyring with a fresh data key; a server loads its keys with
// pii.Load.
func exampleRing() *pii.Keyring {
	ring, err := pii.NewKeyring(pii.GenerateKey())
	if err != nil {
		panic(err)
	}
	return ring
}

// exampleRepo opens a fresh database with a Repo over it and its bank's root node.
func exampleRepo(ctx context.Context) (*customerdb.Repo, *store.Store, func(), error) {
	st, done, err := openExample()
	if err != nil {
		return nil, nil, nil, err
	}
	repo, err := customerdb.New(st, customerdb.Config{Keyring: exampleRing()})
	if err == nil {
		err = repo.EnsureRoot(ctx, "示例银行")
	}
	if err != nil {
		done()
		return nil, nil, nil, err
	}
	return repo, st, done, nil
}

func person(name string, seq int) customer.Customer {
	id := customertest.ResidentID("110105", time.Date(1980, 1, 1+seq, 0, 0, 0, 0, time.UTC), seq)
	return customertest.Person(name, id, "13800000000", "BJ01", "o-1")
}

// A Repo is a customer.Store: names come back in pinyin order, and a pinyin prefix finds
// them, from SQLite as from PostgreSQL.
func Example() {
	ctx := context.Background()
	st, done, err := openExample()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer done()
	repo, err := customerdb.New(st, customerdb.Config{Keyring: exampleRing()})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, name := range []string{"赵六", "张三", "李四", "Alice"} {
		if _, err := repo.Register(ctx, person(name, i+1), "o-1"); err != nil {
			fmt.Println(err)
			return
		}
	}
	_, err = repo.Register(ctx, person("张三丰", 2), "o-1") // 张三's identity number again
	var dup *customer.DuplicateError
	fmt.Println(errors.As(err, &dup), dup.Existing)

	page, _ := repo.List(ctx, 10, "")
	for _, c := range page.Customers {
		fmt.Println(c.Number, c.Name())
	}
	found, _ := repo.Search(ctx, customer.Query{Pinyin: "zs"})
	fmt.Println(len(found.Customers), found.Customers[0].Name())
	// Output:
	// true P00000000025
	// P00000000049 Alice
	// P00000000030 李四
	// P00000000025 张三
	// P00000000017 赵六
	// 1 张三
}

// A change of the tree locks it, stamps its rows with the new version, and commits
// together with the customer it places; another process reads the change from the version
// on.
func ExampleRepo_LockTree() {
	ctx := context.Background()
	repo, st, done, err := exampleRepo(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer done()
	seen, _ := repo.TreeVersion(ctx)
	d, err := repo.Prepare(person("张三", 1))
	if err != nil {
		fmt.Println(err)
		return
	}
	err = st.Tx(ctx, func(tx *sql.Tx) error {
		v, err := repo.LockTree(ctx, tx)
		if err != nil {
			return err
		}
		branch, _ := repo.NextNodeID(ctx, tx)
		if _, err := repo.InsertNodeTx(ctx, tx, v, tree.Row{ID: branch, Parent: customerdb.RootID, Kind: tree.KindBranch,
			Name: "北京分行", Limit: decimal.NewNullDecimal(decimal.RequireFromString("1000000"))}); err != nil {
			return err
		}
		node, _ := repo.NextNodeID(ctx, tx)
		c, err := repo.RegisterTx(ctx, tx, d, "o-1", node)
		if err != nil {
			return err
		}
		if _, err := repo.InsertNodeTx(ctx, tx, v, tree.Row{ID: node, Parent: branch, Kind: tree.KindCustomer,
			Name: c.Name(), Customer: c.Number.String()}); err != nil {
			return err
		}
		_, err = repo.AddExposureTx(ctx, tx, v, c.Number.String(), 25_000_000) // 250000.00
		return err
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	changed, _ := repo.TreeChanges(ctx, nil, seen)
	for _, n := range changed {
		fmt.Println(n.ID, n.Kind, n.Name, n.Exposure)
	}
	_, rows, _ := repo.LoadTree(ctx)
	t, _ := tree.Build(rows)
	h, _, _ := t.Headroom(2)
	fmt.Println("headroom of the branch:", h)
	// Output:
	// 2 branch 北京分行 0
	// 3 customer 张三 250000
	// headroom of the branch: 750000
}

// A writer that seals and audits a new customer before its transaction gives the draft its
// number first, drawn ahead; RegisterTx then keeps it.
func ExampleRepo_Assign() {
	ctx := context.Background()
	repo, st, done, err := exampleRepo(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer done()
	d, err := repo.Prepare(person("张三", 1))
	if err == nil {
		d, err = repo.Assign(ctx, d)
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Customer().Number, d.Customer().Version, d.Customer().Status)
	var stored customer.Customer
	err = st.Tx(ctx, func(tx *sql.Tx) (err error) {
		stored, err = repo.RegisterTx(ctx, tx, d, "o-1", 0)
		return err
	})
	fmt.Println(stored.Number, err)
	// Output:
	// P00000000017 1 active
	// P00000000017 <nil>
}

// A node's ID can be drawn before the transaction that inserts the node.
func ExampleRepo_NewNodeID() {
	ctx := context.Background()
	repo, _, done, err := exampleRepo(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer done()
	first, err := repo.NewNodeID(ctx)
	second, _ := repo.NewNodeID(ctx)
	fmt.Println(first > customerdb.RootID, second == first+1, err)
	// Output: true true <nil>
}

// A writer that stores the work of many requests in one transaction checks all their
// customers there with one query: the missing one is absent from the answer.
func ExampleRepo_RefsTx() {
	ctx := context.Background()
	repo, st, done, err := exampleRepo(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer done()
	wang, err := repo.Register(ctx, person("王芳", 1), "example")
	if err != nil {
		fmt.Println(err)
		return
	}
	missing, _ := customer.NewNumber(customer.KindIndividual, 424242)
	err = st.Tx(ctx, func(tx *sql.Tx) error {
		refs, err := repo.RefsTx(ctx, tx, []customer.Number{wang.Number, missing, wang.Number})
		if err != nil {
			return err
		}
		ref := refs[wang.Number]
		_, found := refs[missing]
		fmt.Println(len(refs), ref.Kind, ref.Status, ref.Branch, found)
		return nil
	})
	fmt.Println(err)
	// Output:
	// 1 individual active BJ01 false
	// <nil>
}
