package loan

import (
	"fmt"
	"slices"
)

// Dossier says which documents an application needs, as rules: every rule that matches the
// application's product, customer kind and security adds its documents. Load one with
// [ParseDossier] or use [DefaultDossier]. A Dossier with no rules is invalid; the workflow
// uses [DefaultDossier] when its Config leaves the dossier empty.
type Dossier struct {
	Rules []DocumentRule `json:"rules"`
}

// DocumentRule adds Documents to every application it matches. An empty Product matches
// every product, a zero Customer both kinds, and an empty Security every kind of security.
type DocumentRule struct {
	Product   string         `json:"product,omitempty"`
	Customer  CustomerKind   `json:"customer,omitempty"`
	Security  []Security     `json:"security,omitempty"`
	Documents []DocumentKind `json:"documents"`
}

// DefaultDossier returns the usual requirements: an application form and identity for
// everyone; proof of income and proof of employment for individuals; business licence and
// financial statements for enterprises; guarantee documents when guaranteed; collateral
// documents when secured by collateral or a pledge.
func DefaultDossier() Dossier {
	return Dossier{Rules: []DocumentRule{
		{Documents: []DocumentKind{DocApplicationForm, DocIdentity}},
		{Customer: CustomerIndividual, Documents: []DocumentKind{DocProofOfIncome, DocProofOfEmployment}},
		{Customer: CustomerEnterprise, Documents: []DocumentKind{DocBusinessLicence, DocFinancialStatements}},
		{Security: []Security{SecurityGuarantee}, Documents: []DocumentKind{DocGuarantee}},
		{Security: []Security{SecurityCollateral, SecurityPledge}, Documents: []DocumentKind{DocCollateral}},
	}}
}

// ParseDossier decodes a dossier from JSON strictly and validates it, returning every
// problem as a *ValidationError.
func ParseDossier(data []byte) (Dossier, error) {
	var d Dossier
	if err := decodeStrict(data, &d); err != nil {
		return Dossier{}, err
	}
	if err := d.Validate(); err != nil {
		return Dossier{}, err
	}
	return d, nil
}

// Validate checks that there is at least one rule and that every rule names at least one
// document and only known kinds; it returns every problem as a *ValidationError.
func (d Dossier) Validate() error {
	var p problems
	if len(d.Rules) == 0 {
		p.add("rules", "required", "at least one rule is needed")
	}
	for i, r := range d.Rules {
		path := fmt.Sprintf("rules[%d]", i)
		if r.Customer != 0 && !r.Customer.Valid() {
			p.add(path+".customer", "enum", "unknown customer kind %v", r.Customer)
		}
		for j, s := range r.Security {
			if !s.Valid() {
				p.add(fmt.Sprintf("%s.security[%d]", path, j), "enum", "unknown security %v", s)
			}
		}
		if len(r.Documents) == 0 {
			p.add(path+".documents", "required", "a rule must require at least one document")
		}
		for j, k := range r.Documents {
			if !k.Valid() {
				p.add(fmt.Sprintf("%s.documents[%d]", path, j), "enum", "unknown document kind %v", k)
			}
		}
	}
	return p.err()
}

// Required returns the documents an application for product by a customer of kind with
// security needs, sorted by kind and without duplicates.
func (d Dossier) Required(product string, kind CustomerKind, security Security) []DocumentKind {
	var out []DocumentKind
	for _, r := range d.Rules {
		if r.Product != "" && r.Product != product {
			continue
		}
		if r.Customer != 0 && r.Customer != kind {
			continue
		}
		if len(r.Security) > 0 && !slices.Contains(r.Security, security) {
			continue
		}
		out = append(out, r.Documents...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (d Dossier) clone() Dossier {
	out := Dossier{Rules: make([]DocumentRule, len(d.Rules))}
	for i, r := range d.Rules {
		out.Rules[i] = DocumentRule{
			Product: r.Product, Customer: r.Customer,
			Security:  slices.Clone(r.Security),
			Documents: slices.Clone(r.Documents),
		}
	}
	return out
}
