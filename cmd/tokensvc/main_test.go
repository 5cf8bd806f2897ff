package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/positiveaction/tokens/internal/testenv"

	"github.com/positiveaction/tokens/config"
)

func TestRunRefusesBadSettings(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int
		wantErr  string
	}{
		{"no admin token", nil, map[string]string{}, 1, "TOKENSVC_ADMIN_TOKEN is required"},
		{"short admin token", nil, map[string]string{"TOKENSVC_ADMIN_TOKEN": "short"}, 1,
			"at least 32 characters"},
		{"bad duration", []string{"-dev"}, map[string]string{"TOKENSVC_TOKEN_TTL": "forever"}, 1,
			"TOKENSVC_TOKEN_TTL"},
		{"bad store URL and bad TTL together", nil, map[string]string{
			"TOKENSVC_ADMIN_TOKEN": strings.Repeat("a", 32), "TOKENSVC_STORE": "mongodb://x",
			"TOKENSVC_TOKEN_TTL": "-1s"}, 1, "TOKENSVC_TOKEN_TTL"},
		{"unknown flag", []string{"-nope"}, nil, 2, "flag provided but not defined"},
		{"stray argument", []string{"serve"}, nil, 2, "unexpected argument"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, config.MapEnv(tc.env), &stdout, &stderr)
			if code != tc.wantCode || !strings.Contains(stderr.String(), tc.wantErr) {
				t.Fatalf("exit %d, stderr %q; want exit %d mentioning %q", code, stderr.String(),
					tc.wantCode, tc.wantErr)
			}
			if lines := strings.Count(strings.TrimSpace(stderr.String()), "\n"); tc.wantCode == 1 && lines > 0 {
				t.Errorf("want one clear line, got %d lines", lines+1)
			}
		})
	}
}

var buildOnce struct {
	sync.Once
	path string
	err  error
}

// binary builds cmd/tokensvc once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tokensvc-bin")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.path = filepath.Join(dir, "tokensvc")
		out, err := exec.Command("go", "build", "-o", buildOnce.path, ".").CombinedOutput()
		if err != nil {
			buildOnce.err = err
			t.Logf("go build: %s", out)
		}
	})
	if buildOnce.err != nil {
		t.Fatalf("building tokensvc: %v", buildOnce.err)
	}
	return buildOnce.path
}

// TestSIGTERMExitsCleanly runs the real binary on a file store, waits for it
// to serve, sends SIGTERM and expects exit 0.
func TestSIGTERMExitsCleanly(t *testing.T) {
	pub, adm := testenv.FreeAddr(t), testenv.FreeAddr(t)
	cmd := exec.Command(binary(t))
	cmd.Env = append(os.Environ(),
		"TOKENSVC_ADDR="+pub, "TOKENSVC_ADMIN_ADDR="+adm,
		"TOKENSVC_ADMIN_TOKEN=sigterm-test-admin-token-0123456789abcdef",
		"TOKENSVC_STORE=file:"+filepath.Join(t.TempDir(), "t.db"),
		"TOKENSVC_ISSUER=http://"+pub)
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitHTTP(t, "http://"+pub+"/readyz")
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("did not exit within 15s of SIGTERM\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "sigterm-test-admin-token") {
		t.Fatal("the admin token reached the log")
	}
}

func waitHTTP(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not answer 200 within 15s", url)
}

// devOutput starts the real binary with -dev on free ports and returns what
// it printed, with a stop function.
func devOutput(t *testing.T, extraEnv ...string) (out map[string]string, ports map[string]string) {
	t.Helper()
	ports = map[string]string{"public": testenv.FreeAddr(t), "admin": testenv.FreeAddr(t), "gateway": testenv.FreeAddr(t),
		"gateway-metrics": testenv.FreeAddr(t)}
	cmd := exec.Command(binary(t), "-dev")
	cmd.Env = append(os.Environ(), "TOKENSVC_ADDR="+ports["public"], "TOKENSVC_ADMIN_ADDR="+ports["admin"],
		"GQLGATEWAY_ADDR="+ports["gateway"], "TOKENSVC_ISSUER=http://"+ports["public"],
		"GQLGATEWAY_METRICS_ADDR="+ports["gateway-metrics"])
	cmd.Env = append(cmd.Env, extraEnv...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	out = map[string]string{}
	patterns := map[string]*regexp.Regexp{
		"admin":  regexp.MustCompile(`TOKENSVC_ADMIN_TOKEN=(\S+)`),
		"client": regexp.MustCompile(`Client ID\s+(\S+)`),
		"secret": regexp.MustCompile(`Secret ID\s+(\S+)`),
	}
	sc := bufio.NewScanner(stdout)
	var printed strings.Builder
	for sc.Scan() {
		line := sc.Text()
		printed.WriteString(line + "\n")
		for name, re := range patterns {
			if m := re.FindStringSubmatch(line); m != nil {
				out[name] = m[1]
			}
		}
		if strings.HasPrefix(line, "curl ") {
			out["curl"] = line
		}
		if strings.Contains(line, "-d '") {
			out["curl"] += "\n" + line
			break
		}
	}
	go func() { _, _ = bufio.NewReader(stdout).WriteTo(&bytes.Buffer{}) }()
	out["printed"] = printed.String()
	for _, k := range []string{"admin", "client", "secret", "curl"} {
		if out[k] == "" {
			t.Fatalf("-dev did not print %s; it printed:\n%s\nlogs:\n%s", k, printed.String(), logs.String())
		}
	}
	waitHTTP(t, "http://"+ports["public"]+"/readyz")
	return out, ports
}

// TestDevModePrintsWorkingLogin runs `tokensvc -dev`, pastes the printed
// curl of the login mutation into a shell, and uses the token it returns
// on a protected query.
func TestDevModePrintsWorkingLogin(t *testing.T) {
	out, ports := devOutput(t)
	waitHTTP(t, "http://"+ports["gateway"]+"/readyz")
	curl := strings.ReplaceAll(out["curl"], "localhost:", "127.0.0.1:")
	got, err := exec.Command("bash", "-c", curl).CombinedOutput()
	if err != nil {
		t.Fatalf("the printed curl failed: %v\n%s\n%s", err, curl, got)
	}
	var body struct {
		Data struct {
			Login struct {
				AccessToken string `json:"accessToken"`
			} `json:"login"`
		} `json:"data"`
	}
	if err := json.Unmarshal(got, &body); err != nil || body.Data.Login.AccessToken == "" {
		t.Fatalf("login answer %s, want data.login.accessToken", got)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+ports["gateway"]+"/graphql",
		strings.NewReader(`{"query":"{ viewer { clientId account } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+body.Data.Login.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	viewer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(viewer), out["client"]) {
		t.Fatalf("viewer: %d %s", resp.StatusCode, viewer)
	}
	// The admin token works on the admin listener.
	req, _ = http.NewRequest(http.MethodGet, "http://"+ports["admin"]+"/admin/keys?account=demo", nil)
	req.Header.Set("Authorization", "Bearer "+out["admin"])
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("admin API with the printed token: %d", resp.StatusCode)
	}
}
