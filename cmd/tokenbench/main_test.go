package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/positiveaction/tokens/gqlgateway"
	"github.com/positiveaction/tokens/internal/testenv"
)

// stack is a token service and a gateway in front of it, on loopback.
type stack struct {
	ts         *testenv.TokenService
	gatewayURL string
}

func startStack(t *testing.T) stack {
	t.Helper()
	ts := testenv.StartTokenService(t, testenv.Options{})
	gwKey := ts.CreateKey(t, "platform", "Gateway", "tokens:introspect")
	gw, err := gqlgateway.New(gqlgateway.Config{
		TokenServiceURL: ts.URL, ClientID: gwKey.ClientID, ClientSecret: gwKey.SecretID,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatalf("building the gateway: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	gw.Start(ctx)
	srv := httptest.NewServer(gw.Handler())
	t.Cleanup(func() {
		srv.Close()
		cancel()
		gw.Close()
	})
	return stack{ts: ts, gatewayURL: srv.URL}
}

// runJSON runs tokenbench with args and decodes its -json result.
func runJSON(t *testing.T, args ...string) (result, int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := run(ctx, append(args, "-json"), &stdout, &stderr)
	var r result
	if code != 2 && stdout.Len() > 0 {
		if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
			t.Fatalf("decoding %q: %v", stdout.String(), err)
		}
	}
	return r, code, stderr.String()
}

func TestEveryPathRunsWithoutErrors(t *testing.T) {
	s := startStack(t)
	for _, tc := range []struct{ path, client string }{
		{pathToken, clientRaw}, {pathIntrospect, clientRaw}, {pathLogin, clientRaw},
		{pathViewer, clientRaw}, {pathToken, clientNet}, {pathViewer, clientNet},
	} {
		path := tc.path
		t.Run(path+" with the "+tc.client+" client", func(t *testing.T) {
			r, code, stderr := runJSON(t, "-path", path, "-token-url", s.ts.URL,
				"-gateway-url", s.gatewayURL, "-admin-url", s.ts.AdminURL,
				"-admin-token", testenv.AdminToken, "-c", "4", "-d", "300ms",
				"-warmup", "100ms", "-pool", "8", "-client", tc.client)
			if code != 0 || r.OK == 0 || r.Failed != 0 {
				t.Fatalf("exit %d, %d ok, errors %v (%s); stderr %s", code, r.OK, r.Errors,
					r.ErrorSample, stderr)
			}
			if r.Path != path || r.RPS <= 0 || r.P50 <= 0 || r.P99 < r.P50 || r.Max < r.P999 {
				t.Fatalf("implausible result %+v", r)
			}
		})
	}
	// Provisioned keys are deleted at the end: only the gateway's is left.
	resp := s.ts.Admin(t, http.MethodGet, "/admin/keys?account="+benchAccount, nil)
	if !bytes.Contains(resp.Body, []byte(`"keys":[]`)) {
		t.Fatalf("tokenbench left keys behind: %s", resp.Body)
	}
}

func TestGivenKeyAndCountLimit(t *testing.T) {
	s := startStack(t)
	k := s.ts.CreateKey(t, "acme", "Load", "api")
	r, code, stderr := runJSON(t, "-path", pathToken, "-token-url", s.ts.URL,
		"-client-id", k.ClientID, "-client-secret", k.SecretID, "-c", "3", "-n", "50",
		"-d", "30s", "-warmup", "0")
	if code != 0 || r.Requests != 50 || r.OK != 50 {
		t.Fatalf("exit %d, %d requests (%d ok), want exactly 50; stderr %s", code, r.Requests,
			r.OK, stderr)
	}
}

func TestOpenLoopKeepsToTheRate(t *testing.T) {
	s := startStack(t)
	r, code, stderr := runJSON(t, "-path", pathToken, "-token-url", s.ts.URL,
		"-admin-url", s.ts.AdminURL, "-admin-token", testenv.AdminToken, "-c", "4",
		"-rate", "200", "-d", "1s", "-warmup", "0")
	if code != 0 || r.Requests < 150 || r.Requests > 205 {
		t.Fatalf("exit %d, %d requests at 200/s for 1s; stderr %s", code, r.Requests, stderr)
	}
}

func TestWrongSecretCountsErrorsByStatus(t *testing.T) {
	s := startStack(t)
	k := s.ts.CreateKey(t, "acme", "Load", "api")
	// Few requests: the failure limit answers 429 after ten.
	r, code, _ := runJSON(t, "-path", pathToken, "-token-url", s.ts.URL,
		"-client-id", k.ClientID, "-client-secret", "wrong", "-c", "1", "-n", "5",
		"-warmup", "0")
	if code != 1 || r.Errors["401"] != 5 || !strings.Contains(r.ErrorSample, "invalid_client") {
		t.Fatalf("exit %d, errors %v, sample %q; want exit 1 and five 401s", code, r.Errors,
			r.ErrorSample)
	}
}

func TestBadUsage(t *testing.T) {
	cases := map[string][]string{
		"unknown path":    {"-path", "nope", "-client-id", "a", "-client-secret", "b"},
		"no credentials":  {"-path", "token"},
		"no admin token":  {"-admin-url", "http://127.0.0.1:1", "-admin-token", ""},
		"zero conns":      {"-c", "0", "-client-id", "a", "-client-secret", "b"},
		"bad procs":       {"-procs", "redis", "-client-id", "a", "-client-secret", "b"},
		"stray argument":  {"-client-id", "a", "-client-secret", "b", "extra"},
		"negative warmup": {"-warmup", "-1s", "-client-id", "a", "-client-secret", "b"},
	}
	t.Setenv("TOKENSVC_ADMIN_TOKEN", "")
	t.Setenv("TOKENBENCH_CLIENT_SECRET", "")
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			var stderr bytes.Buffer
			if code := run(context.Background(), args, io.Discard, &stderr); code != 2 {
				t.Fatalf("exit %d, want 2; stderr %s", code, stderr.String())
			}
		})
	}
}

func TestProcCPUReadsThisProcess(t *testing.T) {
	w, err := parseProcs("self=" + strconv.Itoa(os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	before, start, cpu0 := w.cpuTimes(), time.Now(), cpuTime()
	// Burn 50 ms of CPU (five clock ticks), giving up after 5 s of waiting.
	for cpuTime()-cpu0 < 50*time.Millisecond && time.Since(start) < 5*time.Second {
		_ = strings.Repeat("x", 64)
	}
	cores := w.cores(before, w.cpuTimes(), time.Since(start))
	if cores["self"] <= 0 || machineBusy() <= 0 {
		t.Fatalf("cores %v, machine busy %v; want both above zero", cores, machineBusy())
	}
}

func TestTextReportNamesEveryFigure(t *testing.T) {
	r := &result{Path: pathToken, Client: clientRaw, Connections: 32, Seconds: 10, Requests: 12,
		OK: 10, Failed: 2, Errors: map[string]int64{"401": 2}, ErrorSample: "401: no",
		RPS: 1.2, P50: 1, P90: 2, P99: 3, P999: 4, Max: 5, Mean: 1.5, ClientCPU: 0.1,
		ProcCPU: map[string]float64{"tokensvc": 0.5}, OtherCPU: 0.2,
		CPUPerRequest: map[string]float64{"tokensvc": 400, "tokenbench": 80}}
	var out bytes.Buffer
	if err := r.writeText(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"requests/s  1", "p99 3.000", "p99.9 4.000", "max 5.000",
		"401=2", "tokensvc 0.50", "other processes 0.20", "tokensvc 400.0"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}
