package cards

import (
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/creditkit/creditkit/credit"
)

// PMML 4.4 document shapes, the subset a Scorecard model needs.

type pmmlDoc struct {
	XMLName        xml.Name        `xml:"PMML"`
	Xmlns          string          `xml:"xmlns,attr,omitempty"`
	Version        string          `xml:"version,attr"`
	Header         pmmlHeader      `xml:"Header"`
	DataDictionary pmmlDictionary  `xml:"DataDictionary"`
	Scorecards     []pmmlScorecard `xml:"Scorecard"`
}

type pmmlHeader struct {
	Description string           `xml:"description,attr,omitempty"`
	Application *pmmlApplication `xml:"Application"`
}

type pmmlApplication struct {
	Name    string `xml:"name,attr"`
	Version string `xml:"version,attr,omitempty"`
}

type pmmlDictionary struct {
	NumberOfFields int             `xml:"numberOfFields,attr"`
	Fields         []pmmlDataField `xml:"DataField"`
}

type pmmlDataField struct {
	Name     string      `xml:"name,attr"`
	Optype   string      `xml:"optype,attr"`
	DataType string      `xml:"dataType,attr"`
	Values   []pmmlValue `xml:"Value"`
}

type pmmlValue struct {
	Value string `xml:"value,attr"`
}

type pmmlExtension struct {
	Extender string `xml:"extender,attr,omitempty"`
	Name     string `xml:"name,attr"`
	Value    string `xml:"value,attr"`
}

type pmmlScorecard struct {
	ModelName           string              `xml:"modelName,attr,omitempty"`
	FunctionName        string              `xml:"functionName,attr"`
	UseReasonCodes      string              `xml:"useReasonCodes,attr,omitempty"`
	ReasonCodeAlgorithm string              `xml:"reasonCodeAlgorithm,attr,omitempty"`
	InitialScore        string              `xml:"initialScore,attr,omitempty"`
	BaselineMethod      string              `xml:"baselineMethod,attr,omitempty"`
	Extensions          []pmmlExtension     `xml:"Extension"`
	MiningSchema        pmmlMiningSchema    `xml:"MiningSchema"`
	Output              *pmmlOutput         `xml:"Output"`
	Characteristics     pmmlCharacteristics `xml:"Characteristics"`
}

type pmmlMiningSchema struct {
	Fields []pmmlMiningField `xml:"MiningField"`
}

type pmmlMiningField struct {
	Name      string `xml:"name,attr"`
	UsageType string `xml:"usageType,attr,omitempty"`
	Invalid   string `xml:"invalidValueTreatment,attr,omitempty"`
}

type pmmlOutput struct {
	Fields []pmmlOutputField `xml:"OutputField"`
}

type pmmlOutputField struct {
	Name     string `xml:"name,attr"`
	Feature  string `xml:"feature,attr"`
	DataType string `xml:"dataType,attr"`
	Optype   string `xml:"optype,attr"`
	Rank     int    `xml:"rank,attr,omitempty"`
}

type pmmlCharacteristics struct {
	List []pmmlCharacteristic `xml:"Characteristic"`
}

type pmmlCharacteristic struct {
	Name          string          `xml:"name,attr,omitempty"`
	ReasonCode    string          `xml:"reasonCode,attr,omitempty"`
	BaselineScore string          `xml:"baselineScore,attr,omitempty"`
	Attributes    []pmmlAttribute `xml:"Attribute"`
}

type pmmlAttribute struct {
	ReasonCode   string `xml:"reasonCode,attr,omitempty"`
	PartialScore string `xml:"partialScore,attr"`
	pmmlPredicate
}

// pmmlPredicate holds exactly one of its fields.
type pmmlPredicate struct {
	Simple   *pmmlSimple   `xml:"SimplePredicate"`
	Compound *pmmlCompound `xml:"CompoundPredicate"`
	Set      *pmmlSet      `xml:"SimpleSetPredicate"`
	True     *struct{}     `xml:"True"`
}

type pmmlSimple struct {
	Field    string `xml:"field,attr"`
	Operator string `xml:"operator,attr"`
	Value    string `xml:"value,attr,omitempty"`
}

type pmmlCompound struct {
	BooleanOperator string       `xml:"booleanOperator,attr"`
	Simple          []pmmlSimple `xml:"SimplePredicate"`
}

