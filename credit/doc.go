// Package credit turns what is known about an applicant (Facts) into a risk assessment
// Report: scorecard points, score, probability of default, master-scale grade, credit limit,
// price, repayment schedule, expected loss and Basel IRB capital, reason codes, policy-rule
// hits and a decision.
//
// Scorecards are versioned JSON (see Scorecard) with a SHA-256 of their content, compiled
// into a Model that scores without allocating and is safe for concurrent use.
//
//	card, err := credit.ParseScorecard(data)
//	if err != nil { ... }
//	model, err := credit.Compile(card)
//	if err != nil { ... }
//	score := model.Score(&facts)
//
// credit is a domain leaf: it imports only the standard library and shopspring/decimal.
package credit
