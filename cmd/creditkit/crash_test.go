package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/customer/customertest"
	"github.com/creditkit/creditkit/server/store/storetest"
)

// crashRounds is how many times TestCrashKeepsAcknowledgedWrites kills the server (issue 9
// §7 asks for at least 20).
const crashRounds = 20

// ackWrite is one write the server acknowledged with a 2xx: what it was, the ID the
// answer gave and the request ID it was sent with (the audit record carries it).
type ackWrite struct {
	kind      string // "customer", "contact", "node" or "assessment"
	id        string // customer number, contact note (unique; a contact has no ID), node ID or assessment ID
	customer  string // the contact's customer
	requestID string
	round     int
}

// TestCrashKeepsAcknowledgedWrites builds the binary, creates an admin key with
// creditkit keys create, and then, crashRounds times: starts creditkit serve, drives
// concurrent writes (customer registrations, contacts, tree nodes, assessments) from
// several goroutines recording every write answered 2xx, kills the server with SIGKILL at
// a random moment, restarts it and reads every acknowledged write back. At the end every
// write of every round is still there, creditkit audit verify exits 0 and the audit trail
// holds a record of each acknowledged write (matched by request ID). It runs on SQLite,
// and once more on PostgreSQL when CREDITKIT_TEST_POSTGRES is set.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it repeatedly")
	}
	bin := filepath.Join(t.TempDir(), "creditkit")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, string(out))
	facts, err := os.ReadFile("../../credit/testdata/applicant.json")
	require.NoError(t, err)

	dbs := []struct{ name, dsn string }{{"sqlite", ""}}
	if dsn, ok := storetest.PostgresDSN(t); ok {
		dbs = append(dbs, struct{ name, dsn string }{"postgres", dsn})
	}
	for _, db := range dbs {
		t.Run(db.name, func(t *testing.T) {
			c := &crashRun{t: t, bin: bin, data: filepath.Join(t.TempDir(), "data"), dsn: db.dsn, facts: string(facts)}
			c.run()
		})
	}
}

// crashRun is one database's crash test.
type crashRun struct {
	t      *testing.T
	bin    string
	data   string // the data directory
	dsn    string // "" for SQLite in data
	facts  string
	key    string // the admin API key
	branch string // the tree node customers are placed under

	mu   sync.Mutex
	acks []ackWrite
	seq  atomic.Int64 // makes identity numbers, names and request IDs unique
}

// dbArgs are the --data and --db flags of every command.
func (c *crashRun) dbArgs() []string {
	args := []string{"--data", c.data}
	if c.dsn != "" {
		args = append(args, "--db", c.dsn)
	}
	return args
}

func (c *crashRun) run() {
	t := c.t
	start := time.Now()
	create := exec.Command(c.bin, append([]string{"keys", "create", "--role", "admin", "--subject", "crash-test"}, c.dbArgs()...)...)
	create.Env = crashEnv()
	out, err := create.CombinedOutput()
	require.NoError(t, err, string(out))
	words := strings.Fields(string(out))
	require.NotEmpty(t, words)
	c.key = words[len(words)-1]
	require.True(t, strings.HasPrefix(c.key, "ck_"), string(out))

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 9))
	srv := c.start()
	var branch struct {
		ID int64 `json:"id"`
	}
	status, body := c.do(srv, http.MethodPost, "/v1/tree/nodes", `{"parent":1,"kind":"branch","name":"碰撞测试分行"}`, "crash-setup")
	require.Equal(t, http.StatusCreated, status, string(body))
	require.NoError(t, json.Unmarshal(body, &branch))
	c.branch = fmt.Sprint(branch.ID)
	c.acks = append(c.acks, ackWrite{kind: "node", id: c.branch, requestID: "crash-setup"})

	for round := 1; round <= crashRounds; round++ {
		before := len(c.snapshot())
		killAfter := time.Duration(150+rng.IntN(700)) * time.Millisecond
		c.drive(srv, round, killAfter)
		srv = c.start()
		acks := c.snapshot()
		missing := c.verify(srv, acks[before:])
		t.Logf("round %2d: killed after %v, %3d writes acknowledged, %3d verified after the restart", round, killAfter, len(acks)-before, len(acks)-before-len(missing))
		require.Empty(t, missing, "round %d: acknowledged writes lost after kill -9", round)
	}

	// Every write of every round, once more, and the audit trail.
	acks := c.snapshot()
	require.Empty(t, c.verify(srv, acks), "acknowledged writes lost")
	recorded := c.auditRequestIDs(srv)
	unrecorded := map[string]int{} // kind → writes without a record
	var examples []string
	for _, a := range acks {
		if !recorded[a.requestID] {
			unrecorded[a.kind]++
			if len(examples) < 5 {
				examples = append(examples, a.kind+" "+a.id+" (request "+a.requestID+")")
			}
		}
	}
	assert.Empty(t, unrecorded, "acknowledged writes without an audit record, by kind, of %d; for example %v", len(acks), examples)
	srv.stop(t)

	verify := exec.Command(c.bin, append([]string{"audit", "verify"}, c.dbArgs()...)...)
	verify.Env = crashEnv()
	out, err = verify.CombinedOutput()
	require.NoError(t, err, "creditkit audit verify: %s", out)
	assert.Contains(t, string(out), "audit trail intact")
	t.Logf("%d rounds, %d acknowledged writes, all present; %s in %v", crashRounds, len(acks), strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0]),
		time.Since(start).Round(time.Millisecond))
}

