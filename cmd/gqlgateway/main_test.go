package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/positiveaction/tokens/internal/testlog"

	"github.com/positiveaction/tokens/config"
)

// TestMain lets TestSIGTERMExitsZero run the real main in a child process.
func TestMain(m *testing.M) {
	if os.Getenv("GQLGATEWAY_TEST_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// syncBuffer is a log sink safe to write from other goroutines.
type syncBuffer = testlog.Buffer

func gatewayEnv(tokensvcURL string) config.Getenv {
	return config.MapEnv(map[string]string{
		"GQLGATEWAY_ADDR":          "127.0.0.1:0",
		"GQLGATEWAY_TOKENSVC_URL":  tokensvcURL,
		"GQLGATEWAY_CLIENT_ID":     "gateway-key",
		"GQLGATEWAY_CLIENT_SECRET": "gateway-secret-value",
		"GQLGATEWAY_METRICS_ADDR":  "127.0.0.1:0",
	})
}

func startRun(t *testing.T, env config.Getenv, logs io.Writer) (string, context.CancelFunc,
	<-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	listening := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, env, logs, listening) }()
	select {
	case addr := <-listening:
		return "http://" + addr, cancel, done
	case err := <-done:
		t.Fatalf("run ended early: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("run never listened")
	}
	return "", cancel, done
}

func TestRunFinishesRequestsInFlight(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(400 * time.Millisecond) // a slow /readyz keeps a request in flight
	}))
	defer slow.Close()
	base, cancel, done := startRun(t, gatewayEnv(slow.URL), io.Discard)
	status := make(chan int, 1)
	go func() {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			status <- -1
			return
		}
		resp.Body.Close()
		status <- resp.StatusCode
	}()
	time.Sleep(100 * time.Millisecond)
	cancel()
	if got := <-status; got != 200 {
		t.Errorf("request in flight during shutdown answered %d, want 200", got)
	}
	if err := <-done; err != nil {
		t.Errorf("run = %v, want a clean stop", err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("the server still accepts requests after shutdown")
	}
}

func TestRunRefusesMissingSettings(t *testing.T) {
	err := run(context.Background(), config.MapEnv(nil), io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), "GQLGATEWAY_CLIENT_ID") ||
		!strings.Contains(err.Error(), "GQLGATEWAY_CLIENT_SECRET") {
		t.Fatalf("run without credentials = %v", err)
	}
}

func TestLogsNeverShowSecretsOrTokens(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close() // an unreachable token service makes the gateway log its errors
	var logs syncBuffer
	base, cancel, done := startRun(t, gatewayEnv(downURL), &logs)
	const token = "eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
	const secret = "user-secret-id-value"
	for _, body := range []string{
		`{"query":"{viewer{name}}"}`,
		`{"query":"mutation{login(loginInput:{clientId:\"c\",secretId:\"` + secret +
			`\"}){accessToken}}"}`,
	} {
		req, _ := http.NewRequest("POST", base+"/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 503 {
			t.Errorf("with the token service down: %d, want 503", resp.StatusCode)
		}
	}
	time.Sleep(200 * time.Millisecond)
	cancel()
	<-done
	out := logs.String()
	if !strings.Contains(out, "gqlgateway listening") {
		t.Fatalf("no startup log: %s", out)
	}
	for _, s := range []string{token, secret, "gateway-secret-value"} {
		if strings.Contains(out, s) {
			t.Errorf("logs contain %q:\n%s", s, out)
		}
	}
}

func TestSIGTERMExitsZero(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GQLGATEWAY_TEST_RUN_MAIN=1", "GQLGATEWAY_ADDR="+addr,
		"GQLGATEWAY_TOKENSVC_URL=http://127.0.0.1:1", "GQLGATEWAY_CLIENT_ID=gw",
		"GQLGATEWAY_CLIENT_SECRET=gw-secret", "GQLGATEWAY_METRICS_ADDR=127.0.0.1:0")
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the gateway never came up: %s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "stopped cleanly") {
		t.Errorf("no clean-stop log: %s", stderr.String())
	}
}
