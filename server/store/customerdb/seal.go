package customerdb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/server/pii"
)

// Personal data at rest (migration 0007). The identity number, credit code, mobiles,
// e-mail and street address of a customer are sealed with the Repo's pii.Keyring wherever
// the archive keeps them:
//
//   - in customers.data, the customer's JSON, each value replaced by its sealed string,
//     bound (associated data) to "customers/<number>/<JSON path>", so a value copied to
//     another row or field does not open;
//   - in customer_revisions.changes, the old and new value of a change to one of those
//     paths, bound to "customer_revisions/<number>/<version>/<path>/old" (or /new);
//   - customers.identity, doc_id and mobile hold blind indexes (pii.Keyring.Index) under
//     the fields "customers.identity", "customers.doc_id" and "customers.mobile".
//
// customers.pii_key and customer_revisions.pii_key name the key that sealed the row; NULL is
// a row written before 0007, still in plaintext ('' a revision with nothing to seal).

// Blind index fields: the HMAC input names the column, so equal values of different
// columns have different indexes.
const (
	indexIdentity = "customers.identity"
	indexDocID    = "customers.doc_id"
	indexMobile   = "customers.mobile"
)

// The JSON paths of the personal values, as customer.Diff names them.
const (
	pathDocNumber     = "individual.doc_number"
	pathMobile        = "individual.mobile"
	pathEmail         = "individual.email"
	pathIndStreet     = "individual.address.street"
	pathCreditCode    = "enterprise.credit_code"
	pathContactMobile = "enterprise.contact_mobile"
	pathEntStreet     = "enterprise.address.street"
)

// sealedLeaf reports whether a change's path holds a personal value: its last element is
// one of the names pii.DefaultRules masks.
func sealedLeaf(path string) bool {
	leaf := path[strings.LastIndexByte(path, '.')+1:]
	switch leaf {
	case "doc_number", "credit_code", "mobile", "contact_mobile", "email", "street":
		return true
	}
	return false
}

// dataAAD is the associated data of a personal value in customers.data.
func dataAAD(num, path string) string { return "customers/" + num + "/" + path }

// changeAAD is the associated data of the old (side "old") or new value of a change.
func changeAAD(num string, version int64, path, side string) string {
	return "customer_revisions/" + num + "/" + strconv.FormatInt(version, 10) + "/" + path + "/" + side
}

// sealCustomer returns the JSON stored in customers.data for c: its personal values
// sealed under the active key of ring.
func sealCustomer(ring *pii.Keyring, c customer.Customer) ([]byte, error) {
	num := c.Number.String()
	if in := c.Individual; in != nil {
		s := *in
		s.DocNumber = ring.Seal(in.DocNumber, dataAAD(num, pathDocNumber))
		s.Mobile = ring.Seal(in.Mobile, dataAAD(num, pathMobile))
		s.Email = ring.Seal(in.Email, dataAAD(num, pathEmail))
		s.Address.Street = ring.Seal(in.Address.Street, dataAAD(num, pathIndStreet))
		c.Individual = &s
	}
	if e := c.Enterprise; e != nil {
		s := *e
		s.CreditCode = ring.Seal(e.CreditCode, dataAAD(num, pathCreditCode))
		s.ContactMobile = ring.Seal(e.ContactMobile, dataAAD(num, pathContactMobile))
		s.Address.Street = ring.Seal(e.Address.Street, dataAAD(num, pathEntStreet))
		c.Enterprise = &s
	}
	data, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("customerdb: encode %s: %w", num, err)
	}
	return data, nil
}

// openCustomer opens in place the personal values of c, decoded from customers.data of the
// row of customer num (the row's number, not the JSON's: a value moved to another row
// fails to open).
func openCustomer(ring *pii.Keyring, num string, c *customer.Customer) error {
	open := func(v *string, path string) error {
		plain, err := ring.Open(*v, dataAAD(num, path))
		if err != nil {
			return fmt.Errorf("customerdb: open %s of %s: %w", path, num, err)
		}
		*v = plain
		return nil
	}
	if in := c.Individual; in != nil {
		for _, f := range []struct {
			v    *string
			path string
		}{{&in.DocNumber, pathDocNumber}, {&in.Mobile, pathMobile}, {&in.Email, pathEmail}, {&in.Address.Street, pathIndStreet}} {
			if err := open(f.v, f.path); err != nil {
				return err
			}
		}
	}
	if e := c.Enterprise; e != nil {
		for _, f := range []struct {
			v    *string
			path string
		}{{&e.CreditCode, pathCreditCode}, {&e.ContactMobile, pathContactMobile}, {&e.Address.Street, pathEntStreet}} {
			if err := open(f.v, f.path); err != nil {
				return err
			}
		}
	}
	return nil
}