func (c *crashRun) snapshot() []ackWrite {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]ackWrite(nil), c.acks...)
}

func (c *crashRun) ack(a ackWrite) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.acks = append(c.acks, a)
}

// crashEnv is the environment of the commands the test runs: the test's own, without
// creditkit's variables, so only the flags configure them.
func crashEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CREDITKIT_") {
			env = append(env, kv)
		}
	}
	return env
}

// crashServer is one run of creditkit serve.
type crashServer struct {
	cmd    *exec.Cmd
	base   string
	stderr *syncBuffer
	client *http.Client
}

// start runs creditkit serve on a free port and waits until it is ready.
func (c *crashRun) start() *crashServer {
	t := c.t
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--rate-limit", "0", "--log-level", "warn"}, c.dbArgs()...)
	cmd := exec.Command(c.bin, args...)
	cmd.Env = crashEnv()
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	s := &crashServer{cmd: cmd, stderr: &syncBuffer{},
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}
	cmd.Stderr = s.stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	r := bufio.NewReader(stdout)
	line, err := r.ReadString('\n')
	require.NoError(t, err, s.stderr.String())
	s.base = regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(line)
	require.NotEmpty(t, s.base, line)
	go func() { _, _ = io.Copy(io.Discard, r) }()
	require.Eventually(t, func() bool {
		res, err := s.client.Get(s.base + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	}, 20*time.Second, 10*time.Millisecond, s.stderr.String())
	return s
}

// stop ends the server with SIGTERM and waits for it.
func (s *crashServer) stop(t *testing.T) {
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	err := s.cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		t.Fatalf("serve exited %d: %s", exit.ExitCode(), s.stderr.String())
	}
}

// do sends a request as the admin key with X-Request-ID requestID; err is a transport
// error (the server is gone).
func (c *crashRun) send(s *crashServer, method, path, body, requestID string) (int, []byte, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	if requestID != "" {
		req.Header.Set("X-Request-ID", requestID)
	}
	res, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, err
	}
	return res.StatusCode, b, nil
}

// do is send for a server that must answer.
func (c *crashRun) do(s *crashServer, method, path, body, requestID string) (int, []byte) {
	c.t.Helper()
	status, b, err := c.send(s, method, path, body, requestID)
	require.NoError(c.t, err, s.stderr.String())
	return status, b
}

// drive writes from four goroutines until killAfter has passed, then kills the server
// with SIGKILL while they are still writing, and waits for them to notice.
func (c *crashRun) drive(s *crashServer, round int, killAfter time.Duration) {
	var (
		wg       sync.WaitGroup
		killed   atomic.Bool
		failures = make(chan string, 16)
	)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(round), uint64(w)))
			for !killed.Load() {
				if msg := c.writeOnce(s, round, rng); msg != "" && !killed.Load() {
					select {
					case failures <- msg:
					default:
					}
					return
				}
			}
		}()
	}
	time.Sleep(killAfter)
	killed.Store(true) // set before the kill: a worker's error after it is the kill's
	require.NoError(c.t, s.cmd.Process.Signal(syscall.SIGKILL))
	_ = s.cmd.Wait()
	wg.Wait()
	close(failures)
	for msg := range failures {
		c.t.Errorf("round %d, before the kill: %s", round, msg)
	}
}

