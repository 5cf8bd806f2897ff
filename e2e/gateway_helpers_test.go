package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/positiveaction/tokens/gqlgateway"
	"github.com/positiveaction/tokens/internal/testenv"
)

// env is a real token service behind a TCP proxy that tests can cut, and
// the gateway's own key.
type env struct {
	ts    *testenv.TokenService
	proxy *tcpProxy
	gwKey testenv.Key
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ts := testenv.StartTokenService(t, testenv.Options{})
	e := &env{ts: ts, gwKey: ts.CreateKey(t, "platform", "Gateway", "tokens:introspect")}
	e.proxy = startProxy(t, ts.URL)
	return e
}

// gateway is a gateway served over loopback, wired to the token service
// through the proxy, with its revocation stream up.
type gateway struct {
	gw  *gqlgateway.Gateway
	url string
	// calls counts the gateway's requests to the token service.
	calls *countingTransport
}

// countingTransport counts introspections on their way to the token
// service, so tests can tell a cache hit from a fresh answer.
type countingTransport struct {
	base           http.RoundTripper
	introspections atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == "/oauth2/introspect" {
		c.introspections.Add(1)
	}
	return c.base.RoundTrip(r)
}

func (e *env) startGateway(t *testing.T) *gateway {
	t.Helper()
	return startGatewayWith(t, e.proxy.URL(), e.gwKey, slog.New(slog.DiscardHandler))
}

// startGatewayWith serves a gateway wired to the token service at tsURL with
// key, counting its introspections, and waits until its revocation stream
// is up. It stops with the test.
func startGatewayWith(t *testing.T, tsURL string, key testenv.Key, log *slog.Logger) *gateway {
	t.Helper()
	calls := &countingTransport{base: &http.Transport{MaxIdleConnsPerHost: 64}}
	gw, err := gqlgateway.New(gqlgateway.Config{
		TokenServiceURL: tsURL,
		ClientID:        key.ClientID,
		ClientSecret:    key.SecretID,
		HTTPClient:      &http.Client{Timeout: 5 * time.Second, Transport: calls},
		Logger:          log,
	})
	if err != nil {
		t.Fatalf("gqlgateway.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	gw.Start(ctx)
	srv := httptest.NewServer(gw.Handler())
	t.Cleanup(func() {
		srv.Close()
		cancel()
		gw.Close()
	})
	g := &gateway{gw: gw, url: srv.URL, calls: calls}
	g.waitStreamUp(t)
	return g
}

func (g *gateway) waitStreamUp(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !g.gw.RevocationStreamUp() {
		if time.Now().After(deadline) {
			t.Fatal("the gateway's revocation stream never came up")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// answer is a gateway response, raw and decoded.
type answer struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

func (a answer) code() string {
	errs, _ := a.body["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	e, _ := errs[0].(map[string]any)
	ext, _ := e["extensions"].(map[string]any)
	c, _ := ext["code"].(string)
	return c
}

func (a answer) hasData() bool { _, ok := a.body["data"]; return ok }

func (g *gateway) post(t *testing.T, token, query string, vars map[string]any) answer {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return g.send(t, http.MethodPost, "/graphql", token, "application/json", body)
}

func (g *gateway) send(t *testing.T, method, path, token, contentType string,
	body []byte) answer {
	t.Helper()
	req, err := http.NewRequest(method, g.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if len(raw) > 0 && json.Unmarshal(raw, &a.body) != nil {
		t.Fatalf("%s %s answered non-JSON %q", method, path, raw)
	}
	return a
}

// tcpProxy forwards TCP connections to a backend and can be cut: down
// closes the listener and every open connection, so the backend becomes
// unreachable (connection refused), and up listens on the same port again.
type tcpProxy struct {
	t       *testing.T
	addr    string
	backend string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]bool
}

func startProxy(t *testing.T, backendURL string) *tcpProxy {
	t.Helper()
	p := &tcpProxy{t: t, addr: "127.0.0.1:0", backend: backendURL[len("http://"):],
		conns: map[net.Conn]bool{}}
	p.up()
	t.Cleanup(p.down)
	return p
}

func (p *tcpProxy) URL() string { return "http://" + p.addr }

func (p *tcpProxy) up() {
	p.t.Helper()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port may take a moment to be free again
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		p.t.Fatalf("proxy listen on %s: %v", p.addr, err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go p.serve(ln)
}

func (p *tcpProxy) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		b, err := net.Dial("tcp", p.backend)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		if p.ln != ln { // went down meanwhile
			p.mu.Unlock()
			c.Close()
			b.Close()
			return
		}
		p.conns[c], p.conns[b] = true, true
		p.mu.Unlock()
		go p.pipe(c, b)
		go p.pipe(b, c)
	}
}

func (p *tcpProxy) pipe(dst, src net.Conn) {
	io.Copy(dst, src) // errors end the copy; a cut connection is the point
	dst.Close()
	src.Close()
	p.mu.Lock()
	delete(p.conns, dst)
	delete(p.conns, src)
	p.mu.Unlock()
}

func (p *tcpProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}
