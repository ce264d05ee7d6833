package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"github.com/creditkit/creditkit/credit"
)

// maxReasons bounds --reasons.
const maxReasons = 20

// maxWorkers bounds --workers, and so memory: each worker has up to four batches of at most
// 256 KiB of input and their output in flight, about 2 MiB per worker.
const maxWorkers = 256

// scoreOptions are the settings of creditkit score.
type scoreOptions struct {
	card, in, out, rejects string
	format, outFormat      string
	id                     string
	reasons, workers       int
	approve, refer         float64
	allowRejects           bool
	scoreOnly              bool
	ignoreUnknown          bool
	noProgress             bool
}

func newScoreCommand() *cobra.Command {
	o := scoreOptions{}
	cmd := &cobra.Command{
		Use:   "score --card CARD --in FILE --out FILE",
		Short: "Assess every applicant of a CSV or JSON Lines file",
		Long: `Assess every applicant of a CSV or JSON Lines file with a scorecard and write one result
row per applicant, in input order: score, PD, grade, decision, limit, rate, APR, the policy
rules hit and the top reasons. Files of any size stream through in constant memory, on
every core (--workers).

--card is a built-in card (individual, enterprise) or a scorecard JSON file (from
creditkit fit or creditkit card import). --in and --out take "-" for standard input and
output. The format follows the file extension (.csv; .jsonl, .ndjson or .json for JSON
Lines); on standard input a first character "{" means JSON Lines; --format and
--out-format override. The output has the input's format unless --out-format says otherwise.

A CSV file has a header row. Its columns are the JSON paths of credit facts (below), plus
an optional ID column (--id, default "id") copied to the output. Columns may come in any
order and any may be left out; an empty cell is a missing value, which the scorecard scores
by its missing policy. Every assessment needs request.term_months, request.product and
request.method, so those columns are required (not with --score-only). Unknown columns stop
the run before anything is written, unless --ignore-unknown.

A JSON Lines file holds one facts object per line, as the API takes it, with an optional
"id" (string or number):
  {"id":"A-1","income":{"monthly":"18000"},"request":{"term_months":36,"product":"consumer","method":"equal_instalments"}}

Rows that cannot be read or fail validation are written to the rejects file (--rejects;
by default the output name with .rejects.csv, or standard error when --out is "-"), one
"line,id,reason" row each, and the run goes on. The exit status is then 3 unless
--allow-rejects.

The policy is credit's default (credit.Config): approve at 540 and refer at 510 points,
the scale of the built-in cards. A card on another scale needs its own --approve-score and
--refer-score.

--score-only skips the policy: it writes score, PD, master-scale grade and reasons only
(no limit, rate or decision, no rule hits, no grade D for obligors in default), and needs
no request columns. It is about 100 times faster (under 1 µs of CPU per row against about
80 µs): ordinary CSV rows are read straight into columns and scored in blocks.

Output columns (CSV; JSON Lines has the same names, with reasons and rule_hits as arrays):
  line       the input line the row starts on
  id         the ID column's value
  score      sum of the card's points
  pd         probability of default at the score (6 decimals)
  grade      master-scale grade, AAA … C, D in default
  decision   approve, refer or decline
  limit      credit limit offered (2 decimals)
  rate_bp    annual rate in basis points
  apr        annual percentage rate as a fraction (6 decimals)
  rule_hits  codes of the policy rules hit, space-separated
  reason_1…  codes of the top reasons the score is not higher (--reasons, default 4)

Columns of the input (type: integer, number, amount — plain decimal digits such as
1234.50 — boolean true/false or 1/0, or one of the names listed):

` + columnsHelp() + `
A progress bar (rows, rows/s, and for a file the share done and the time left) is drawn on
standard error when it is a terminal. A one-line summary follows the run: on standard output, or on standard error
when the output itself goes to standard output.

` + exitCodesHelp,
		Example: `  creditkit score --card individual --in applicants.csv --out scored.csv
  creditkit score --card card.json --in applicants.jsonl --out - --allow-rejects | head
  zcat big.csv.gz | creditkit score --card enterprise --in - --out scored.csv --rejects bad.csv`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return score(cmd.Context(), o, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.card, "card", "", "scorecard: individual, enterprise, or a card JSON file (required)")
	f.StringVar(&o.in, "in", "", `applicants file, or "-" for standard input (required)`)
	f.StringVar(&o.out, "out", "", `results file, or "-" for standard output (required)`)
	f.StringVar(&o.rejects, "rejects", "", "rejects file (default: the output name with .rejects.csv)")
	f.StringVar(&o.format, "format", "", "input format, csv or jsonl (default: from the extension)")
	f.StringVar(&o.outFormat, "out-format", "", "output format, csv or jsonl (default: from the extension, else the input's)")
	f.StringVar(&o.id, "id", "id", "CSV column holding the applicant's ID, copied to the output")
	f.IntVar(&o.reasons, "reasons", 4, fmt.Sprintf("top reasons written per row (1–%d)", maxReasons))
	f.IntVar(&o.workers, "workers", defaultWorkers(), fmt.Sprintf("goroutines assessing rows (1–%d; about 2 MiB of memory each)", maxWorkers))
	f.Float64Var(&o.approve, "approve-score", 0, "approve at or above this score, absent rule hits (default 540, for the built-in cards' scale)")
	f.Float64Var(&o.refer, "refer-score", 0, "refer at or above this score, decline below (default 510)")
	f.BoolVar(&o.allowRejects, "allow-rejects", false, "exit 0 even when rows were rejected")
	f.BoolVar(&o.scoreOnly, "score-only", false, "write score, PD, grade and reasons only, without the policy")
	f.BoolVar(&o.ignoreUnknown, "ignore-unknown", false, "skip CSV columns that are not credit facts")
	f.BoolVar(&o.noProgress, "no-progress", false, "never draw the progress bar")
	return cmd
}

// defaultWorkers is one worker per core.
func defaultWorkers() int { return runtime.GOMAXPROCS(0) }

// columnsHelp is the column table as plain text for the command help.
func columnsHelp() string {
	var b strings.Builder
	for _, c := range factColumns() {
		typ := c.kind.String()
		if c.kind == kindEnum {
			typ += " " + strings.Join(c.values, ", ")
		}
		fmt.Fprintf(&b, "  %-38s %s: %s\n", c.name, typ, c.doc)
	}
	return b.String()
}

// rejectsError reports a run that finished with rejected rows; it exits with exitRejects.
type rejectsError struct {
	n     int
	where string
}

func (e *rejectsError) Error() string {
	return fmt.Sprintf("%d rows rejected (%s); use --allow-rejects to accept", e.n, e.where)
}

func (o *scoreOptions) check() error {
	var missing []string
	for _, f := range []struct{ name, v string }{{"card", o.card}, {"in", o.in}, {"out", o.out}} {
		if f.v == "" {
			missing = append(missing, "--"+f.name)
		}
	}
	switch {
	case len(missing) > 0:
		return usageError{fmt.Errorf("%s required", strings.Join(missing, ", "))}
	case o.reasons < 1 || o.reasons > maxReasons:
		return usageError{fmt.Errorf("--reasons must be between 1 and %d", maxReasons)}
	case o.workers < 1 || o.workers > maxWorkers:
		return usageError{fmt.Errorf("--workers must be between 1 and %d", maxWorkers)}
	case o.rejects != "" && o.rejects != "-" && o.rejects == o.out:
		return usageError{errors.New("--rejects and --out name the same file")}
	}
	return nil
}

// defaultRejects is the rejects file beside out: scored.csv → scored.rejects.csv.
func defaultRejects(out string) string {
	if out == "-" {
		return "-"
	}
	if i := strings.LastIndexByte(out, '.'); i > strings.LastIndexAny(out, `/\`) {
		out = out[:i]
	}
	return out + ".rejects.csv"
}

func score(ctx context.Context, o scoreOptions, stdin io.Reader, stdout, stderr io.Writer) error {
	if err := o.check(); err != nil {
		return err
	}
	// Ctrl-C or SIGTERM stops the run cleanly: no partial output file is left behind.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	card, err := loadCard(o.card)
	if err != nil {
		return err
	}
	model, err := credit.Compile(card)
	if err != nil {
		return fmt.Errorf("card %s: %w", o.card, err)
	}
	assessor, err := credit.NewAssessor(model, credit.Config{Reasons: o.reasons, ApproveScore: o.approve, ReferScore: o.refer})
	if err != nil {
		return usageError{fmt.Errorf("policy: %w", err)}
	}

	in, size, err := openInput(o.in, stdin)
	if err != nil {
		return err
	}
	defer in.Close()
	br := bufio.NewReaderSize(in, 256<<10)
	inFormat, err := chooseInputFormat(o, br)
	if err != nil {
		return err
	}
	// CSV is framed in place by csvFramer; JSON Lines line by line by recordReader.
	var fill func(*batch) error
	plan := rowPlan{format: formatJSONL, idCol: -1}
	if inFormat == formatCSV {
		fr := newCSVFramer(br)
		header, err := fr.header()
		switch {
		case errors.Is(err, io.EOF):
			return fmt.Errorf("%s: empty input: no header row", inputName(o.in))
		case err != nil:
			return fmt.Errorf("read %s: %w", inputName(o.in), err)
		case header.tooLong:
			return fmt.Errorf("%s: header: %w", inputName(o.in), errRecordTooLong)
		}
		if plan, err = planCSV(header.data, o.id, o.ignoreUnknown, !o.scoreOnly); err != nil {
			return fmt.Errorf("%s: %w", inputName(o.in), err)
		}
		fill = fr.fill
	} else {
		rr := newRecordReader(br, inFormat)
		fill = func(b *batch) error { return b.fill(rr) }
	}
	outFormat := inFormat
	switch {
	case o.outFormat != "":
		if outFormat, err = parseFormat(o.outFormat); err != nil {
			return err
		}
	case o.out != "-":
		if f, ok := formatOf(o.out); ok {
			outFormat = f
		}
	}

	s := &scorer{model: model, assessor: assessor, plan: plan, format: outFormat, reasons: o.reasons,
		scoreOnly: o.scoreOnly, scale: credit.DefaultMasterScale()}
	newWorker := s.newWorker
	if o.scoreOnly && inFormat == formatCSV {
		if fast, ok := s.newFastWorker(card); ok {
			newWorker = fast
		}
	}
	out, err := createOutput(o.out, stdout)
	if err != nil {
		return err
	}
	defer out.abort()
	rejectsPath := o.rejects
	if rejectsPath == "" {
		rejectsPath = defaultRejects(o.out)
	}
	var rej *output
	if rejectsPath != "-" {
		if rej, err = createOutput(rejectsPath, stdout); err != nil {
			return err
		}
		defer rej.abort()
		_, _ = rej.WriteString("line,id,reason\n")
	}
	_, _ = out.Write(s.header())

	var prog *progress
	if !o.noProgress && stderrIsTerminal(stderr) {
		prog = startProgress(stderr, "scoring", size)
	}
	start := time.Now()
	var rows, rejected int64
	var line []byte
	err = runBatches(ctx, fill, o.workers, newWorker, func(b *batch) error {
		if _, err := out.Write(b.out); err != nil {
			return fmt.Errorf("write %s: %w", out.name(), err)
		}
		for _, r := range b.rejects {
			if rej == nil {
				fmt.Fprintf(stderr, "creditkit: rejected line %d%s: %s\n", r.line, idNote(r.id), r.reason)
				continue
			}
			line = strconv.AppendInt(line[:0], int64(r.line), 10)
			line = append(line, ',')
			line = appendCSVField(line, r.id)
			line = append(line, ',')
			line = appendCSVField(line, r.reason)
			line = append(line, '\n')
			if _, err := rej.Write(line); err != nil {
				return fmt.Errorf("write %s: %w", rej.name(), err)
			}
		}
		rows += int64(b.rows)
		rejected += int64(len(b.rejects))
		prog.update(rows, b.read)
		return nil
	})
	prog.finish()
	if err != nil {
		if errors.Is(err, context.Canceled) {
			err = errors.New("interrupted: no output written")
			if o.out == "-" {
				err = errors.New("interrupted: the output is incomplete")
			}
		}
		return err
	}
	if err := out.commit(); err != nil {
		return err
	}
	if rej != nil {
		if err := rej.commit(); err != nil {
			return err
		}
	}

	elapsed := time.Since(start)
	summary := stdout
	if o.out == "-" {
		summary = stderr
	}
	where := "none"
	if rejected > 0 {
		where = "on standard error"
		if rej != nil {
			where = "in " + rej.path
		}
	}
	fmt.Fprintf(summary, "scored %s rows, rejected %s (%s), in %s (%s rows/s) with %s\n",
		thousands(rows), thousands(rejected), where, elapsed.Round(time.Millisecond),
		thousands(int64(float64(rows+rejected)/math.Max(elapsed.Seconds(), 1e-9))), cardName(model))
	if rejected > 0 && !o.allowRejects {
		return &rejectsError{n: int(rejected), where: where}
	}
	return nil
}

func idNote(id string) string {
	if id == "" {
		return ""
	}
	return " (id " + strconv.Quote(id) + ")"
}

func inputName(path string) string {
	if path == "-" {
		return "standard input"
	}
	return path
}

func cardName(m *credit.Model) string {
	id, version, _ := m.Card()
	return "card " + id + " " + version
}

// chooseInputFormat picks the input format: --format, else the extension, else a look at the
// first character ("{" is JSON Lines).
func chooseInputFormat(o scoreOptions, br *bufio.Reader) (fileFormat, error) {
	if o.format != "" {
		return parseFormat(o.format)
	}
	if o.in != "-" {
		if f, ok := formatOf(o.in); ok {
			return f, nil
		}
	}
	head, _ := br.Peek(512)
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	if t := bytes.TrimLeft(head, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		return formatJSONL, nil
	}
	return formatCSV, nil
}

// scorer assesses rows and formats the results.
type scorer struct {
	model     *credit.Model
	assessor  *credit.Assessor
	plan      rowPlan
	format    fileFormat
	reasons   int
	scoreOnly bool
	scale     credit.MasterScale
}

// result is what one row's assessment writes.
type result struct {
	score, pd float64
	grade     credit.Grade
	decision  credit.Decision
	limit     decimal.Decimal
	rateBP    int64
	apr       decimal.Decimal
	ruleHits  []credit.RuleHit
	reasons   [maxReasons]string
	nReasons  int
}

func (s *scorer) header() []byte {
	if s.format == formatJSONL {
		return nil
	}
	h := "line,id,score,pd,grade"
	if !s.scoreOnly {
		h += ",decision,limit,rate_bp,apr,rule_hits"
	}
	for i := 1; i <= s.reasons; i++ {
		h += ",reason_" + strconv.Itoa(i)
	}
	return []byte(h + "\n")
}

// newWorker returns the per-goroutine row processor of the pipeline.
func (s *scorer) newWorker() func(*batch) {
	p := newRowParser(s.plan)
	var pts []credit.Points
	var res result
	return func(b *batch) {
		for i := range b.recs {
			rec := &b.recs[i]
			if rec.tooLong {
				b.rejects = append(b.rejects, reject{line: rec.line, reason: errRecordTooLong.Error()})
				continue
			}
			f, id, err := p.parse(b.record(i))
			if err == nil {
				pts, err = s.assess(f, &res, pts)
			}
			if err != nil {
				b.rejects = append(b.rejects, reject{line: rec.line, id: string(id), reason: oneLine(err.Error())})
				continue
			}
			b.out = s.appendResult(b.out, rec.line, id, &res)
			b.rows++
		}
	}
}

// assess fills res for f. pts is scratch space for --score-only.
func (s *scorer) assess(f *credit.Facts, res *result, pts []credit.Points) ([]credit.Points, error) {
	if !s.scoreOnly {
		r, err := s.assessor.Assess(*f)
		if err != nil {
			return pts, err
		}
		*res = result{score: r.Score, pd: r.PD, grade: r.Grade, decision: r.Decision, limit: r.Limit,
			rateBP: r.Price.RateBP, apr: r.Price.APR, ruleHits: r.RuleHits}
		for _, x := range r.Reasons {
			res.reasons[res.nReasons] = x.Code
			res.nReasons++
		}
		return pts, nil
	}
	if err := f.Validate(); err != nil {
		return pts, err
	}
	pts = s.model.Points(f, pts[:0])
	*res = result{}
	for _, p := range pts {
		res.score += p.Points
	}
	res.pd = s.model.PD(res.score)
	res.grade = s.scale.Grade(res.pd)
	res.nReasons = topReasons(pts, res.reasons[:s.reasons])
	return pts, nil
}

// topReasons writes into dst the reason codes of the characteristics furthest below their
// maximum points, largest gap first and ties in card order — the order credit's assessment
// gives its reasons — and returns how many it wrote.
func topReasons(pts []credit.Points, dst []string) int {
	var gaps [maxReasons]float64
	n := 0
	for _, p := range pts {
		g := p.MaxPoints - p.Points
		if !(g > 0) {
			continue
		}
		// position after every kept gap at least as large (ties stay in card order)
		at := n
		for at > 0 && gaps[at-1] < g {
			at--
		}
		if at >= len(dst) {
			continue
		}
		if n < len(dst) {
			n++
		}
		copy(gaps[at+1:n], gaps[at:n-1])
		copy(dst[at+1:n], dst[at:n-1])
		gaps[at], dst[at] = g, p.ReasonCode
	}
	return n
}

func (s *scorer) appendResult(dst []byte, line int, id []byte, r *result) []byte {
	if s.format == formatJSONL {
		return s.appendJSON(dst, line, id, r)
	}
	dst = strconv.AppendInt(dst, int64(line), 10)
	dst = append(dst, ',')
	dst = appendCSVCell(dst, id)
	dst = append(dst, ',')
	dst = appendRound(dst, r.score)
	dst = append(dst, ',')
	dst = strconv.AppendFloat(dst, r.pd, 'f', 6, 64)
	dst = append(dst, ',')
	dst = append(dst, r.grade.String()...)
	if !s.scoreOnly {
		dst = append(dst, ',')
		dst = append(dst, r.decision.String()...)
		dst = append(dst, ',')
		dst = append(dst, r.limit.StringFixed(2)...)
		dst = append(dst, ',')
		dst = strconv.AppendInt(dst, r.rateBP, 10)
		dst = append(dst, ',')
		dst = append(dst, r.apr.StringFixed(6)...)
		dst = append(dst, ',')
		for i, h := range r.ruleHits {
			if i > 0 {
				dst = append(dst, ' ')
			}
			dst = append(dst, h.Code...)
		}
	}
	for i := range s.reasons {
		dst = append(dst, ',')
		if i < r.nReasons {
			dst = appendCSVCell(dst, r.reasons[i])
		}
	}
	return append(dst, '\n')
}

// appendCSVCell is appendCSVField, faster on the short plain cells of a result row (an ID, a
// reason code).
func appendCSVCell[T string | []byte](dst []byte, s T) []byte {
	if len(s) == 0 {
		return dst
	}
	if s[0] != ' ' && s[len(s)-1] != ' ' {
		plain := true
		for i := 0; i < len(s); i++ {
			if c := s[i]; c == ',' || c == '"' || c == '\r' || c == '\n' {
				plain = false
				break
			}
		}
		if plain {
			return append(dst, s...)
		}
	}
	return appendCSVField(dst, string(s))
}

func (s *scorer) appendJSON(dst []byte, line int, id []byte, r *result) []byte {
	dst = append(dst, `{"line":`...)
	dst = strconv.AppendInt(dst, int64(line), 10)
	dst = append(dst, `,"id":`...)
	if id == nil {
		dst = append(dst, "null"...)
	} else {
		dst = appendJSONString(dst, string(id))
	}
	dst = append(dst, `,"score":`...)
	dst = appendRound(dst, r.score)
	dst = append(dst, `,"pd":`...)
	dst = strconv.AppendFloat(dst, r.pd, 'f', 6, 64)
	dst = append(dst, `,"grade":"`...)
	dst = append(dst, r.grade.String()...)
	dst = append(dst, '"')
	if !s.scoreOnly {
		dst = append(dst, `,"decision":"`...)
		dst = append(dst, r.decision.String()...)
		dst = append(dst, `","limit":"`...)
		dst = append(dst, r.limit.StringFixed(2)...)
		dst = append(dst, `","rate_bp":`...)
		dst = strconv.AppendInt(dst, r.rateBP, 10)
		dst = append(dst, `,"apr":"`...)
		dst = append(dst, r.apr.StringFixed(6)...)
		dst = append(dst, `","rule_hits":[`...)
		for i, h := range r.ruleHits {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, h.Code)
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"reasons":[`...)
	for i := range r.nReasons {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, r.reasons[i])
	}
	return append(dst, "]}\n"...)
}

// oneLine makes an error message fit one line of a rejects file, without the "credit:
// invalid input: " every validation error of package credit starts with.
func oneLine(s string) string {
	s = strings.TrimPrefix(s, credit.ErrInvalid.Error()+": ")
	return strings.Join(strings.Fields(s), " ")
}

// roundTo rounds x to d decimals, without a negative zero.
func roundTo(x float64, d int) float64 {
	p := math.Pow10(d)
	r := math.Round(x*p) / p
	if r == 0 {
		return 0
	}
	return r
}
