package customertest

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// These small checks stand in for testify: customertest is an importable package under the
// domain leaf customer, and testify would pull net/http into it (see deps_test.go).

func message(msgAndArgs []any) string {
	if len(msgAndArgs) == 0 {
		return ""
	}
	format, ok := msgAndArgs[0].(string)
	if !ok {
		return fmt.Sprint(msgAndArgs...)
	}
	return ": " + fmt.Sprintf(format, msgAndArgs[1:]...)
}

func report(t *testing.T, fatal bool, what string, msgAndArgs []any) {
	t.Helper()
	if fatal {
		t.Fatalf("%s%s", what, message(msgAndArgs))
	}
	t.Errorf("%s%s", what, message(msgAndArgs))
}

func requireNoError(t *testing.T, err error, msgAndArgs ...any) {
	t.Helper()
	if err != nil {
		report(t, true, fmt.Sprintf("unexpected error: %v", err), msgAndArgs)
	}
}

func requireErrorIs(t *testing.T, err, target error, msgAndArgs ...any) {
	t.Helper()
	if !errors.Is(err, target) {
		report(t, true, fmt.Sprintf("error %v is not %v", err, target), msgAndArgs)
	}
}

func requireErrorAs(t *testing.T, err error, target any, msgAndArgs ...any) {
	t.Helper()
	if !errors.As(err, target) {
		report(t, true, fmt.Sprintf("error %v is not a %T", err, target), msgAndArgs)
	}
}

func length(v any) int {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Map, reflect.String, reflect.Array, reflect.Chan:
		return rv.Len()
	}
	return -1
}

func requireLen(t *testing.T, v any, n int, msgAndArgs ...any) {
	t.Helper()
	if length(v) != n {
		report(t, true, fmt.Sprintf("length %d, want %d: %v", length(v), n, v), msgAndArgs)
	}
}

func assertLen(t *testing.T, v any, n int, msgAndArgs ...any) {
	t.Helper()
	if length(v) != n {
		report(t, false, fmt.Sprintf("length %d, want %d", length(v), n), msgAndArgs)
	}
}

func requireLessOrEqual(t *testing.T, a, b int, msgAndArgs ...any) {
	t.Helper()
	if a > b {
		report(t, true, fmt.Sprintf("%d > %d", a, b), msgAndArgs)
	}
}

func requireNotEmpty(t *testing.T, v any, msgAndArgs ...any) {
	t.Helper()
	if length(v) <= 0 {
		report(t, true, "empty", msgAndArgs)
	}
}

func assertEmpty(t *testing.T, v any, msgAndArgs ...any) {
	t.Helper()
	if length(v) != 0 {
		report(t, false, fmt.Sprintf("not empty: %v", v), msgAndArgs)
	}
}

func assertEqual(t *testing.T, want, got any, msgAndArgs ...any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		report(t, false, fmt.Sprintf("got  %v\nwant %v", got, want), msgAndArgs)
	}
}

func assertNotEqual(t *testing.T, a, b any, msgAndArgs ...any) {
	t.Helper()
	if reflect.DeepEqual(a, b) {
		report(t, false, fmt.Sprintf("both are %v", a), msgAndArgs)
	}
}

func assertTrue(t *testing.T, v bool, msgAndArgs ...any) {
	t.Helper()
	if !v {
		report(t, false, "false, want true", msgAndArgs)
	}
}

func assertFalse(t *testing.T, v bool, msgAndArgs ...any) {
	t.Helper()
	if v {
		report(t, false, "true, want false", msgAndArgs)
	}
}

func assertNotContains(t *testing.T, s, sub string, msgAndArgs ...any) {
	t.Helper()
	if strings.Contains(s, sub) {
		report(t, false, fmt.Sprintf("%q contains %q", s, sub), msgAndArgs)
	}
}

func assertElementsMatch[T comparable](t *testing.T, want, got []T, msgAndArgs ...any) {
	t.Helper()
	count := map[T]int{}
	for _, w := range want {
		count[w]++
	}
	for _, g := range got {
		count[g]--
	}
	for _, n := range count {
		if n != 0 || len(want) != len(got) {
			report(t, false, fmt.Sprintf("got  %v\nwant %v (any order)", got, want), msgAndArgs)
			return
		}
	}
}
