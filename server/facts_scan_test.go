package server

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/server/demo"
)

// scanFacts accepts the facts clients send, in encoding/json's form and in the test
// applicant's hand-written one, and decodes them as credit.DecodeFacts does; so the fast
// path is taken, not merely safe.
func TestScanFactsAcceptsPlainFacts(t *testing.T) {
	bank, err := demo.Generate(demo.Config{})
	require.NoError(t, err)
	docs := [][]byte{[]byte(applicantJSON(t))}
	for _, c := range bank.Customers[:200] {
		doc, err := json.Marshal(&c.Facts)
		require.NoError(t, err)
		docs = append(docs, doc)
	}
	for _, doc := range docs {
		want, err := credit.DecodeFacts(doc)
		require.NoError(t, err)
		got, ok := scanFacts(doc)
		require.True(t, ok, "%s", doc)
		require.Equal(t, want, got)
	}
	for _, doc := range []string{`{}`, ` { } `, `null`, `{"income":null,"bureau":{}}`,
		`{"request":{"amount":150000.50,"term_months":12},"profile":{"age":-0},"bureau":{"utilisation":1E-2,"no_file":false}}`} {
		want, err := credit.DecodeFacts([]byte(doc))
		require.NoError(t, err)
		got, ok := scanFacts([]byte(doc))
		require.True(t, ok, doc)
		assert.Equal(t, want, got, doc)
	}
}

// What scanFacts leaves to credit.DecodeFacts: input outside its plain shape, valid or not.
func TestScanFactsRefuses(t *testing.T) {
	for _, doc := range []string{
		``, `[]`, `{`, `{}x`, `{"income":{}}}`, `{,}`, `{"income":{},}`,
		`{"Income":{}}`, `{"income":{"Monthly":"1"}}`, `{"salary":1}`, // other case, unknown
		`{"income":{"monthly":"1"},"income":{}}`, `{"bureau":{"late_fees":1,"late_fees":2}}`, // duplicates
		`{"income":{"employment":"priv\u0061te"}}`, `{"income":{"monthly":"１"}}`, // escape, non-ASCII
		`{"profile":{"age":1.0}}`, `{"profile":{"age":1e2}}`, `{"profile":{"age":"34"}}`, `{"profile":{"age":01}}`,
		`{"profile":{"age":99999999999999999999}}`, `{"bureau":{"utilisation":1e400}}`, `{"bureau":{"utilisation":.5}}`,
		`{"bureau":{"utilisation":1.}}`, `{"bureau":{"utilisation":1e}}`, `{"bureau":{"utilisation":-}}`,
		`{"income":{"verified":"true"}}`, `{"income":{"verified":1}}`, `{"income":{"verified":nul}}`,
		`{"income":{"monthly":" 1"}}`, `{"income":{"monthly":"0x10"}}`, `{"income":{"monthly":true}}`,
		`{"income":{"monthly":"1` + strings.Repeat("0", 64) + `"}}`, // longer than an amount needs
		`{"income":{"employment":"Private"}}`, `{"income":{"employment":1}}`, `{"income":[]}`, `{"request":"x"}`,
	} {
		_, ok := scanFacts([]byte(doc))
		assert.False(t, ok, doc)
	}
}

// The scanner's key lists are the JSON names of the struct fields, in order, so that its
// switches (whose last case is the default) read each member into its field.
func TestFactsScanKeysAreTheTags(t *testing.T) {
	for _, c := range []struct {
		keys []string
		of   reflect.Type
	}{
		{factsKeys, reflect.TypeFor[credit.Facts]()},
		{bureauKeys, reflect.TypeFor[credit.Bureau]()},
		{incomeKeys, reflect.TypeFor[credit.Income]()},
		{capacityKeys, reflect.TypeFor[credit.Capacity]()},
		{profileKeys, reflect.TypeFor[credit.Profile]()},
		{enterpriseKeys, reflect.TypeFor[credit.Enterprise]()},
		{requestKeys, reflect.TypeFor[credit.Request]()},
	} {
		var names []string
		for i := range c.of.NumField() {
			names = append(names, jsonName(c.of.Field(i)))
		}
		assert.Equal(t, names, c.keys, "%s", c.of)
	}
}
