//go:build !race

package customer

// raceEnabled reports a -race build, whose instrumentation changes allocation counts.
const raceEnabled = false
