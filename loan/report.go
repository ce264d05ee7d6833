package loan

import (
	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/credit"
)

// Grade, Limit and Decision are the only fields loan reads from a credit report, besides the
// report being stored as a whole.
func reportGrade(r credit.Report) credit.Grade { return r.Grade }

func reportLimit(r credit.Report) decimal.Decimal { return r.Limit }

func reportDeclined(r credit.Report) bool { return r.Decision == credit.Decline }

func reportDecision(r credit.Report) string { return r.Decision.String() }

// validateReport refuses a report without a known grade or decision, or with a negative
// limit.
func validateReport(r credit.Report) error {
	var p problems
	if _, err := r.Grade.MarshalText(); err != nil {
		p.add("report.grade", "enum", "the report has no valid grade")
	}
	if _, err := r.Decision.MarshalText(); err != nil {
		p.add("report.decision", "enum", "the report has no valid decision")
	}
	if r.Limit.IsNegative() {
		p.add("report.limit", "min", "the assessed limit must not be negative")
	}
	return p.err()
}
