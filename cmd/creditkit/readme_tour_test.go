package main

import (
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tourStep is one ```sh block of the README's tour and the ```json block shown after it.
type tourStep struct {
	commands [][]string // curl commands split into words
	shown    string     // the output the README shows for the last command; "" if none
}

// readTour returns the steps of the README section "A tour of the server".
func readTour(t *testing.T, readme string) []tourStep {
	t.Helper()
	start := strings.Index(readme, "## A tour of the server")
	require.GreaterOrEqual(t, start, 0, "README has no tour")
	section := readme[start+3:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	blocks := regexp.MustCompile("(?s)```(sh|json)\n(.*?)```").FindAllStringSubmatch(section, -1)
	var steps []tourStep
	for _, b := range blocks {
		switch b[1] {
		case "sh":
			var step tourStep
			for _, line := range strings.Split(strings.ReplaceAll(b[2], "\\\n", " "), "\n") {
				if strings.HasPrefix(strings.TrimSpace(line), "curl ") {
					step.commands = append(step.commands, shellWords(t, line))
				}
			}
			if len(step.commands) > 0 {
				steps = append(steps, step)
			}
		case "json":
			if len(steps) > 0 {
				steps[len(steps)-1].shown = b[2]
			}
		}
	}
	return steps
}

// shellWords splits a command line on blanks, honouring single and double quotes (all the
// tour uses; a variable inside double quotes is left for curl to expand).
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	var (
		words  []string
		cur    strings.Builder
		inWord bool
		quote  rune // the open quote, 0 outside quotes
	)
	for _, r := range line {
		switch {
		case (r == '\'' || r == '"') && (quote == 0 || quote == r):
			if quote == 0 {
				quote = r
			} else {
				quote = 0
			}
			inWord = true
		case (r == ' ' || r == '\t') && quote == 0:
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	require.Zero(t, quote, "unterminated quote in %q", line)
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// curl runs the subset of curl the tour uses (-s, -X, -H, -d, one URL) and returns the
// status and body; $CREDITKIT_KEY in a header is key.
func curl(t *testing.T, words []string, base, key string) (int, string) {
	t.Helper()
	require.Equal(t, "curl", words[0])
	method, url, body := http.MethodGet, "", ""
	header := http.Header{}
	for i := 1; i < len(words); i++ {
		switch w := words[i]; w {
		case "-s":
		case "-X", "-H", "-d":
			require.Less(t, i+1, len(words), "%s needs a value", w)
			i++
			switch w {
			case "-X":
				method = words[i]
			case "-H":
				k, v, ok := strings.Cut(words[i], ":")
				require.True(t, ok, words[i])
				header.Set(k, strings.ReplaceAll(strings.TrimSpace(v), "$CREDITKIT_KEY", key))
			case "-d":
				body = words[i]
				if method == http.MethodGet {
					method = http.MethodPost
				}
			}
		default:
			require.True(t, strings.HasPrefix(w, "http://127.0.0.1:8080/"), "unexpected word %q", w)
			url = base + strings.TrimPrefix(w, "http://127.0.0.1:8080")
		}
	}
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header = header
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(b)
}

// TestReadmeTour runs every curl command of the README's tour against creditkit serve
// --demo, so the tour cannot rot: each answers 200 (or the 422 it shows), and every field
// name the README shows in an answer is in the real answer.
func TestReadmeTour(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the whole demo bank (several seconds)")
	}
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	steps := readTour(t, string(readme))
	require.GreaterOrEqual(t, len(steps), 4, "the tour lost its steps")

	s := serveInProcess(t, []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, nil)
	require.NotEmpty(t, s.key, "serve printed no key: %q", s.after)
	fieldName := regexp.MustCompile(`"([a-z_]+)":`)
	for _, step := range steps {
		var status int
		var body string
		for _, cmd := range step.commands {
			status, body = curl(t, cmd, s.base, s.key)
			want := http.StatusOK
			if strings.Contains(step.shown, `"status":422`) && containsWord(cmd, "-d") {
				want = http.StatusUnprocessableEntity
			}
			require.Equal(t, want, status, "%q: %s", cmd, body)
		}
		for _, m := range fieldName.FindAllStringSubmatch(step.shown, -1) {
			assert.Contains(t, body, `"`+m[1]+`":`, "the README shows %q in the answer to %q", m[1], step.commands[len(step.commands)-1])
		}
		for _, path := range regexp.MustCompile(`"path":"([^"]+)"`).FindAllStringSubmatch(step.shown, -1) {
			assert.Contains(t, body, `"path":"`+path[1]+`"`)
		}
	}
	assert.Equal(t, exitOK, s.stop(t))
}

func containsWord(words []string, w string) bool {
	for _, x := range words {
		if x == w {
			return true
		}
	}
	return false
}
