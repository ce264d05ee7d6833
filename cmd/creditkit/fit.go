package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/credit/fit"
)

// fitOptions are the settings of creditkit fit.
type fitOptions struct {
	in, target, out  string
	cv               int
	seed             uint64
	bad, good        []string
	characteristics  []string
	categorical      []string
	maxBins          int
	minIV, maxCorr   float64
	l2, maxPValue    float64
	decimals         int
	modelID, version string
	renames          []string
	comma            string
}

func newFitCommand() *cobra.Command {
	o := fitOptions{}
	cmd := &cobra.Command{
		Use:   "fit --in FILE --target COLUMN --out CARD",
		Short: "Fit a scorecard to outcomes in a CSV file",
		Long: `Fit a points scorecard to a CSV file of past applicants and their outcomes, print how
strong each characteristic is and how well the card separates goods from bads, and write the
card as creditkit JSON.

The file has a header row; --target names the outcome column, whose values are bad ("bad",
"1") or good ("good", "0") — --bad and --good change the labels, compared without regard to
case. Every other column is a candidate characteristic unless --characteristics lists them.
Empty, NA, N/A, NaN, null and ? cells are missing. Columns are numeric when every value is a
number, else categorical (--categorical forces numeric codes to be categories).

The recipe (package credit/fit): fine classing into quantile bins, merged until the bad rate
is monotone and every bin holds 5% of rows; weight of evidence and information value (IV);
selection by IV (--min-iv) and WoE correlation (--max-corr); logistic regression on WoE;
points scaled at 600 at 50:1 good:bad odds, 20 points to double the odds.

Printed: the IV table (every candidate, strongest first, and whether it is on the card),
the characteristics dropped and why, the regression coefficients, and AUC, Gini and KS on
the training rows. --cv K adds stratified K-fold cross-validation (seeded by --seed), which
is the honest measure of how the card will do on new applicants.

To score applicants with creditkit score, the card's characteristics must be credit facts:
--rename old=new renames columns before fitting (duration=request.term_months).`,
		Example: `  creditkit fit --in history.csv --target status --out card.json --cv 5
  creditkit fit --in german.csv --target creditability --out card.json \
      --rename duration_in_month=request.term_months --rename age_in_years=profile.age`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fitCard(o, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.in, "in", "", `training data CSV, or "-" for standard input (required)`)
	f.StringVar(&o.target, "target", "", "outcome column (required)")
	f.StringVar(&o.out, "out", "", `card JSON file, or "-" for standard output (required)`)
	f.IntVar(&o.cv, "cv", 0, "cross-validate with this many folds (at least 2; 0 for none)")
	f.Uint64Var(&o.seed, "seed", 1, "seed of the cross-validation shuffle")
	f.StringSliceVar(&o.bad, "bad", nil, `target values meaning bad (default "bad","1")`)
	f.StringSliceVar(&o.good, "good", nil, `target values meaning good (default "good","0")`)
	f.StringSliceVar(&o.characteristics, "characteristics", nil, "candidate columns, in card order (default: every column but the target)")
	f.StringSliceVar(&o.categorical, "categorical", nil, "numeric columns to class as categories")
	f.StringArrayVar(&o.renames, "rename", nil, "rename a column before fitting, OLD=NEW (repeatable)")
	f.IntVar(&o.maxBins, "max-bins", 0, "most fine classes per characteristic, 2–100 (default 20)")
	f.Float64Var(&o.minIV, "min-iv", 0, "least information value to keep a characteristic (default 0.02; negative keeps all)")
	f.Float64Var(&o.maxCorr, "max-corr", 0, "largest WoE correlation with a stronger characteristic (default 0.7)")
	f.Float64Var(&o.l2, "l2", 0, "ridge penalty of the regression")
	f.Float64Var(&o.maxPValue, "max-p", 0, "drop characteristics until every p-value is at most this (0: keep)")
	f.IntVar(&o.decimals, "decimals", 0, "decimals of the points, 0–6")
	f.StringVar(&o.modelID, "model-id", "", `model id of the card (default "fit")`)
	f.StringVar(&o.version, "version", "", `version of the card (default "1")`)
	f.StringVar(&o.comma, "comma", ",", "field separator of the CSV file")
	return cmd
}

func (o *fitOptions) config() (fit.Config, fit.CSVConfig, error) {
	var missing []string
	for _, f := range []struct{ name, v string }{{"in", o.in}, {"target", o.target}, {"out", o.out}} {
		if f.v == "" {
			missing = append(missing, "--"+f.name)
		}
	}
	if len(missing) > 0 {
		return fit.Config{}, fit.CSVConfig{}, usageError{fmt.Errorf("%s required", strings.Join(missing, ", "))}
	}
	if o.cv == 1 || o.cv < 0 {
		return fit.Config{}, fit.CSVConfig{}, usageError{errors.New("--cv must be 0 or at least 2")}
	}
	comma := []rune(o.comma)
	if len(comma) != 1 || comma[0] == '"' || comma[0] == '\n' || comma[0] == '\r' {
		return fit.Config{}, fit.CSVConfig{}, usageError{fmt.Errorf("--comma must be one character, not %q", o.comma)}
	}
	for _, r := range o.renames {
		if old, nu, ok := strings.Cut(r, "="); !ok || old == "" || nu == "" {
			return fit.Config{}, fit.CSVConfig{}, usageError{fmt.Errorf("--rename %q: want OLD=NEW", r)}
		}
	}
	cfg := fit.Config{Target: o.target, BadValues: o.bad, GoodValues: o.good, Characteristics: o.characteristics,
		Categorical: o.categorical, MaxBins: o.maxBins, MinIV: o.minIV, MaxCorrelation: o.maxCorr, L2: o.l2,
		MaxPValue: o.maxPValue, Decimals: o.decimals, ModelID: o.modelID, Version: o.version}
	return cfg, fit.CSVConfig{Comma: comma[0]}, nil
}

func fitCard(o fitOptions, stdin io.Reader, stdout, stderr io.Writer) error {
	cfg, csvCfg, err := o.config()
	if err != nil {
		return err
	}
	in, _, err := openInput(o.in, stdin)
	if err != nil {
		return err
	}
	tb, err := fit.ReadCSV(in, csvCfg)
	in.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", inputName(o.in), err)
	}
	for _, r := range o.renames {
		old, nu, _ := strings.Cut(r, "=")
		if err := tb.Rename(old, nu); err != nil {
			return fmt.Errorf("--rename %s: %w", r, err)
		}
	}
	// The report goes to stdout, unless the card does.
	w := stdout
	if o.out == "-" {
		w = stderr
	}
	m, err := fit.Fit(tb, cfg)
	if err != nil {
		return fmt.Errorf("fit: %w", err)
	}
	bad := badFlags(tb, cfg)
	nBad := 0
	for _, b := range bad {
		if b {
			nBad++
		}
	}
	fmt.Fprintf(w, "%s: %s rows, %d columns; target %s: %d bad, %d good (bad rate %.1f%%)\n\n",
		inputName(o.in), thousands(int64(tb.Rows)), len(tb.Columns), cfg.Target, nBad, tb.Rows-nBad,
		100*float64(nBad)/float64(tb.Rows))

	writeIVTable(w, m)
	if len(m.Drops) > 0 {
		fmt.Fprintln(w, "\nDropped:")
		for _, d := range m.Drops {
			with := ""
			if d.With != "" {
				with = " with " + d.With
			}
			fmt.Fprintf(w, "  %s: %s%s\n", d.Name, strings.ReplaceAll(d.Reason.String(), "_", " "), with)
		}
	}
	fmt.Fprintln(w, "\nCoefficients (logit PD = β0 + Σ β·WoE):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "name\t estimate\t std err\t      z\tp-value")
	for _, c := range m.Coefficients {
		fmt.Fprintf(tw, "%s\t%9.4f\t%8.4f\t%7.2f\t%7.4f\n", c.Name, c.Estimate, c.StdErr, c.Z, c.PValue)
	}
	_ = tw.Flush()

	scores, err := m.Score(tb)
	if err != nil {
		return err
	}
	auc, err := fit.AUC(scores, bad)
	if err != nil {
		return err
	}
	ks, at, err := fit.KS(scores, bad)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nTraining rows (in-sample): AUC %.4f · Gini %.4f · KS %.4f at score %g\n", auc, 2*auc-1, ks, at)

	if o.cv > 0 {
		cv, err := fit.CrossValidate(tb, cfg, o.cv, o.seed)
		if err != nil {
			return fmt.Errorf("cross-validation: %w", err)
		}
		fmt.Fprintf(w, "Cross-validation (%d folds, seed %d): AUC %.4f ± %.4f (pooled %.4f) · Gini %.4f · KS %.4f\n",
			o.cv, o.seed, cv.MeanAUC, cv.StdAUC, cv.PooledAUC, cv.MeanGini, cv.MeanKS)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  fold\ttrain\ttest\tAUC\tGini\tKS\tcharacteristics")
		for i, f := range cv.Folds {
			fmt.Fprintf(tw, "  %d\t%d\t%d\t%.4f\t%.4f\t%.4f\t%d\n", i+1, f.Train, f.Test, f.AUC, f.Gini, f.KS, f.Selected)
		}
		_ = tw.Flush()
	}

	card, err := m.Scorecard()
	if err != nil {
		return err
	}
	if err := writeJSONFile(o.out, card, stdout); err != nil {
		return err
	}
	where := o.out
	if o.out == "-" {
		where = "standard output"
	}
	fmt.Fprintf(w, "\nWrote %s: card %s %s (sha256 %.12s…) with %d characteristics", where, card.ModelID, card.Version,
		card.SHA256, len(card.Characteristics))
	if _, err := credit.Compile(card); err != nil {
		fmt.Fprintf(w, "; its characteristics are not all credit facts, so creditkit score cannot use it (see --rename)")
	}
	fmt.Fprintln(w)
	return nil
}

func writeIVTable(w io.Writer, m *fit.Model) {
	fmt.Fprintln(w, "Information value:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "characteristic\tIV\tstrength\tbins\ton card")
	for _, r := range m.IVTable() {
		sel := ""
		if r.Selected {
			sel = "yes"
		}
		fmt.Fprintf(tw, "%s\t%.4f\t%s\t%d\t%s\n", r.Name, r.IV, r.Strength, r.Bins, sel)
	}
	_ = tw.Flush()
}

// badFlags reads the target column as fit does (Fit has already checked every value).
func badFlags(tb *fit.Table, cfg fit.Config) []bool {
	badValues := cfg.BadValues
	if badValues == nil {
		badValues = []string{"bad", "1"}
	}
	c, _ := tb.Column(cfg.Target)
	bad := make([]bool, tb.Rows)
	for i := range bad {
		v := ""
		switch {
		case c.Missing[i]:
		case c.Kind == fit.Numeric:
			v = strconv.FormatFloat(c.Num[i], 'g', -1, 64)
		default:
			v = c.Cat[i]
		}
		for _, b := range badValues {
			if strings.EqualFold(b, v) {
				bad[i] = true
			}
		}
	}
	return bad
}