// jsonField is one personal member of a customer's JSON: the text that precedes its string
// value (the member name, which encoding/json writes exactly so) and its path.
type jsonField struct {
	key  string
	path string
}

// The personal members in the order encoding/json writes them (the order of the struct
// fields), so openJSON finds each after the previous one.
var (
	individualFields = []jsonField{
		{`"doc_number":"`, pathDocNumber}, {`"mobile":"`, pathMobile},
		{`"email":"`, pathEmail}, {`"street":"`, pathIndStreet},
	}
	enterpriseFields = []jsonField{
		{`"credit_code":"`, pathCreditCode}, {`"street":"`, pathEntStreet},
		{`"contact_mobile":"`, pathContactMobile},
	}
)

// openJSON returns the JSON of customer num, read from customers.data, with its sealed
// values replaced by their plaintext, byte for byte what encoding/json writes for the
// opened customer, without decoding the rest. It finds each personal member by its name:
// a member name followed by `":"` occurs in encoding/json's output only as a member (a
// quote inside a string value is escaped), and the customer has no map whose keys could
// collide. A sealed value is base64url text, so it ends at the next quote.
func openJSON(ring *pii.Keyring, num customer.Number, data []byte) ([]byte, error) {
	fields := individualFields
	if num.Kind() == customer.KindEnterprise {
		fields = enterpriseFields
	}
	type span struct {
		lo, hi int // the sealed value's bytes, quotes excluded
		plain  string
	}
	var (
		spans [4]span
		n     int
	)
	numStr := num.String()
	from := 0
	for _, f := range fields {
		// Look after the previous member first; the whole document only if the order is
		// not the expected one.
		i := bytes.Index(data[from:], []byte(f.key))
		if i >= 0 {
			i += from
		} else if i = bytes.Index(data[:from], []byte(f.key)); i < 0 {
			continue // an absent e-mail (omitempty)
		}
		lo := i + len(f.key)
		from = lo
		j := bytes.IndexByte(data[lo:], '"')
		if j <= 0 {
			continue // "" or malformed: left as it is
		}
		plain, err := ring.Open(string(data[lo:lo+j]), dataAAD(numStr, f.path))
		if err != nil {
			return nil, fmt.Errorf("customerdb: open %s of %s: %w", f.path, numStr, err)
		}
		s := span{lo: lo, hi: lo + j, plain: plain}
		k := n
		for ; k > 0 && spans[k-1].lo > s.lo; k-- {
			spans[k] = spans[k-1]
		}
		spans[k] = s
		n++
	}
	out := make([]byte, 0, len(data))
	at := 0
	for _, s := range spans[:n] {
		out = append(out, data[at:s.lo]...)
		out = appendJSONText(out, s.plain)
		at = s.hi
	}
	return append(out, data[at:]...), nil
}

// appendJSONText appends the body of s as a JSON string (without the quotes), escaped as
// encoding/json escapes it.
func appendJSONText(out []byte, s string) []byte {
	safe := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= 0x80 {
			safe = false
			break
		}
	}
	if safe {
		return append(out, s...)
	}
	b, _ := json.Marshal(s) // a string always encodes
	return append(out, b[1:len(b)-1]...)
}

// sealChanges returns the JSON stored in customer_revisions.changes for the changes of
// customer num's version, with the personal values sealed, and the ID of the key that
// sealed them ("" when there was nothing to seal).
func sealChanges(ring *pii.Keyring, num string, version int64, changes []customer.Change) ([]byte, string, error) {
	key := ""
	if len(changes) == 0 {
		return []byte("[]"), key, nil
	}
	out := changes
	copied := false
	for i, ch := range changes {
		if !sealedLeaf(ch.Path) || ch.Old == "" && ch.New == "" {
			continue
		}
		if !copied {
			out, copied = append([]customer.Change(nil), changes...), true
		}
		out[i].Old = ring.Seal(ch.Old, changeAAD(num, version, ch.Path, "old"))
		out[i].New = ring.Seal(ch.New, changeAAD(num, version, ch.Path, "new"))
		key = ring.ActiveID()
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, "", fmt.Errorf("customerdb: revision of %s: %w", num, err)
	}
	return b, key, nil
}

// openChanges opens in place the personal values of the changes of customer num's version.
func openChanges(ring *pii.Keyring, num string, version int64, changes []customer.Change) error {
	for i := range changes {
		ch := &changes[i]
		if !sealedLeaf(ch.Path) {
			continue
		}
		var err error
		if ch.Old, err = ring.Open(ch.Old, changeAAD(num, version, ch.Path, "old")); err != nil {
			return fmt.Errorf("customerdb: open the revision %d of %s: %w", version, num, err)
		}
		if ch.New, err = ring.Open(ch.New, changeAAD(num, version, ch.Path, "new")); err != nil {
			return fmt.Errorf("customerdb: open the revision %d of %s: %w", version, num, err)
		}
	}
	return nil
}
