// Package report renders a credit risk assessment (a credit.Report) as one self-contained
// HTML page for a loan officer: the decision and headline figures, a score gauge and a
// per-characteristic points bar chart drawn as inline SVG, the reasons and the hint, the
// policy rules hit, the limit derivation, the price build-up, the repayment schedule and
// the risk figures, in English with Chinese labels — the same content as
// credit.Report.Markdown.
//
//	r, err := assessor.Assess(facts) // a credit.Report
//	if err != nil { ... }
//	err = report.WriteHTML(w, &r) // w: a file, a buffer or an HTTP response
//
// The page has no scripts and loads nothing: its CSS and SVG are inline, so it can be
// saved, mailed or archived as one file. Every value from the report is escaped by
// html/template. The output is deterministic for a given report.
//
// report is a sub-package of the credit domain: it imports only credit and the standard
// library.
package report