type pmmlSet struct {
	Field           string    `xml:"field,attr"`
	BooleanOperator string    `xml:"booleanOperator,attr"`
	Array           pmmlArray `xml:"Array"`
}

type pmmlArray struct {
	N     int    `xml:"n,attr"`
	Type  string `xml:"type,attr"`
	Value string `xml:",chardata"`
}

const pmmlNS = "http://www.dmg.org/PMML-4_4"

// Extension names under which WritePMML stores what PMML has no element for.
const (
	extBaseScore = "base_score"
	extBaseOdds  = "base_odds"
	extPDO       = "pdo"
	extVersion   = "version"
	extender     = "creditkit"
)

// WritePMML writes card as a PMML 4.4 Scorecard model with reason codes
// (reasonCodeAlgorithm "pointsBelow", baselineMethod "max": each characteristic's baseline is
// its highest points). Each characteristic's attributes come in this order: isMissing, then
// each special value set, then the bins ([lo, hi) as greaterOrEqual / lessThan), then, for a
// categorical characteristic, a catch-all True attribute with the missing points, so that a
// category in no bin scores as missing exactly as creditkit scores it. The scaling and the
// version travel in Extension elements (extender "creditkit"). Errors: the card's own
// validation error, or the writer's.
func WritePMML(w io.Writer, card *credit.Scorecard) error {
	if err := card.Validate(); err != nil {
		return err
	}
	doc := pmmlDoc{Xmlns: pmmlNS, Version: "4.4",
		Header: pmmlHeader{Description: card.Description, Application: &pmmlApplication{Name: "creditkit"}}}
	sc := pmmlScorecard{
		ModelName: card.ModelID, FunctionName: "regression", UseReasonCodes: "true",
		ReasonCodeAlgorithm: "pointsBelow", InitialScore: "0", BaselineMethod: "max",
		Extensions: []pmmlExtension{
			{Extender: extender, Name: extBaseScore, Value: fmtFloat(card.Scaling.BaseScore)},
			{Extender: extender, Name: extBaseOdds, Value: fmtFloat(card.Scaling.BaseOdds)},
			{Extender: extender, Name: extPDO, Value: fmtFloat(card.Scaling.PDO)},
			{Extender: extender, Name: extVersion, Value: card.Version},
		},
		Output: &pmmlOutput{Fields: []pmmlOutputField{{Name: "FinalScore", Feature: "predictedValue", DataType: "double", Optype: "continuous"}}},
	}
	for i := 1; i <= 4; i++ {
		sc.Output.Fields = append(sc.Output.Fields, pmmlOutputField{Name: fmt.Sprintf("ReasonCode%d", i), Feature: "reasonCode", DataType: "string", Optype: "categorical", Rank: i})
	}
	for _, ch := range card.Characteristics {
		df := pmmlDataField{Name: ch.Variable, Optype: "continuous", DataType: "double"}
		if ch.Type == credit.Categorical {
			df.Optype, df.DataType = "categorical", "string"
			for _, b := range ch.Bins {
				for _, v := range b.Values {
					df.Values = append(df.Values, pmmlValue{Value: v})
				}
			}
		}
		doc.DataDictionary.Fields = append(doc.DataDictionary.Fields, df)
		sc.MiningSchema.Fields = append(sc.MiningSchema.Fields, pmmlMiningField{Name: ch.Variable, UsageType: "active", Invalid: "asMissing"})
		pc := pmmlCharacteristic{Name: ch.Variable + "_score"}
		best := ch.Missing.Points
		pc.Attributes = append(pc.Attributes, pmmlAttribute{ReasonCode: ch.Missing.ReasonCode, PartialScore: fmtFloat(ch.Missing.Points),
			pmmlPredicate: pmmlPredicate{Simple: &pmmlSimple{Field: ch.Variable, Operator: "isMissing"}}})
		for _, s := range ch.Special {
			best = max(best, s.Points)
			vals := make([]string, len(s.Values))
			for i, v := range s.Values {
				vals[i] = fmtFloat(v)
			}
			pc.Attributes = append(pc.Attributes, pmmlAttribute{ReasonCode: s.ReasonCode, PartialScore: fmtFloat(s.Points),
				pmmlPredicate: pmmlPredicate{Set: &pmmlSet{Field: ch.Variable, BooleanOperator: "isIn", Array: pmmlArray{N: len(vals), Type: "real", Value: strings.Join(vals, " ")}}}})
		}
		for _, b := range ch.Bins {
			best = max(best, b.Points)
			a := pmmlAttribute{ReasonCode: b.ReasonCode, PartialScore: fmtFloat(b.Points)}
			if ch.Type == credit.Categorical {
				a.Set = &pmmlSet{Field: ch.Variable, BooleanOperator: "isIn", Array: pmmlArray{N: len(b.Values), Type: "string", Value: quoteArray(b.Values)}}
			} else {
				var preds []pmmlSimple
				if b.Lo != nil {
					preds = append(preds, pmmlSimple{Field: ch.Variable, Operator: "greaterOrEqual", Value: fmtFloat(*b.Lo)})
				}
				if b.Hi != nil {
					preds = append(preds, pmmlSimple{Field: ch.Variable, Operator: "lessThan", Value: fmtFloat(*b.Hi)})
				}
				switch len(preds) {
				case 0:
					a.True = &struct{}{}
				case 1:
					a.Simple = &preds[0]
				default:
					a.Compound = &pmmlCompound{BooleanOperator: "and", Simple: preds}
				}
			}
			pc.Attributes = append(pc.Attributes, a)
		}
		if ch.Type == credit.Categorical {
			pc.Attributes = append(pc.Attributes, pmmlAttribute{ReasonCode: ch.Missing.ReasonCode, PartialScore: fmtFloat(ch.Missing.Points),
				pmmlPredicate: pmmlPredicate{True: &struct{}{}}})
		}
		pc.BaselineScore = fmtFloat(best)
		sc.Characteristics.List = append(sc.Characteristics.List, pc)
	}
	doc.DataDictionary.Fields = append(doc.DataDictionary.Fields, pmmlDataField{Name: card.Target, Optype: "continuous", DataType: "double"})
	sc.MiningSchema.Fields = append(sc.MiningSchema.Fields, pmmlMiningField{Name: card.Target, UsageType: "target"})
	doc.DataDictionary.NumberOfFields = len(doc.DataDictionary.Fields)
	doc.Scorecards = []pmmlScorecard{sc}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(&doc); err != nil {
		return fmt.Errorf("cards: write pmml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("cards: write pmml: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// ReadPMML imports the first Scorecard model of a PMML document (4.x). Supported attribute
// predicates: isMissing; equal, greaterOrEqual, greaterThan, lessThan, lessOrEqual on one
// field, alone or joined by "and" (greaterThan a and lessOrEqual b are read exactly as
// [next float above a, next float above b)); SimpleSetPredicate isIn; and a final True that
// catches what no other attribute does (it becomes the missing policy of a characteristic
// without an isMissing attribute, and must carry the missing points otherwise). A numeric
// equal or isIn becomes a special-value bin. The Scorecard's initialScore is added to the
// first characteristic. Reason codes come from the attribute or else its characteristic.
// A field's type comes from the DataDictionary (continuous → numeric). Errors: *FormatError
// for anything else; *credit.ValidationError for gaps and overlaps.
func ReadPMML(r io.Reader, o Options) (*credit.Scorecard, error) {
	var doc pmmlDoc
	dec := xml.NewDecoder(io.LimitReader(r, maxInput))
	if err := dec.Decode(&doc); err != nil {
		return nil, &FormatError{Format: "pmml", Msg: "xml: " + err.Error()}
	}
	if len(doc.Scorecards) == 0 {
		return nil, &FormatError{Format: "pmml", Msg: "no Scorecard model"}
	}
	sc := doc.Scorecards[0]
	numeric := map[string]bool{}
	for _, f := range doc.DataDictionary.Fields {
		numeric[f.Name] = f.Optype == "continuous"
	}
	target := ""
	for _, f := range sc.MiningSchema.Fields {
		if f.UsageType == "target" || f.UsageType == "predicted" {
			target = f.Name
		}
	}
	scaling := credit.Scaling{BaseScore: 600, BaseOdds: 50, PDO: 20}
	version := ""
	for _, e := range sc.Extensions {
		if e.Extender != extender {
			continue
		}
		if e.Name == extVersion {
			version = e.Value
			continue
		}
		f, err := strconv.ParseFloat(e.Value, 64)
		if err != nil {
			return nil, &FormatError{Format: "pmml", Msg: fmt.Sprintf("extension %s: %q is not a number", e.Name, e.Value)}
		}
		switch e.Name {
		case extBaseScore:
			scaling.BaseScore = f
		case extBaseOdds:
			scaling.BaseOdds = f
		case extPDO:
			scaling.PDO = f
		}
	}
	if o.Version == "" && version != "" {
		o.Version = version
	}
	var base float64
	if sc.InitialScore != "" {
		f, err := strconv.ParseFloat(sc.InitialScore, 64)
		if err != nil || !finite(f) {
			return nil, &FormatError{Format: "pmml", Msg: fmt.Sprintf("initialScore %q is not a finite number", sc.InitialScore)}
		}
		base = f
	}
	b := newBuilder("pmml")
	for _, pc := range sc.Characteristics.List {
		if err := readCharacteristic(b, pc, numeric); err != nil {
			return nil, err
		}
	}
	return b.card(o, sc.ModelName, target, scaling, base)
}

// readCharacteristic adds one PMML Characteristic to b.
func readCharacteristic(b *builder, pc pmmlCharacteristic, numeric map[string]bool) error {
	fail := func(variable, msg string) error {
		return &FormatError{Format: "pmml", Variable: cmpOr(variable, pc.Name), Msg: msg}
	}
	var v *variable
	var catchAll *credit.Outcome
	for k, a := range pc.Attributes {
		pts, err := strconv.ParseFloat(a.PartialScore, 64)
		if err != nil || !finite(pts) {
			return fail("", fmt.Sprintf("attribute %d: partialScore %q is not a finite number", k+1, a.PartialScore))
		}
		code := cmpOr(a.ReasonCode, pc.ReasonCode)
		field := a.field()
		if a.True != nil {
			if k != len(pc.Attributes)-1 || v == nil {
				return fail("", "a True attribute is supported only as the last of a characteristic")
			}
			catchAll = &credit.Outcome{Points: pts, ReasonCode: cmpOr(code, v.code)}
			continue
		}
		if field == "" {
			return fail("", fmt.Sprintf("attribute %d: unsupported predicate", k+1))
		}
		if v == nil {
			if _, seen := b.byName[field]; seen {
				return fail(field, "field scored by two characteristics")
			}
			v = b.variable(field)
		} else if field != v.name {
			return fail(field, "a characteristic must test one field")
		}
		code = cmpOr(code, v.code)
		isNum, known := numeric[field]
		switch {
		case a.Simple != nil && a.Simple.Operator == "isMissing":
			if v.missing != nil {
				return fail(field, "second isMissing attribute")
			}
			v.missing = &credit.Outcome{Points: pts, ReasonCode: code}
		case a.Set != nil:
			if a.Set.BooleanOperator != "isIn" {
				return fail(field, "only isIn set predicates are supported")
			}
			vals, ok := splitArray(a.Set.Array.Value)
			if !ok || len(vals) == 0 {
				return fail(field, "malformed Array")
			}
			if (known && isNum) || (!known && a.Set.Array.Type != "string") {
				if err := addSpecial(v, vals, pts, code); err != nil {
					return fail(field, err.Error())
				}
			} else {
				if !v.setKind(false) {
					return fail(field, "set of categories in a numeric field")
				}
				v.cats = append(v.cats, credit.Bin{Values: vals, Points: pts, ReasonCode: code})
			}
		case a.Simple != nil && a.Simple.Operator == "equal":
			if (known && isNum) || !known && isNumber(a.Simple.Value) {
				if err := addSpecial(v, []string{a.Simple.Value}, pts, code); err != nil {
					return fail(field, err.Error())
				}
			} else {
				if !v.setKind(false) {
					return fail(field, "category in a numeric field")
				}
				v.cats = append(v.cats, credit.Bin{Values: []string{a.Simple.Value}, Points: pts, ReasonCode: code})
			}
		default:
			lo, hi, err := a.interval()
			if err != nil {
				return fail(field, fmt.Sprintf("attribute %d: %v", k+1, err))
			}
			if !v.setKind(true) {
				return fail(field, "interval in a categorical field")
			}
			v.ranges = append(v.ranges, rangeBin{lo: lo, hi: hi, points: pts, code: code})
		}
	}
	if v == nil {
		return fail("", "characteristic without attributes")
	}
	if catchAll != nil && len(v.ranges) == 0 && (v.numeric || (!v.typed && numeric[v.name])) {
		// A numeric characteristic whose only range is everything: the catch-all is that bin.
		v.setKind(true)
		v.ranges = append(v.ranges, rangeBin{lo: math.Inf(-1), hi: math.Inf(1), points: catchAll.Points, code: catchAll.ReasonCode})
		catchAll = nil
	}
	if catchAll != nil {
		switch {
		case v.missing == nil:
			v.missing = catchAll
		case v.missing.Points != catchAll.Points:
			return fail(v.name, "a catch-all True attribute with points other than the missing points cannot be represented")
		}
	}
	if !v.typed {
		v.setKind(numeric[v.name])
	}
	return nil
}

func addSpecial(v *variable, vals []string, pts float64, code string) error {
	if !v.setKind(true) {
		return fmt.Errorf("numeric special value in a categorical field")
	}
	fs := make([]float64, len(vals))
	for i, s := range vals {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || !finite(f) {
			return fmt.Errorf("special value %q is not a finite number", s)
		}
		fs[i] = f
	}
	v.special = append(v.special, credit.SpecialBin{Values: fs, Points: pts, ReasonCode: code})
	return nil
}

// field returns the one field an attribute's predicate tests, or "".
func (a pmmlAttribute) field() string {
	switch {
	case a.Simple != nil:
		return a.Simple.Field
	case a.Set != nil:
		return a.Set.Field
	case a.Compound != nil && len(a.Compound.Simple) > 0:
		f := a.Compound.Simple[0].Field
		for _, s := range a.Compound.Simple {
			if s.Field != f {
				return ""
			}
		}
		return f
	}
	return ""
}

// interval reads a range predicate as the left-closed interval [lo, hi).
func (a pmmlAttribute) interval() (lo, hi float64, err error) {
	lo, hi = math.Inf(-1), math.Inf(1)
	var preds []pmmlSimple
	switch {
	case a.Simple != nil:
		preds = []pmmlSimple{*a.Simple}
	case a.Compound != nil && a.Compound.BooleanOperator == "and" && len(a.Compound.Simple) <= 2:
		preds = a.Compound.Simple
	default:
		return 0, 0, fmt.Errorf("unsupported predicate")
	}
	for _, p := range preds {
		f, err := strconv.ParseFloat(p.Value, 64)
		if err != nil || !finite(f) {
			return 0, 0, fmt.Errorf("value %q is not a finite number", p.Value)
		}
		switch p.Operator {
		case "greaterOrEqual":
			lo = max(lo, f)
		case "greaterThan":
			lo = max(lo, math.Nextafter(f, math.Inf(1)))
		case "lessThan":
			hi = min(hi, f)
		case "lessOrEqual":
			hi = min(hi, math.Nextafter(f, math.Inf(1)))
		default:
			return 0, 0, fmt.Errorf("unsupported operator %q", p.Operator)
		}
	}
	if !(lo < hi) {
		return 0, 0, fmt.Errorf("empty interval")
	}
	return lo, hi, nil
}

// splitArray splits a PMML Array's content: items separated by white space, double-quoted
// when they hold spaces, with \" for a quote and \\ for a backslash inside quotes.
func splitArray(s string) ([]string, bool) {
	var out []string
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '"':
			var sb strings.Builder
			i++
			closed := false
			for i < len(s) {
				if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
					sb.WriteByte(s[i+1])
					i += 2
					continue
				}
				if s[i] == '"' {
					closed = true
					i++
					break
				}
				sb.WriteByte(s[i])
				i++
			}
			if !closed {
				return nil, false
			}
			out = append(out, sb.String())
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r", rune(s[j])) {
				j++
			}
			out = append(out, s[i:j])
			i = j
		}
	}
	return out, true
}

// quoteArray renders values as PMML Array content, every item double-quoted.
func quoteArray(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = `"` + strings.ReplaceAll(strings.ReplaceAll(v, `\`, `\\`), `"`, `\"`) + `"`
	}
	return strings.Join(q, " ")
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func isNumber(s string) bool {
	f, err := strconv.ParseFloat(s, 64)
	return err == nil && finite(f)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
