package customerdb

import (
	"slices"
	"strings"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/server/pii"
)

// keys are the derived columns of one customer: sort and search keys, uniqueness and exact
// look-up values.
type keys struct {
	name      string
	nameKey   []byte
	prefixKey []byte
	spellings [][]byte // spelling or initials, 0x00, nameKey; no duplicates
	identity  string   // blind index of idValue under the active key: the uniqueness key
	idValue   string   // "<doc type>:<number>" or "uscc:<code>"; never stored
	idPath    string   // its JSON path, for *customer.DuplicateError
	idShown   string   // its display value (masked for individuals)
	docID     string   // blind index of the document number or credit code
	mobile    string   // blind index of the mobile; "" when there is none
	birth     *int64   // yyyymmdd; nil for enterprises
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
	var doc, mobile string
	k.idValue, doc, mobile = identityOf(c)
	switch {
	case c.Individual != nil:
		in := c.Individual
		k.idPath, k.idShown, k.region = "individual.doc_number", customer.MaskID(doc), in.Address.Province
		b := int64(in.BirthDate.Year()*10000 + int(in.BirthDate.Month())*100 + in.BirthDate.Day())
		k.birth = &b
	case c.Enterprise != nil:
		k.idPath, k.idShown, k.region = "enterprise.credit_code", doc, c.Enterprise.Address.Province
	}
	k.identity, k.docID, k.mobile = blindIndexes(r.ring, k.idValue, doc, mobile)
	k.tags = tagsOf(c)
	return k
}

// identityOf returns the plaintext of c's look-up keys: its identity ("<doc type>:<number>"
// or "uscc:<code>"), its document number (upper-case) or credit code, and its mobile
// without +86.
func identityOf(c customer.Customer) (identity, doc, mobile string) {
	switch {
	case c.Individual != nil:
		in := c.Individual
		doc = strings.ToUpper(in.DocNumber)
		return in.DocType.String() + ":" + doc, doc, customer.NormalizeMobile(in.Mobile)
	case c.Enterprise != nil:
		e := c.Enterprise
		return "uscc:" + e.CreditCode, e.CreditCode, customer.NormalizeMobile(e.ContactMobile)
	}
	return "", "", ""
}

// blindIndexes returns the stored identity, doc_id and mobile columns: the blind indexes of
// identityOf's values under ring's active key ("" stays "").
func blindIndexes(ring *pii.Keyring, identity, doc, mobile string) (string, string, string) {
	idx := func(field, v string) string {
		if v == "" {
			return ""
		}
		return ring.Index(field, v)
	}
	return idx(indexIdentity, identity), idx(indexDocID, doc), idx(indexMobile, mobile)
}

// tagsOf returns c's tags sorted, without duplicates.
func tagsOf(c customer.Customer) []string {
	tags := slices.Clone(c.Tags)
	slices.Sort(tags)
	return slices.Compact(tags)
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
