package customerdb

import (
	"slices"
	"strings"

	"github.com/creditkit/creditkit/customer"
)

// keys are the derived columns of one customer: sort and search keys, uniqueness and exact
// look-up values.
type keys struct {
	name      string
	nameKey   []byte
	prefixKey []byte
	spellings [][]byte // spelling or initials, 0x00, nameKey; no duplicates
	identity  string   // uniqueness key of the identity document or credit code
	idPath    string   // its JSON path, for *customer.DuplicateError
	idShown   string   // its display value (masked for individuals)
	docID     string
	mobile    string
	birth     *int64 // yyyymmdd; nil for enterprises
	region    string
	tags      []string
}

// keysOf computes the keys of c, which has passed validation.
func (r *Repo) keysOf(c customer.Customer) keys {
	name := c.Name()
	k := keys{name: name, nameKey: r.idx.NameKey(name)}
	k.prefixKey = append(append([]byte(customer.FoldName(name)), 0), k.nameKey...)
	full, initials := r.idx.Spellings(name)
	for _, s := range append(full, initials...) {
		t := append(append([]byte(s), 0), k.nameKey...)
		if !slices.ContainsFunc(k.spellings, func(x []byte) bool { return string(x) == string(t) }) {
			k.spellings = append(k.spellings, t)
		}
	}
	switch {
	case c.Individual != nil:
		in := c.Individual
		doc := strings.ToUpper(in.DocNumber)
		k.identity, k.idPath, k.idShown = in.DocType.String()+":"+doc, "individual.doc_number", customer.MaskID(doc)
		k.docID, k.mobile, k.region = doc, customer.NormalizeMobile(in.Mobile), in.Address.Province
		b := int64(in.BirthDate.Year()*10000 + int(in.BirthDate.Month())*100 + in.BirthDate.Day())
		k.birth = &b
	case c.Enterprise != nil:
		e := c.Enterprise
		k.identity, k.idPath, k.idShown = "uscc:"+e.CreditCode, "enterprise.credit_code", e.CreditCode
		k.docID, k.mobile, k.region = e.CreditCode, customer.NormalizeMobile(e.ContactMobile), e.Address.Province
	}
	k.tags = slices.Clone(c.Tags)
	slices.Sort(k.tags)
	k.tags = slices.Compact(k.tags)
	return k
}

// ord orders customer numbers as customer.Number.Compare does: enterprises (E) before
// individuals (P), then by sequence.
func ord(n customer.Number) int64 {
	rank := int64(2)
	if n.Kind() == customer.KindEnterprise {
		rank = 1
	}
	return rank*1e10 + int64(n.Sequence())
}

// normalize cleans what the archive normalises before validation, as customer.MemStore
// does: a resident identity number is kept in upper case.
func normalize(c customer.Customer) customer.Customer {
	c = c.Clone()
	if c.Individual != nil && c.Individual.DocType == customer.DocResidentID {
		c.Individual.DocNumber = strings.ToUpper(c.Individual.DocNumber)
	}
	return c
}

// prefixEnd returns the least byte string greater than every string with prefix p, or nil
// when there is none (p is all 0xFF bytes).
func prefixEnd(p []byte) []byte {
	end := slices.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xFF {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
