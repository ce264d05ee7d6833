package tree_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/creditkit/creditkit/tree"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
)

// rowsFromBytes turns fuzz bytes into rows, five bytes a row: ID, parent, kind, customer
// number and a signed amount in hundredths (exposure or limit by kind). Small ranges make
// duplicates, cycles, unknown parents and misplaced kinds likely.
func rowsFromBytes(data []byte) []tree.Row {
	var rows []tree.Row
	for len(data) >= 5 {
		b := data[:5]
		data = data[5:]
		r := tree.Row{
			ID:     tree.ID(b[0] % 24),
			Parent: tree.ID(b[1] % 25),
			Kind:   tree.Kind(b[2] % 6),
			Name:   []string{"", "华润", "Bank", "张伟", "x"}[b[2]/6%5],
		}
		amount := decimal.New(int64(int8(b[4])), -int32(b[3]%4))
		switch r.Kind {
		case tree.KindCustomer:
			r.Customer = fmt.Sprint("C", b[3]%8)
			r.Exposure = amount
		default:
			if b[3]&0x80 != 0 {
				r.Limit = decimal.NewNullDecimal(amount)
			}
		}
		rows = append(rows, r)
	}
	return rows
}

// FuzzBuild checks that Build either returns a tree that keeps every invariant and
// round-trips through Rows and JSON, or an *InputError with problems; never a panic.
func FuzzBuild(f *testing.F) {
	f.Add([]byte{1, 0, 1, 0, 0})
	f.Add([]byte{1, 0, 1, 0, 0, 2, 1, 2, 0x81, 50, 3, 2, 3, 0, 0, 4, 3, 4, 1, 20})
	f.Add([]byte{1, 0, 1, 0, 0, 2, 3, 3, 0, 0, 3, 2, 3, 0, 0})
	f.Add([]byte{1, 0, 1, 0, 0, 2, 1, 4, 1, 0xff, 2, 1, 4, 1, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		rows := rowsFromBytes(data)
		tr, err := tree.Build(rows)
		if err != nil {
			var ie *tree.InputError
			require.True(t, errors.As(err, &ie), "%v", err)
			require.NotEmpty(t, ie.Problems)
			require.Nil(t, tr)
			return
		}
		require.NoError(t, tree.CheckInvariants(tr))
		require.Equal(t, len(rows), tr.Len())
		again, err := tree.Build(tr.Rows())
		require.NoError(t, err)
		require.Equal(t, dump(t, tr), dump(t, again))
	})
}

// FuzzImport checks that Import of any bytes either fails with an *InputError or gives a tree
// that keeps every invariant and exports to JSON that imports to the same tree.
func FuzzImport(f *testing.F) {
	f.Add([]byte(`{"version":1,"nodes":[{"id":1,"kind":"bank","name":"B"}]}`))
	data, err := smallBankRowsJSON()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(`{"version":1,"nodes":[{"id":1,"kind":"bank","name":"B"},{"id":2,"parent":1,"kind":"branch","name":"b"},{"id":3,"parent":2,"kind":"customer","name":"c","customer":"C1","exposure":"1.5"},{"id":4,"parent":2,"kind":"customer","name":"d","customer":"C2","exposure":"2"}],"links":[{"from":"C1","to":"C2","kind":"control","share":"0.6"}]}`))
	f.Add([]byte(`{"version":1,"nodes":[{"id":1,"kind":"bank","name":"B","limit":"1e400"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := tree.Import(data)
		if err != nil {
			var ie *tree.InputError
			require.True(t, errors.As(err, &ie), "%v", err)
			require.Nil(t, tr)
			return
		}
		require.NoError(t, tree.CheckInvariants(tr))
		out := dump(t, tr)
		again, err := tree.Import([]byte(out))
		require.NoError(t, err)
		require.Equal(t, out, dump(t, again))
	})
}

func smallBankRowsJSON() ([]byte, error) {
	t := smallBank()
	if err := t.Link(tree.Link{From: "C001", To: "C004", Kind: tree.LinkKeyManagement}); err != nil {
		return nil, err
	}
	return t.MarshalJSON()
}

// FuzzOps applies a sequence of writes decoded from bytes (three bytes an operation) to a
// small bank and checks after each one that the tree keeps every invariant, and that a failed
// write changed nothing.
func FuzzOps(f *testing.F) {
	f.Add([]byte{0, 5, 3, 1, 4, 9, 2, 3, 0, 3, 6, 40})
	f.Add([]byte{4, 4, 6, 0, 2, 5, 1, 5, 1, 2, 2, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		tr := smallBank()
		for len(data) >= 3 {
			op, a, b := data[0]%6, tree.ID(data[1]%14), data[2]
			data = data[3:]
			before := dump(t, tr)
			var err error
			switch op {
			case 0:
				err = tr.Move(a, tree.ID(b%14))
			case 1:
				err = tr.Remove(a, b%2 == 0)
			case 2:
				_, err = tr.Add(tree.Row{Parent: a, Kind: tree.Kind(b%4 + 1), Name: "n", Customer: fmt.Sprint("F", b), Exposure: decimal.New(int64(b), -1)})
			case 3:
				err = tr.SetExposure(fmt.Sprint("C00", b%6), decimal.New(int64(int8(b)), 0))
			case 4:
				err = tr.SetLimit(a, decimal.NewNullDecimal(decimal.New(int64(int8(b)), 0)))
			case 5:
				err = tr.Link(tree.Link{From: fmt.Sprint("C00", b%5), To: fmt.Sprint("C00", b/5%5), Kind: tree.LinkKind(b%5 + 0)})
			}
			require.NoError(t, tree.CheckInvariants(tr))
			if err != nil {
				require.Equal(t, before, dump(t, tr), "a failed write changed the tree: %v", err)
			}
		}
		_, err := tr.Connected(decimal.Zero)
		require.NoError(t, err)
	})
}
