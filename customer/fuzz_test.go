package customer_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/customer"
)

func FuzzParseResidentID(f *testing.F) {
	for _, s := range []string{standardID, "11010519491231002x", "110105194912310021", "", "1101051949123100\xff2X"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := customer.ParseResidentID(s)
		if err != nil {
			require.ErrorIs(t, err, customer.ErrBadResidentID)
			return
		}
		again, err := customer.ParseResidentID(id.String())
		require.NoError(t, err)
		assert.Equal(t, id, again)
		assert.NotZero(t, id.Gender())
		assert.Len(t, id.Region(), 6)
		assert.GreaterOrEqual(t, id.BirthDate().Year(), 1900)
	})
}

func FuzzParseUSCC(f *testing.F) {
	for _, s := range []string{"91350100M000100Y43", "91350100M000100Y44", "", "Y1440300MA5ABCDEF0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, err := customer.ParseUSCC(s)
		if err != nil {
			require.ErrorIs(t, err, customer.ErrBadUSCC)
			return
		}
		assert.Equal(t, s, code.String())
	})
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"P00000000017", "E00000000013", "P00000000000", "", "P9999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := customer.ParseNumber(s)
		if err != nil {
			require.ErrorIs(t, err, customer.ErrBadNumber)
			return
		}
		assert.Equal(t, s, n.String())
		back, err := customer.NewNumber(n.Kind(), n.Sequence())
		require.NoError(t, err)
		assert.Equal(t, n, back)
	})
}

func FuzzDecodeCursor(f *testing.F) {
	n, err := customer.NewNumber(customer.KindIndividual, 5)
	require.NoError(f, err)
	f.Add(customer.Cursor{Index: "name", Key: []byte("key"), Number: n}.Encode())
	f.Add("")
	f.Add("AQRuYW1lAA")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := customer.DecodeCursor(s)
		if err != nil {
			require.ErrorIs(t, err, customer.ErrBadCursor)
			return
		}
		back, err := customer.DecodeCursor(c.Encode())
		require.NoError(t, err)
		assert.Equal(t, c, back)
	})
}

// FuzzCustomerJSON decodes arbitrary JSON into a Customer, validates it and registers it:
// nothing may panic, and anything registered must read back.
func FuzzCustomerJSON(f *testing.F) {
	valid, err := json.Marshal(func() customer.Customer {
		c := person()
		c.Status = customer.StatusActive
		return c
	}())
	require.NoError(f, err)
	f.Add(string(valid))
	ent := company()
	ent.Status = customer.StatusActive
	validEnt, err := json.Marshal(ent)
	require.NoError(f, err)
	f.Add(string(validEnt))
	f.Add(`{"kind":"individual","individual":{"doc_type":"resident_id","doc_number":"11010519491231002x"}}`)
	f.Add(`{"kind":"enterprise","enterprise":{"registered_capital":{"amount":"-1e99999"}}}`)
	f.Add(`{"number":"P00000000017","tags":[null,""]}`)
	v := newValidator(f)
	f.Fuzz(func(t *testing.T, s string) {
		var c customer.Customer
		if json.Unmarshal([]byte(s), &c) != nil {
			return
		}
		require.Equal(t, v.ReflectTagsPass(c), v.FastTagsPass(c), "fast path and validator/v10 disagree")
		err := v.Validate(c)
		if err != nil {
			var ve *customer.ValidationError
			require.ErrorAs(t, err, &ve)
			require.NotEmpty(t, ve.Problems)
			return
		}
		store, err := customer.NewMemStore(customer.Config{Validator: v, Now: func() time.Time { return fixedNow }})
		require.NoError(t, err)
		got, err := store.Register(t.Context(), c, "fuzz")
		require.NoError(t, err)
		back, err := store.Get(t.Context(), got.Number)
		require.NoError(t, err)
		assert.Equal(t, got.Name(), back.Name())
	})
}
