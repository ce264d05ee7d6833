package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/server/store/storetest"
)

func runCLI(args []string, env map[string]string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut, func(k string) string { return env[k] })
	return code, out.String(), errOut.String()
}

func TestServeHelpListsEveryFlagAndVariable(t *testing.T) {
	code, out, _ := runCLI([]string{"serve", "--help"}, nil)
	require.Equal(t, exitOK, code)
	for _, flag := range []string{"addr", "data", "db", "body-limit", "read-timeout", "write-timeout", "idle-timeout", "shutdown-timeout", "log-level", "debug-addr", "rate-limit", "demo", "approval-matrix", "heap-floor"} {
		assert.Contains(t, out, "--"+flag+" ", flag)
		assert.Contains(t, out, "(env "+envName(flag)+")", flag)
	}
	assert.Contains(t, out, `(default ":8080")`)
	assert.Contains(t, out, `(default "./creditkit-data")`)
}

func TestRootHelpListsEveryCommand(t *testing.T) {
	code, out, _ := runCLI([]string{"help"}, nil)
	require.Equal(t, exitOK, code)
	for _, c := range []string{"score", "assign", "report", "fit", "card", "serve", "keys", "audit", "version"} {
		assert.Regexp(t, `(?m)^  `+c+` `, out, c)
	}
	assert.Contains(t, out, "Exit status:")
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI([]string{"version"}, nil)
	require.Equal(t, exitOK, code)
	assert.Regexp(t, `^creditkit \S+ .*go1\.\d+`, out)
}

func TestUsageErrorsExitTwo(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"unknown flag", []string{"serve", "--colour"}, nil},
		{"bad duration flag", []string{"serve", "--read-timeout", "soon"}, nil},
		{"bad env", []string{"serve"}, map[string]string{"CREDITKIT_BODY_LIMIT": "lots"}},
		{"bad log level env", []string{"serve"}, map[string]string{"CREDITKIT_LOG_LEVEL": "loud"}},
		{"zero body limit", []string{"serve", "--body-limit", "0"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(tt.args, tt.env)
			assert.Equal(t, exitUsage, code, stderr)
			assert.NotEmpty(t, stderr)
		})
	}
}

func TestApplyEnv(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"default", nil, nil, ":8080"},
		{"env", nil, map[string]string{"CREDITKIT_ADDR": ":9999"}, ":9999"},
		{"flag wins", []string{"--addr", ":7777"}, map[string]string{"CREDITKIT_ADDR": ":9999"}, ":7777"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := newServeCommand(func(k string) string { return tt.env[k] })
			require.NoError(t, cmd.Flags().Parse(tt.args))
			require.NoError(t, applyEnv(cmd.Flags(), func(k string) string { return tt.env[k] }))
			got, err := cmd.Flags().GetString("addr")
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestBaseURL(t *testing.T) {
	tests := []struct {
		name string
		give string
		want string
	}{
		{"any IPv4", "0.0.0.0:8080", "http://127.0.0.1:8080"},
		{"any IPv6", "[::]:8080", "http://127.0.0.1:8080"},
		{"loopback", "127.0.0.1:9000", "http://127.0.0.1:9000"},
		{"IPv6 host", "[::1]:9000", "http://[::1]:9000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, err := net.ResolveTCPAddr("tcp", tt.give)
			require.NoError(t, err)
			assert.Equal(t, tt.want, baseURL(addr))
		})
	}
}

func TestRedactDSN(t *testing.T) {
	got := redactDSN("postgres://bank:s3cret@db.example:5432/credit?sslmode=require&password=s3cret")
	assert.NotContains(t, got, "s3cret")
	assert.Contains(t, got, "db.example:5432/credit")
}

