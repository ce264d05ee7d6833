package loan

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzParseMatrix feeds arbitrary bytes to the matrix parser: it must never panic, must fail
// only with a *ValidationError, and whatever it accepts must validate, route every positive
// amount, and survive a JSON round trip.
func FuzzParseMatrix(f *testing.F) {
	f.Add([]byte(testMatrixJSON))
	f.Add([]byte(`{"bands":[{"above":"0","routes":[{"stages":[{"name":"x","role":"approver","authority":"1"}]}]}],"override":{"role":"committee","authority":"1"}}`))
	f.Add([]byte(`{"bands":[{"above":"0","up_to":"-5","routes":[]}]}`))
	f.Add([]byte(`{"bands":[{"above":1e400}]}`))
	f.Add([]byte(`{} {}`))
	f.Add([]byte(`{"bands":null,"extra":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMatrix(data)
		if err != nil {
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			require.NotEmpty(t, ve.Problems)
			return
		}
		require.NoError(t, m.Validate())
		for _, amount := range []string{"0.01", "1", "200000", "200000.01", "1e12"} {
			_, err := m.Route(decimal.RequireFromString(amount), 1)
			assert.NoError(t, err, amount)
		}
		out, err := json.Marshal(m)
		require.NoError(t, err)
		back, err := ParseMatrix(out)
		require.NoError(t, err, string(out))
		again, err := json.Marshal(back)
		require.NoError(t, err)
		assert.JSONEq(t, string(out), string(again))
	})
}

// FuzzParseDossier: never panics, fails only with a *ValidationError, and an accepted dossier
// validates and answers Required for any application.
func FuzzParseDossier(f *testing.F) {
	f.Add([]byte(`{"rules":[{"documents":["application_form","identity"]},{"customer":"enterprise","security":["pledge"],"documents":["collateral"]}]}`))
	f.Add([]byte(`{"rules":[{"documents":[]}]}`))
	f.Add([]byte(`{"rules":[{"customer":"robot","documents":["x"]}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseDossier(data)
		if err != nil {
			var ve *ValidationError
			require.True(t, errors.As(err, &ve), "%v", err)
			return
		}
		require.NoError(t, d.Validate())
		for _, k := range []CustomerKind{CustomerIndividual, CustomerEnterprise} {
			for _, r := range d.Required("p", k, SecurityPledge) {
				assert.True(t, r.Valid())
			}
		}
	})
}

func TestEnumsText(t *testing.T) {
	tests := []struct {
		name string
		give []textEnum
		back func([]byte) (textEnum, error)
	}{
		{"status", asText(Statuses()), func(b []byte) (textEnum, error) { var v Status; err := v.UnmarshalText(b); return v, err }},
		{"action", asText(Actions()), func(b []byte) (textEnum, error) { var v Action; err := v.UnmarshalText(b); return v, err }},
		{"role", asText([]Role{RoleMaker, RoleOfficer, RoleSupervisor, RoleApprover, RoleCommittee}), func(b []byte) (textEnum, error) { var v Role; err := v.UnmarshalText(b); return v, err }},
		{"customer kind", asText([]CustomerKind{CustomerIndividual, CustomerEnterprise}), func(b []byte) (textEnum, error) { var v CustomerKind; err := v.UnmarshalText(b); return v, err }},
		{"repayment", asText([]Repayment{RepaymentEqualInstalments, RepaymentEqualPrincipal, RepaymentInterestOnly, RepaymentBullet}), func(b []byte) (textEnum, error) { var v Repayment; err := v.UnmarshalText(b); return v, err }},
		{"security", asText([]Security{SecurityNone, SecurityGuarantee, SecurityCollateral, SecurityPledge}), func(b []byte) (textEnum, error) { var v Security; err := v.UnmarshalText(b); return v, err }},
		{"document kind", asText([]DocumentKind{DocApplicationForm, DocIdentity, DocProofOfIncome, DocFinancialStatements, DocProofOfEmployment, DocGuarantee, DocCollateral, DocBusinessLicence}), func(b []byte) (textEnum, error) { var v DocumentKind; err := v.UnmarshalText(b); return v, err }},
		{"document status", asText([]DocumentStatus{DocumentReceived, DocumentVerified, DocumentRejected}), func(b []byte) (textEnum, error) { var v DocumentStatus; err := v.UnmarshalText(b); return v, err }},
		{"verdict", asText([]Verdict{VerdictApprove, VerdictReject, VerdictReturn}), func(b []byte) (textEnum, error) { var v Verdict; err := v.UnmarshalText(b); return v, err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, v := range tt.give {
				b, err := v.MarshalText()
				require.NoError(t, err)
				assert.Equal(t, v.String(), string(b))
				back, err := tt.back(b)
				require.NoError(t, err)
				assert.Equal(t, v, back)
			}
			_, err := tt.back([]byte(""))
			assert.Error(t, err, "the empty name is unset and rejected")
			_, err = tt.back([]byte("nonsense"))
			assert.Error(t, err)
		})
	}
	for _, v := range []textEnum{Status(0), Action(99), Role(0), CustomerKind(3), Repayment(0), Security(9), DocumentKind(0), DocumentStatus(4), Verdict(0)} {
		_, err := v.MarshalText()
		assert.Error(t, err, v.String())
	}
	assert.Equal(t, "Status(0)", Status(0).String())
}

type textEnum interface {
	MarshalText() ([]byte, error)
	String() string
}

func asText[T textEnum](vs []T) []textEnum {
	out := make([]textEnum, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

func TestMatrixValidate(t *testing.T) {
	stage := `{"name":"s","role":"approver","authority":"100"}`
	route := `{"stages":[` + stage + `]}`
	ovr := `,"override":{"role":"committee","authority":"1"}}`
	tests := []struct {
		name string
		give string
		want []string // problem paths
	}{
		{"gap between bands", `{"bands":[{"above":"0","up_to":"100","routes":[` + route + `]},{"above":"150","routes":[` + route + `]}]` + ovr, []string{"bands[1].above"}},
		{"overlap", `{"bands":[{"above":"0","up_to":"100","routes":[` + route + `]},{"above":"50","routes":[` + route + `]}]` + ovr, []string{"bands[1].above"}},
		{"first band not from zero", `{"bands":[{"above":"10","routes":[` + route + `]}]` + ovr, []string{"bands[0].above"}},
		{"open band in the middle", `{"bands":[{"above":"0","routes":[` + route + `]},{"above":"100","routes":[` + route + `]}]` + ovr, []string{"bands[0].up_to"}},
		{"closed last band", `{"bands":[{"above":"0","up_to":"100","routes":[` + route + `]}]` + ovr, []string{"bands[0].up_to"}},
		{"empty band", `{"bands":[{"above":"0","up_to":"0","routes":[` + route + `]},{"above":"0","routes":[` + route + `]}]` + ovr, []string{"bands[0].up_to"}},
		{"no routes", `{"bands":[{"above":"0","routes":[]}]` + ovr, []string{"bands[0].routes"}},
		{"no catch-all route", `{"bands":[{"above":"0","routes":[{"grades":["A"],"stages":[` + stage + `]}]}]` + ovr, []string{"bands[0].routes"}},
		{"two catch-all routes", `{"bands":[{"above":"0","routes":[` + route + `,` + route + `]}]` + ovr, []string{"bands[0].routes"}},
		{"grade twice", `{"bands":[{"above":"0","routes":[{"grades":["A"],"stages":[` + stage + `]},{"grades":["A"],"stages":[` + stage + `]},` + route + `]}]` + ovr, []string{"bands[0].routes[1].grades[0]"}},
		{"stage problems", `{"bands":[{"above":"0","routes":[{"stages":[{"name":"","role":"officer","authority":"-1","approvals":-1}]}]}]` + ovr, []string{"bands[0].routes[0].stages[0].name", "bands[0].routes[0].stages[0].role", "bands[0].routes[0].stages[0].authority", "bands[0].routes[0].stages[0].approvals"}},
		{"route without stages", `{"bands":[{"above":"0","routes":[{"stages":[]}]}]` + ovr, []string{"bands[0].routes[0].stages"}},
		{"bad override", `{"bands":[{"above":"0","routes":[` + route + `]}],"override":{"role":"maker","authority":"0"}}`, []string{"override.role", "override.authority"}},
		{"unknown field", `{"bands":[],"boss":"me"}`, []string{"$"}},
		{"unknown role name", `{"bands":[{"above":"0","routes":[{"stages":[{"name":"s","role":"ceo","authority":"1"}]}]}]` + ovr, []string{"$"}},
		{"unknown grade name", `{"bands":[{"above":"0","routes":[{"grades":["Z"],"stages":[` + stage + `]},` + route + `]}]` + ovr, []string{"$"}},
		{"trailing data", `{"bands":[{"above":"0","routes":[` + route + `]}]` + ovr + `{}`, []string{"$"}},
		{"valid", `{"bands":[{"above":"0","routes":[` + route + `]}]` + ovr, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMatrix([]byte(tt.give))
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			var paths []string
			for _, p := range ve.Problems {
				paths = append(paths, p.Path)
			}
			assert.Equal(t, tt.want, paths)
		})
	}
}

func TestRoute(t *testing.T) {
	m, err := ParseMatrix([]byte(testMatrixJSON))
	require.NoError(t, err)
	tests := []struct {
		name   string
		amount string
		grade  string
		want   []string
	}{
		{"small, good grade", "200000", "BBB", []string{"branch"}},
		{"small, worse grade", "0.01", "BB", []string{"branch", "committee"}},
		{"just above the band", "200000.01", "AAA", []string{"branch", "committee"}},
		{"default grade", "1000", "D", []string{"branch", "committee"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stages, err := m.Route(dec(tt.amount), grade(t, tt.grade))
			require.NoError(t, err)
			var names []string
			for _, s := range stages {
				names = append(names, s.Name)
			}
			assert.Equal(t, tt.want, names)
		})
	}
	_, err = m.Route(dec("0"), grade(t, "A"))
	assert.ErrorIs(t, err, ErrInvalid)
}

// FuzzApply decodes an application as a server would load it from storage and applies each
// kind of command to it: whatever the stored value holds, Apply must not panic, and on
// success the version grows by one and the event matches the new status.
func FuzzApply(f *testing.F) {
	w := newWorkflow(f)
	for _, s := range Statuses() {
		b, err := json.Marshal(inStatus(f, w, s))
		require.NoError(f, err)
		f.Add(b, uint8(s))
	}
	f.Add([]byte(`{"status":"under_review","stage":3,"stages":[{"name":"x","role":"approver","authority":"1"}]}`), uint8(7))
	f.Add([]byte(`{"status":"under_review","stage":1,"stages":[{"name":"x","role":"approver","authority":"1","approvals":2}],"decisions":[{"round":0,"stage":1,"actor":"a1","verdict":"approve","amount":"1"}]}`), uint8(7))
	commands := []struct {
		actor Actor
		cmd   Command
	}{
		{maker, Submit{}},
		{maker, ReceiveDocument{Kind: DocIdentity, Reference: "r"}},
		{officer, VerifyDocument{Kind: DocCollateral}},
		{officer, RejectDocument{Kind: DocIdentity, Reason: "x"}},
		{officer, Assess{Report: report(f, "BB", "1000")}},
		{supervisor, Assign{Officer: officer.ID}},
		{officer, StartReview{}},
		{approver, approve(1)},
		{committee, Decide{Stage: 2, Verdict: VerdictApprove, Comment: "x", OverrideReason: "y"}},
		{approver, Decide{Stage: 1, Verdict: VerdictReturn, Comment: "x"}},
		{maker, Withdraw{}},
	}
	f.Fuzz(func(t *testing.T, data []byte, pick uint8) {
		var app Application
		if json.Unmarshal(data, &app) != nil {
			return
		}
		c := commands[int(pick)%len(commands)]
		next, ev, err := w.Apply(context.Background(), app, c.actor, t0, c.cmd)
		if err != nil {
			return
		}
		assert.Equal(t, app.Version+1, next.Version)
		assert.Equal(t, next.Status, ev.To)
		assert.Equal(t, app.Status, ev.From)
	})
}

func TestApplicationJSON(t *testing.T) {
	w := newWorkflow(t)
	for _, s := range Statuses() {
		t.Run(s.String(), func(t *testing.T) {
			app := inStatus(t, w, s)
			b, err := json.Marshal(app)
			require.NoError(t, err)
			var back Application
			require.NoError(t, json.Unmarshal(b, &back))
			again, err := json.Marshal(back)
			require.NoError(t, err)
			assert.JSONEq(t, string(b), string(again))
			assert.Equal(t, app.Status, back.Status)
			assert.Equal(t, app.Amount.String(), back.Amount.String())
		})
	}
}
