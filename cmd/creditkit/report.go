package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/credit/report"
)

// reportOptions are the settings of creditkit report.
type reportOptions struct {
	html  bool
	out   string
	facts string
	card  string
}

func newReportCommand() *cobra.Command {
	o := reportOptions{}
	cmd := &cobra.Command{
		Use:   "report [ASSESSMENT.json]",
		Short: "Render a risk assessment as Markdown or as an HTML page",
		Long: `Render a credit risk assessment for a loan officer: the decision and headline figures, the
points of every characteristic, the reasons and how to raise the score, the policy rules
hit, the limit derivation, the price build-up, the repayment schedule and the risk figures,
in English with Chinese labels.

ASSESSMENT.json is an assessment report as the API returns it (credit.Report JSON), either
bare or as the "report" field of a stored assessment; "-" reads standard input. With
--facts FILE --card CARD the command assesses an applicant's facts (the API's JSON) itself
first, with the default policy.

The output is Markdown, or with --html one self-contained HTML page — a score gauge and a
points bar chart drawn as inline SVG, no scripts, nothing loaded from elsewhere — that can
be opened in any browser, printed, mailed or archived.`,
		Example: `  creditkit report assessment.json > assessment.md
  creditkit report assessment.json --html --out assessment.html
  creditkit report --facts applicant.json --card individual --html --out applicant.html`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case o.facts == "" && len(args) != 1:
				return usageError{errors.New("report needs one assessment file, or --facts and --card")}
			case o.facts != "" && len(args) != 0:
				return usageError{errors.New("give either an assessment file or --facts, not both")}
			case o.facts != "" && o.card == "":
				return usageError{errors.New("--facts needs --card")}
			case o.facts == "" && o.card != "":
				return usageError{errors.New("--card goes with --facts")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return renderReport(o, args, cmd.InOrStdin(), cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.html, "html", false, "write one self-contained HTML page instead of Markdown")
	f.StringVarP(&o.out, "out", "o", "-", `output file, or "-" for standard output`)
	f.StringVar(&o.facts, "facts", "", "assess this facts JSON file first (with --card)")
	f.StringVar(&o.card, "card", "", "scorecard for --facts: individual, enterprise, or a card JSON file")
	return cmd
}

func renderReport(o reportOptions, args []string, stdin io.Reader, stdout io.Writer) error {
	var r credit.Report
	if o.facts != "" {
		var err error
		if r, err = assessFile(o.facts, o.card, stdin); err != nil {
			return err
		}
	} else {
		data, err := readSmallFile(args[0], stdin)
		if err != nil {
			return err
		}
		if r, err = decodeReport(data); err != nil {
			return fmt.Errorf("%s: %w", inputName(args[0]), err)
		}
	}
	out, err := createOutput(o.out, stdout)
	if err != nil {
		return err
	}
	defer out.abort()
	if o.html {
		err = report.WriteHTML(out, &r)
	} else {
		err = r.WriteMarkdown(out)
	}
	if err != nil {
		return err
	}
	return out.commit()
}

// assessFile assesses the facts in path with the card spec under the default policy.
func assessFile(path, cardSpec string, stdin io.Reader) (credit.Report, error) {
	card, err := loadCard(cardSpec)
	if err != nil {
		return credit.Report{}, err
	}
	model, err := credit.Compile(card)
	if err != nil {
		return credit.Report{}, fmt.Errorf("card %s: %w", cardSpec, err)
	}
	a, err := credit.NewAssessor(model, credit.Config{})
	if err != nil {
		return credit.Report{}, err
	}
	data, err := readSmallFile(path, stdin)
	if err != nil {
		return credit.Report{}, err
	}
	facts, err := credit.DecodeFacts(data)
	if err != nil {
		return credit.Report{}, fmt.Errorf("%s: %w", inputName(path), err)
	}
	r, err := a.Assess(facts)
	if err != nil {
		return credit.Report{}, fmt.Errorf("%s: %w", inputName(path), err)
	}
	return r, nil
}

// decodeReport reads an assessment: a credit.Report object, or an object holding one in its
// "report" field (a stored assessment). Unknown fields of the report are errors.
func decodeReport(data []byte) (credit.Report, error) {
	var envelope map[string]json.RawMessage
	if err := json.Unmarshal(data, &envelope); err != nil {
		return credit.Report{}, fmt.Errorf("not a JSON object: %w", err)
	}
	if inner, ok := envelope["report"]; ok {
		if _, bare := envelope["decision"]; !bare {
			data = inner
		}
	}
	var r credit.Report
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return credit.Report{}, fmt.Errorf("not an assessment report: %w", err)
	}
	if r.Decision == 0 && r.ModelID == "" && len(r.Points) == 0 {
		return credit.Report{}, errors.New("not an assessment report: no decision, model or points")
	}
	return r, nil
}
