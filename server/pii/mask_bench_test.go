package pii

import "testing"

// benchCustomerDoc is a customer as the server audits its registration (customerView:
// the customer in struct order, then its node), about 1.3 kB.
const benchCustomerDoc = `{"number":"C0000012","kind":"individual","branch":"BJ001","officer":"officer-017",` +
	`"tags":["vip","payroll","贵宾客户"],"status":"active","version":1,` +
	`"created_at":"2024-05-01T08:30:00.123456789+08:00","updated_at":"2024-05-01T08:30:00.123456789+08:00",` +
	`"individual":{"name":"张三丰","gender":"male","birth_date":"1985-07-14T00:00:00Z","nationality":"CN",` +
	`"doc_type":"resident_id","doc_number":"11010519491231002X","mobile":"+8613812345678",` +
	`"email":"zhang.san@example.com","address":{"province":"北京市","city":"北京市","district":"朝阳区",` +
	`"street":"建国路88号3单元501室","postcode":"100022"},"occupation":"中学教师 (teacher)",` +
	`"employer":"北京市朝阳区实验中学","marital":"married","education":"bachelor"},` +
	`"enterprise":null,"node":4711,"score":{"value":712,"band":"A-","pd":0.0153,"limit":1.5e5,"delta":-0},` +
	`"contacts":[{"at":"2024-05-02T09:00:00Z","officer":"officer-017","channel":"phone","note":"回访：客户确认手机号 \u0031\u0033\u0038，地址无误"},` +
	`{"at":"2024-05-03T10:15:00Z","officer":"officer-020","channel":"visit","note":"Visited the branch with his wife; \"very satisfied\".\nFollow up in Q3."}],` +
	`"flags":[true,false,null],"limits":[[100000,200000],[],{}],"remarks":"客户于2024年5月在北京朝阳支行开户，推荐人：李四（员工号 E1024）。"}`

// benchRevisionDoc is a customer's revision history: change objects whose path names a
// personal field.
const benchRevisionDoc = `{"number":"C0000012","revisions":[` +
	`{"version":1,"at":"2024-05-01T08:30:00Z","by":"officer-017","action":"register"},` +
	`{"version":2,"at":"2024-06-11T14:02:31Z","by":"officer-017","action":"update","changes":[` +
	`{"path":"individual.mobile","old":"+8613812345678","new":"+8613987654321"},` +
	`{"path":"individual.email","old":"zhang.san@example.com","new":"san.zhang@example.org"},` +
	`{"path":"individual.address.street","old":"建国路88号3单元501室","new":"光华路9号院2号楼1201"},` +
	`{"path":"individual.occupation","old":"中学教师 (teacher)","new":"校长"}]},` +
	`{"version":3,"at":"2024-09-30T09:45:12Z","by":"checker-002","action":"update","changes":[` +
	`{"path":"individual.doc_number","old":"110105********002X","new":"110105********0037"},` +
	`{"path":"tags[2]","old":"","new":"高净值"}]},` +
	`{"version":4,"at":"2025-01-05T16:20:00Z","by":"officer-020","action":"close"}]}`

func benchMaskJSON(b *testing.B, doc string, mask func([]byte, Rules) ([]byte, error)) {
	in, rules := []byte(doc), DefaultRules()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := mask(in, rules); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMaskJSON (in bench_test.go) masks a small document; these mask a registered
// customer and a revision history, with MaskJSON and with the reference implementation.
func BenchmarkMaskJSONCustomer(b *testing.B)  { benchMaskJSON(b, benchCustomerDoc, MaskJSON) }
func BenchmarkMaskJSONRevisions(b *testing.B) { benchMaskJSON(b, benchRevisionDoc, MaskJSON) }
func BenchmarkMaskJSONCustomerRef(b *testing.B) {
	benchMaskJSON(b, benchCustomerDoc, maskJSONReference)
}
func BenchmarkMaskJSONRevisionsRef(b *testing.B) {
	benchMaskJSON(b, benchRevisionDoc, maskJSONReference)
}
