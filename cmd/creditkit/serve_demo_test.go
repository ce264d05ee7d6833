package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServeHelpListsDemo(t *testing.T) {
	code, out, _ := runCLI([]string{"serve", "--help"}, nil)
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "--demo ")
	assert.Contains(t, out, "(env CREDITKIT_DEMO)")
}

// servedCLI is creditkit serve running in this process.
type servedCLI struct {
	base   string
	key    string   // the first admin key serve printed; "" when it printed none
	before []string // lines printed before the serving line
	after  []string // lines printed after it, until the output went quiet
	cancel context.CancelFunc
	done   chan int
}

// serveInProcess runs creditkit serve with args and env until it prints its serving line.
func serveInProcess(t *testing.T, args []string, env map[string]string) *servedCLI {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &servedCLI{cancel: cancel, done: make(chan int, 1)}
	go func() {
		s.done <- run(ctx, args, pw, io.Discard, func(k string) string { return env[k] })
		pw.Close()
	}()
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
		}
	})
	timeout := time.After(3 * time.Minute)
	for s.base == "" {
		select {
		case line, ok := <-lines:
			require.True(t, ok, "serve ended before serving: %q", s.before)
			if strings.HasPrefix(line, "creditkit serving ") {
				s.base = regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(line)
				require.NotEmpty(t, s.base, line)
				continue
			}
			s.before = append(s.before, line)
		case <-timeout:
			t.Fatalf("no serving line; got %q", s.before)
		}
	}
	keyLine := regexp.MustCompile(`CREDITKIT_KEY=(ck_\S+)`)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				return s
			}
			s.after = append(s.after, line)
			if m := keyLine.FindStringSubmatch(line); m != nil {
				s.key = m[1]
			}
			continue
		case <-time.After(300 * time.Millisecond):
		}
		return s
	}
}

// stop ends the server as SIGTERM would and returns its exit code.
func (s *servedCLI) stop(t *testing.T) int {
	t.Helper()
	s.cancel()
	select {
	case code := <-s.done:
		return code
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
		return -1
	}
}

// getJSON GETs url with key as its bearer token and decodes the 200 answer into v.
func getJSON(t *testing.T, url, key string, v any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s: %s", url, body)
	if v != nil {
		require.NoError(t, json.Unmarshal(body, v), string(body))
	}
}

type demoPortfolio struct {
	Customers struct {
		Total int `json:"total"`
	} `json:"customers"`
	Applications struct {
		Total    int            `json:"total"`
		ByStatus map[string]int `json:"by_status"`
	} `json:"applications"`
	Exposure struct {
		Total string `json:"total"`
	} `json:"exposure"`
}

// TestServeDemo starts creditkit serve --demo on an empty data directory, follows the
// curl commands it prints, stops it, and starts it again with CREDITKIT_DEMO set: the
// second start loads nothing.
func TestServeDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the whole demo bank (several seconds)")
	}
	data := t.TempDir()
	s := serveInProcess(t, []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--data", data}, nil)
	require.Len(t, s.before, 2, "%q", s.before)
	assert.Contains(t, s.before[0], "loading the demo bank")
	assert.Regexp(t, `^demo bank 创信银行 loaded in \S+: 13 branches, 8 customer groups, 1000 customers, 52 staff, applications draft \d+, `+
		`submitted \d+, assessed \d+, assigned \d+, under_review \d+, approved \d+, rejected \d+, returned \d+, withdrawn \d+$`, s.before[1])

	// Every curl command printed works.
	var urls []string
	for _, line := range s.after {
		if u := regexp.MustCompile(`curl -s -H "Authorization: Bearer \$CREDITKIT_KEY" '?(http://[^' ]+)'?`).FindStringSubmatch(line); u != nil {
			urls = append(urls, u[1])
		}
	}
	require.Len(t, urls, 5, "%q", s.after) // /openapi.json and the four of the demo
	require.NotEmpty(t, s.key, "serve printed the first admin key: %q", s.after)
	for _, u := range urls {
		getJSON(t, u, s.key, nil)
	}
	var page struct {
		Items []struct {
			Status string `json:"status"`
		} `json:"items"`
	}
	getJSON(t, s.base+"/v1/applications?status=under_review&limit=3", s.key, &page)
	require.Len(t, page.Items, 3)
	var p demoPortfolio
	getJSON(t, s.base+"/v1/analytics/portfolio", s.key, &p)
	assert.Equal(t, 1000, p.Customers.Total)
	assert.Equal(t, 240, p.Applications.Total)
	for status, n := range p.Applications.ByStatus {
		assert.Positive(t, n, "applications %s", status)
	}
	assert.NotEqual(t, "0", p.Exposure.Total)
	require.Equal(t, exitOK, s.stop(t))

	// A second start with the demo asked for by the environment leaves the bank as it was.
	again := serveInProcess(t, []string{"serve", "--addr", "127.0.0.1:0", "--data", data}, map[string]string{"CREDITKIT_DEMO": "true"})
	require.Len(t, again.before, 2, "%q", again.before)
	assert.Equal(t, "demo bank: already loaded", again.before[1])
	var q demoPortfolio
	assert.Empty(t, again.key, "the first key is created once")
	getJSON(t, again.base+"/v1/analytics/portfolio", s.key, &q)
	assert.Equal(t, p.Customers, q.Customers)
	assert.Equal(t, p.Applications, q.Applications)
	assert.Equal(t, p.Exposure, q.Exposure)
	require.Equal(t, exitOK, again.stop(t))
}
