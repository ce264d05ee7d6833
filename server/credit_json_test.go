package server

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/server/demo"
)

// The report, facts and request of every demo customer's assessment (individuals and
// enterprises, three requests each) encode byte for byte as encoding/json encodes them.
func TestEncodeAssessmentIsEncodingJSON(t *testing.T) {
	bank, err := demo.Generate(demo.Config{})
	require.NoError(t, err)
	s := &Server{cfg: Config{Now: creditClock}}
	s.credit.policy = credit.Config{Now: creditClock}
	assessors := map[string]*credit.Assessor{}
	for _, kind := range []string{"individual", "enterprise"} {
		card, err := credit.BuiltinCard(kind)
		require.NoError(t, err)
		data, err := cardBytes(card)
		require.NoError(t, err)
		assessors[kind], err = s.newAssessor(data)
		require.NoError(t, err)
	}
	products := map[string]credit.Product{"individual": credit.Consumer, "enterprise": credit.BusinessTerm}
	assessed := 0
	for _, c := range bank.Customers {
		kind := c.Customer.Kind.String()
		for i, amount := range []int64{20_000, 350_000, 4_000_000} {
			facts := c.Facts
			a, term, product, method := decimal.NewFromInt(amount), 12+24*i, products[kind], credit.Method(1+i%2)
			facts.Request = credit.Request{Amount: &a, TermMonths: &term, Product: &product, Method: &method}
			report, err := assessors[kind].Assess(facts)
			if err != nil {
				continue // refused facts have no report
			}
			assessed++
			doc, factsJSON, requestJSON, err := encodeAssessment(&report)
			require.NoError(t, err)
			for _, pair := range []struct {
				got []byte
				v   any
			}{{doc, &report}, {factsJSON, &report.Facts}, {requestJSON, &report.Facts.Request}} {
				want, err := json.Marshal(pair.v)
				require.NoError(t, err)
				require.Equal(t, string(want), string(pair.got), "customer %s", c.Key)
			}
		}
	}
	require.Greater(t, assessed, 2000, "most demo customers are assessable")
}

// TestMemberJSONKeysAreUnique checks what memberJSON needs of the report, its facts and
// their request: each member's next key is the field after it, no field before it has a
// member named like it, and its own value has none named like the next.
func TestMemberJSONKeysAreUnique(t *testing.T) {
	for _, c := range []struct {
		in        reflect.Type
		key, next string
	}{
		{reflect.TypeFor[credit.Report](), "facts", "points"},
		{reflect.TypeFor[credit.Facts](), "request", "blacklisted"},
	} {
		var before []reflect.Type
		found := false
		for i := 0; i < c.in.NumField(); i++ {
			f := c.in.Field(i)
			name := jsonName(f)
			if name != c.key {
				before = append(before, f.Type)
				continue
			}
			found = true
			require.Less(t, i+1, c.in.NumField(), "%s is not the last field", c.key)
			assert.Equal(t, c.next, jsonName(c.in.Field(i+1)), "the member after %s", c.key)
			assert.False(t, hasJSONKey(f.Type, c.next, map[reflect.Type]bool{}), "%s has a member %q", c.key, c.next)
			break
		}
		require.True(t, found, "%s has a member %q", c.in, c.key)
		for _, b := range before {
			assert.False(t, hasJSONKey(b, c.key, map[reflect.Type]bool{}), "%s, before %s, has a member %q", b, c.key, c.key)
		}
	}
	// hasJSONKey finds nested members (the bureau's, in the enterprise's) and not others.
	assert.True(t, hasJSONKey(reflect.TypeFor[credit.Enterprise](), "history_months", map[reflect.Type]bool{}))
	assert.False(t, hasJSONKey(reflect.TypeFor[credit.Enterprise](), "term_months", map[reflect.Type]bool{}))

	// memberJSON itself: a name inside a string is escaped, so it is not found there.
	doc := []byte(`{"a":"x\",\"b\":","b":{"c":1},"d":2}`)
	v, ok := memberJSON(doc, `,"b":`, `,"d":`)
	require.True(t, ok)
	assert.Equal(t, `{"c":1}`, string(v))
	_, ok = memberJSON(doc, `,"z":`, `,"d":`)
	assert.False(t, ok)
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" {
		return f.Name
	}
	return name
}

// hasJSONKey reports whether values of t can hold an object member named key.
func hasJSONKey(t reflect.Type, key string, seen map[reflect.Type]bool) bool {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
		if t.Kind() == reflect.Map {
			return true // any key
		}
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] {
		return false
	}
	seen[t] = true
	if t.Implements(reflect.TypeFor[json.Marshaler]()) || reflect.PointerTo(t).Implements(reflect.TypeFor[json.Marshaler]()) {
		return false // encodes itself (decimal, time): no members of ours
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() || f.Tag.Get("json") == "-" {
			continue
		}
		if jsonName(f) == key || hasJSONKey(f.Type, key, seen) {
			return true
		}
	}
	return false
}
