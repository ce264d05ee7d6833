package credit

import (
	"embed"
	"fmt"
)

//go:embed cards/*.json
var builtinFS embed.FS // read-only

// BuiltinCards returns the names of the built-in scorecards: "enterprise" and "individual".
//
// Both are expert-judgement defaults: their points were set by hand from common lending
// practice, not fitted to any bank's data, so their PDs are indicative only. Fit a card on
// your own outcomes (package credit/fit) or recalibrate before relying on them.
func BuiltinCards() []string { return []string{"enterprise", "individual"} }

// BuiltinCard loads a built-in scorecard by name (see BuiltinCards). Each call returns a new
// card. An unknown name is ErrUnknownCard.
func BuiltinCard(name string) (*Scorecard, error) {
	data, err := builtinFS.ReadFile("cards/" + name + ".json")
	if err != nil || name == "" {
		return nil, fmt.Errorf("%w: %q", ErrUnknownCard, name)
	}
	return ParseScorecard(data)
}
