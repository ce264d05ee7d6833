// Package credit turns what is known about an applicant (Facts) into a risk assessment
// Report: scorecard points, score, probability of default (PD), master-scale grade, credit
// limit with every step of its derivation, price build-up in basis points, repayment schedule
// and APR, expected loss and Basel IRB capital, reason codes in English and Chinese,
// policy-rule hits and a decision.
//
//	card, err := credit.BuiltinCard("individual") // or credit.ParseScorecard(jsonBytes)
//	if err != nil { ... }
//	model, err := credit.Compile(card) // binds the card to Facts; safe for concurrent use
//	if err != nil { ... }
//	assessor, err := credit.NewAssessor(model, credit.Config{}) // zero Config = defaults
//	if err != nil { ... }
//	facts, err := credit.DecodeFacts(body) // strict JSON; *ValidationError lists every problem
//	if err != nil { ... }
//	report, err := assessor.Assess(facts)
//	fmt.Print(report.Markdown())
//
// Missing is explicit: every Facts field is a pointer, nil (JSON null or absent) is missing,
// and each scorecard characteristic states the points a missing value earns.
//
// Scorecards are versioned JSON (Scorecard) with a SHA-256 of their canonical content.
// Model.Score scores one applicant without allocating; Model.ScoreColumns scores millions of
// rows held column by column. The two built-in cards are expert-judgement defaults, not
// trained on any bank's data.
//
// Money is decimal.Decimal. Schedules run in whole cents, rounding interest and level
// instalments half up; the last instalment absorbs rounding so principal repaid equals the
// loan to the cent. Rates are basis points; the default LPR table is the one in force from
// 2025-05-20 (1-year 3.00%, over-5-year 3.50%) and should be configured.
//
// credit is a domain leaf: it imports only the standard library and shopspring/decimal.
package credit
