package server

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
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

// jsonName is the JSON name of a struct field.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" {
		return f.Name
	}
	return name
}