// TestBinaryServesAndStopsOnSIGTERM builds the real binary, starts it on a free loopback
// port, waits for /readyz and checks that SIGTERM ends it with exit code 0.
func TestBinaryServesAndStopsOnSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "creditkit")
	build := exec.Command("go", "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))

	dbs := []struct{ name, db string }{{"sqlite", ""}}
	if dsn, ok := storetest.PostgresDSN(t); ok {
		dbs = append(dbs, struct{ name, db string }{"postgres", dsn})
	}
	for _, tc := range dbs {
		t.Run(tc.name, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--log-level", "debug", "--debug-addr", "127.0.0.1:0")
			cmd.Env = append(os.Environ(), "CREDITKIT_DATA="+data, "CREDITKIT_DB="+tc.db)
			stdout, err := cmd.StdoutPipe()
			require.NoError(t, err)
			var stderr syncBuffer // written by exec's copying goroutine while the test reads it
			cmd.Stderr = &stderr
			require.NoError(t, cmd.Start())
			t.Cleanup(func() { _ = cmd.Process.Kill() })

			out := bufio.NewReader(stdout)
			line, err := out.ReadString('\n')
			require.NoError(t, err, stderr.String())
			base := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(line)
			require.NotEmpty(t, base, line)
			assert.Contains(t, line, "curl -s "+base+"/readyz")
			// A new database gets its first admin key, printed once on stdout.
			_, err = out.ReadString('\n')
			require.NoError(t, err)
			export, err := out.ReadString('\n')
			require.NoError(t, err)
			key := regexp.MustCompile(`CREDITKIT_KEY=(ck_\S+)`).FindStringSubmatch(export)
			require.Len(t, key, 2, export)

			require.Eventually(t, func() bool {
				res, err := http.Get(base + "/readyz")
				if err != nil {
					return false
				}
				res.Body.Close()
				return res.StatusCode == http.StatusOK
			}, 10*time.Second, 20*time.Millisecond)
			res, err := http.Get(base + "/healthz")
			require.NoError(t, err)
			res.Body.Close()
			assert.NotEmpty(t, res.Header.Get("X-Request-ID"))
			res, err = http.Get(base + "/openapi.json")
			require.NoError(t, err)
			res.Body.Close()
			assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "no key")
			req, _ := http.NewRequest(http.MethodGet, base+"/openapi.json", nil)
			req.Header.Set("Authorization", "Bearer "+key[1])
			res, err = http.DefaultClient.Do(req)
			require.NoError(t, err)
			res.Body.Close()
			assert.Equal(t, http.StatusOK, res.StatusCode, "the printed key")

			// The profiler answers on its own listener, whose address the warning names,
			// and not on the API's.
			prof := regexp.MustCompile(`http://127\.0\.0\.1:\d+/debug/pprof/`).FindString(stderr.String())
			require.NotEmpty(t, prof, stderr.String())
			res, err = http.Get(prof + "goroutine?debug=1")
			require.NoError(t, err)
			res.Body.Close()
			assert.Equal(t, http.StatusOK, res.StatusCode)
			req, _ = http.NewRequest(http.MethodGet, base+"/debug/pprof/", nil)
			req.Header.Set("Authorization", "Bearer "+key[1])
			res, err = http.DefaultClient.Do(req)
			require.NoError(t, err)
			res.Body.Close()
			assert.Equal(t, http.StatusNotFound, res.StatusCode)

			require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				var exit *exec.ExitError
				if errors.As(err, &exit) {
					t.Fatalf("exit code %d; stderr:\n%s", exit.ExitCode(), stderr.String())
				}
				require.NoError(t, err)
			case <-time.After(15 * time.Second):
				t.Fatalf("no exit after SIGTERM; stderr:\n%s", stderr.String())
			}
			logs := stderr.String()
			assert.Contains(t, logs, `"msg":"stopped"`)
			assert.NotContains(t, logs, key[1], "the key is never logged")
			if tc.db == "" {
				assert.FileExists(t, filepath.Join(data, "creditkit.db"))
			} else {
				assert.NotContains(t, logs, "password")
				assert.True(t, strings.Contains(line, "postgres://"), line)
			}
		})
	}
}