// writeOnce sends one write and records it when acknowledged; it returns a message when
// the server answered a well-formed write with something other than 2xx while alive.
func (c *crashRun) writeOnce(s *crashServer, round int, rng *rand.Rand) string {
	n := c.seq.Add(1)
	rid := fmt.Sprintf("crash-%d-%d", round, n)
	known := c.customers()
	op := rng.IntN(4)
	if len(known) == 0 {
		op = 0
	}
	var (
		method = http.MethodPost
		path   string
		body   string
		a      = ackWrite{requestID: rid, round: round}
	)
	switch op {
	case 0:
		birth := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(n))
		id := customertest.ResidentID("110105", birth, int(n%997)+1)
		p := customertest.Person(fmt.Sprintf("测试%d", n), id, "13800000000", "BJ01", "o1")
		b, err := json.Marshal(p)
		if err != nil {
			return err.Error()
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return err.Error()
		}
		for _, k := range []string{"number", "status", "version", "created_at", "updated_at"} {
			delete(m, k)
		}
		m["parent"] = json.Number(c.branch)
		b, _ = json.Marshal(m)
		path, body, a.kind = "/v1/customers", string(b), "customer"
	case 1:
		a.customer = known[rng.IntN(len(known))]
		path, body, a.kind = "/v1/customers/"+a.customer+"/contacts", fmt.Sprintf(`{"channel":"visit","note":"回访 %d"}`, n), "contact"
	case 2:
		path, body, a.kind = "/v1/tree/nodes", fmt.Sprintf(`{"parent":%s,"kind":"group","name":"集团%d"}`, c.branch, n), "node"
	case 3:
		path, body, a.kind = "/v1/assessments", `{"customer":"`+known[rng.IntN(len(known))]+`","facts":`+c.facts+`}`, "assessment"
	}
	status, b, err := c.send(s, method, path, body, rid)
	if err != nil {
		return "" // the server is gone (or going): not acknowledged
	}
	if status < 200 || status > 299 {
		return fmt.Sprintf("%s %s: %d %s", method, path, status, b)
	}
	var v struct {
		ID     json.RawMessage `json:"id"`
		Number string          `json:"number"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Sprintf("%s %s: %d with a body that is not JSON: %s", method, path, status, b)
	}
	a.id = strings.Trim(string(v.ID), `"`)
	switch a.kind {
	case "customer":
		a.id = v.Number
	case "contact":
		a.id = fmt.Sprintf("回访 %d", n)
	}
	if a.id == "" {
		return fmt.Sprintf("%s %s: %d without an ID: %s", method, path, status, b)
	}
	c.ack(a)
	return ""
}

// customers returns the numbers of the acknowledged customers.
func (c *crashRun) customers() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, a := range c.acks {
		if a.kind == "customer" {
			out = append(out, a.id)
		}
	}
	return out
}

// verify reads every write of acks back and returns those that are missing.
func (c *crashRun) verify(s *crashServer, acks []ackWrite) []string {
	var missing []string
	contacts := map[string]map[string]bool{} // customer → contact notes
	for _, a := range acks {
		var path string
		switch a.kind {
		case "customer":
			path = "/v1/customers/" + a.id
		case "node":
			path = "/v1/tree/nodes/" + a.id
		case "assessment":
			path = "/v1/assessments/" + a.id
		case "contact":
			ids, ok := contacts[a.customer]
			if !ok {
				ids = c.contactNotes(s, a.customer)
				contacts[a.customer] = ids
			}
			if !ids[a.id] {
				missing = append(missing, fmt.Sprintf("contact %s of %s (round %d)", a.id, a.customer, a.round))
			}
			continue
		}
		status, body := c.do(s, http.MethodGet, path, "", "")
		if status != http.StatusOK {
			missing = append(missing, fmt.Sprintf("%s %s (round %d): GET %d %s", a.kind, a.id, a.round, status, body))
		}
	}
	return missing
}

// contactNotes lists the notes of every contact of a customer.
func (c *crashRun) contactNotes(s *crashServer, number string) map[string]bool {
	ids := map[string]bool{}
	cursor := ""
	for {
		path := "/v1/customers/" + number + "/contacts?limit=200"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		status, body := c.do(s, http.MethodGet, path, "", "")
		require.Equal(c.t, http.StatusOK, status, string(body))
		var page struct {
			Items []struct {
				Note string `json:"note"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		require.NoError(c.t, json.Unmarshal(body, &page), string(body))
		for _, it := range page.Items {
			ids[it.Note] = true
		}
		if page.NextCursor == "" {
			return ids
		}
		cursor = page.NextCursor
	}
}

// auditRequestIDs reads the whole audit trail through GET /v1/audit and returns the
// request IDs its records carry.
func (c *crashRun) auditRequestIDs(s *crashServer) map[string]bool {
	ids := map[string]bool{}
	cursor := ""
	for {
		path := "/v1/audit?order=oldest&limit=200"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		status, body := c.do(s, http.MethodGet, path, "", "")
		require.Equal(c.t, http.StatusOK, status, string(body))
		var page struct {
			Items []struct {
				RequestID string `json:"request_id"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		require.NoError(c.t, dec.Decode(&page), string(body))
		for _, it := range page.Items {
			ids[it.RequestID] = true
		}
		if page.NextCursor == "" {
			return ids
		}
		cursor = page.NextCursor
	}
}
