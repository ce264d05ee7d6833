// Command embed-scorer shows a fintech embedding creditkit's scorer in its own net/http
// service: one credit.Assessor built at start and shared by every request (it is safe for
// concurrent use), a JSON endpoint that answers with the decision, the offer and the
// reasons, validation problems returned as 422 with every problem in English and Chinese,
// and the same assessment as a self-contained HTML page for the loan officer.
//
//	go run ./examples/embed-scorer                 # walk-through: serves, calls itself, stops
//	go run ./examples/embed-scorer -serve :8081    # serve until interrupted
//	curl -s localhost:8081/v1/score -d @credit/testdata/applicant.json
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/credit/report"
)

func main() {
	addr := flag.String("serve", "", "serve on this address until interrupted, instead of the walk-through")
	flag.Parse()
	if *addr != "" {
		s, err := newScoring(time.Now)
		if err != nil {
			log.Fatal(err)
		}
		log.Printf("scoring on %s: POST /v1/score (JSON) or /v1/score/report (HTML)", *addr)
		srv := &http.Server{Addr: *addr, Handler: s.routes(), ReadHeaderTimeout: 5 * time.Second}
		log.Fatal(srv.ListenAndServe())
	}
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "embed-scorer:", err)
		os.Exit(1)
	}
}

// maxBody bounds a request body: facts are a few hundred bytes.
const maxBody = 64 << 10

// scoring is the fintech's own service around creditkit's assessor.
type scoring struct {
	assessor *credit.Assessor
}

// newScoring builds the assessor once: the built-in individual card under the default policy,
// with the approve threshold the fintech chose.
func newScoring(now func() time.Time) (*scoring, error) {
	card, err := credit.BuiltinCard("individual")
	if err != nil {
		return nil, err
	}
	model, err := credit.Compile(card)
	if err != nil {
		return nil, err
	}
	a, err := credit.NewAssessor(model, credit.Config{ApproveScore: 530, Now: now})
	if err != nil {
		return nil, err
	}
	return &scoring{assessor: a}, nil
}

func (s *scoring) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/score", s.score)
	mux.HandleFunc("POST /v1/score/report", s.report)
	return mux
}

// offer is what the fintech's app shows its customer.
type offer struct {
	Decision string   `json:"decision"`
	Score    float64  `json:"score"`
	Grade    string   `json:"grade"`
	PD       float64  `json:"pd"`
	Limit    string   `json:"limit"`
	RateBP   int64    `json:"rate_bp"`
	APR      string   `json:"apr"`
	Monthly  string   `json:"monthly_instalment"`
	Reasons  []string `json:"reasons"`
	Rules    []string `json:"rules,omitempty"`
	Model    string   `json:"model"`
}

func (s *scoring) score(w http.ResponseWriter, r *http.Request) {
	rep, ok := s.assess(w, r)
	if !ok {
		return
	}
	o := offer{Decision: rep.Decision.String(), Score: rep.Score, Grade: rep.Grade.String(), PD: rep.PD,
		Limit: rep.Limit.StringFixed(2), RateBP: rep.Price.RateBP, APR: rep.Price.APR.StringFixed(4),
		Monthly: rep.Schedule.FirstInstalment.StringFixed(2), Model: rep.ModelID + " " + rep.ModelVersion}
	for _, x := range rep.Reasons {
		o.Reasons = append(o.Reasons, x.Code+": "+x.EN)
	}
	for _, h := range rep.RuleHits {
		o.Rules = append(o.Rules, h.Code+" ("+h.Action.String()+"): "+h.EN)
	}
	writeJSON(w, http.StatusOK, o)
}

func (s *scoring) report(w http.ResponseWriter, r *http.Request) {
	rep, ok := s.assess(w, r)
	if !ok {
		return
	}
	var page bytes.Buffer
	if err := report.WriteHTML(&page, &rep); err != nil {
		http.Error(w, "rendering failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = page.WriteTo(w)
}

// assess reads the facts from the request and assesses them; on failure it has answered.
func (s *scoring) assess(w http.ResponseWriter, r *http.Request) (credit.Report, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "body too large"})
		return credit.Report{}, false
	}
	facts, err := credit.DecodeFacts(body)
	if err == nil {
		var rep credit.Report
		if rep, err = s.assessor.Assess(facts); err == nil {
			return rep, true
		}
	}
	var invalid *credit.ValidationError
	if errors.As(err, &invalid) {
		writeJSON(w, http.StatusUnprocessableEntity, invalid) // {"problems":[{path, rule, message, message_zh}]}
		return credit.Report{}, false
	}
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
	return credit.Report{}, false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// now is the fixed clock of the walk-through, so its output never changes.
func now() time.Time { return time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC) }

// run serves the scorer on a loopback port, calls it as the fintech's app would and writes
// what comes back to w.
func run(w io.Writer) error {
	s, err := newScoring(now)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: s.routes(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	calls := []struct{ title, path, body string }{
		{"A salaried applicant with a short delinquency", "/v1/score", `{
			"bureau": {"history_months": 60, "open_accounts": 3, "delinquencies_24m": 1, "worst_dpd_24m": 15,
			           "amount_overdue": "0", "defaults_or_write_offs": 0, "utilisation": 0.42, "hard_inquiries_6m": 2},
			"income": {"monthly": "18000", "verified": true, "employment": "private", "years_with_employer": 4},
			"capacity": {"monthly_debt_payments": "2500", "monthly_living_costs": "4000", "housing": "rent"},
			"profile": {"age": 34, "marital": "married", "education": "bachelor"},
			"request": {"amount": "150000", "term_months": 36, "product": "consumer", "method": "equal_instalments"}}`},
		{"A student without a credit file", "/v1/score", `{
			"bureau": {"no_file": true},
			"income": {"monthly": "3000", "verified": false, "employment": "student"},
			"profile": {"age": 20},
			"request": {"amount": "20000", "term_months": 12, "product": "consumer", "method": "equal_principal"}}`},
		{"Facts with mistakes: 422 with every problem", "/v1/score", `{
			"income": {"monthly": "-5000"}, "profile": {"age": 230},
			"request": {"amount": "1000", "product": "consumer"}}`},
		{"Not JSON at all", "/v1/score", `age=34`},
	}
	client := &http.Client{Timeout: 10 * time.Second}
	for _, c := range calls {
		fmt.Fprintf(w, "== %s\nPOST %s\n", c.title, c.path)
		res, err := client.Post(base+c.path, "application/json", strings.NewReader(c.body))
		if err != nil {
			return err
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			return err
		}
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, body, "", "  "); err != nil {
			return fmt.Errorf("%s: %w", c.path, err)
		}
		fmt.Fprintf(w, "%s\n%s\n", res.Status, pretty.String())
	}

	fmt.Fprintln(w, "== The same assessment as a page for the loan officer")
	res, err := client.Post(base+"/v1/score/report", "application/json", strings.NewReader(calls[0].body))
	if err != nil {
		return err
	}
	page, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s %s, %d bytes, %d inline SVG pictures, no scripts: %t\n", res.Status, res.Header.Get("Content-Type"),
		len(page), bytes.Count(page, []byte("<svg ")), !bytes.Contains(page, []byte("<script")))
	return nil
}
