package tokensvc_test

// Benchmarks of the token service's hot paths through its full public HTTP
// handler (routing, metrics, request log, limits, go-oauth2, signing, the
// store), in process and without sockets to the client, on the memory
// store and on a real redis-server (persistence off). Logs are formatted
// as JSON at info level, as in production, and thrown away. Run:
//
//	go test -run '^$' -bench . -benchmem ./tokensvc/

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/positiveaction/tokens/internal/redistest"
	"github.com/positiveaction/tokens/store"
	"github.com/positiveaction/tokens/store/open"
	"github.com/positiveaction/tokens/tokensvc"
)

// benchService is a token service with one client key and one key that may
// introspect, served by its public handler.
type benchService struct {
	handler      http.Handler
	client       [2]string // Client ID, Secret ID
	introspector [2]string
}

func newBenchService(b *testing.B, storeURL string) *benchService {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	st, err := open.Open(ctx, storeURL, store.Options{}, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatalf("opening %s: %v", open.Redact(storeURL), err)
	}
	b.Cleanup(func() { st.Close() })
	svc, err := tokensvc.New(ctx, st, tokensvc.Config{
		AdminToken: "bench-admin-token-0123456789abcdef0123456789",
		Logger:     slog.New(slog.NewJSONHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatalf("starting the service: %v", err)
	}
	b.Cleanup(func() { svc.Close() })
	bs := &benchService{handler: svc.PublicHandler()}
	for _, k := range []struct {
		into  *[2]string
		scope string
	}{{&bs.client, "api"}, {&bs.introspector, tokensvc.ScopeIntrospect}} {
		key, secret, err := svc.CreateKey(ctx, tokensvc.NewKeyRequest{
			Account: "bench", Name: "bench " + k.scope, Scopes: []string{k.scope},
		})
		if err != nil {
			b.Fatalf("creating a key: %v", err)
		}
		*k.into = [2]string{key.ClientID, secret.Reveal()}
	}
	return bs
}

// benchStores are the backends the benchmarks run on.
func benchStores(b *testing.B) map[string]func(*testing.B) string {
	return map[string]func(*testing.B) string{
		"memory": func(*testing.B) string { return "memory:" },
		"redis": func(b *testing.B) string {
			srv := redistest.Start(b)
			// Persistence off, as scripts/bench runs it: the service is
			// measured, not the disk (which other work may be sharing).
			if reply, err := srv.Do("CONFIG", "SET", "appendonly", "no"); err != nil {
				b.Fatalf("turning append-only off: %q, %v", reply, err)
			}
			return srv.URL
		},
	}
}

func eachBenchStore(b *testing.B, fn func(b *testing.B, bs *benchService)) {
	for _, name := range []string{"memory", "redis"} {
		b.Run(name, func(b *testing.B) {
			fn(b, newBenchService(b, benchStores(b)[name](b)))
		})
	}
}

// reportCPU adds cpu-ns/op: the CPU time (user and system) this process
// spent per operation from now until the returned function runs. Unlike
// ns/op it hardly moves when other work shares the machine; a Redis
// server's own CPU is not in it.
func reportCPU(b *testing.B) func() {
	start := processCPU()
	return func() {
		b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// recorder is a reusable http.ResponseWriter, so the benchmark measures
// the handler's allocations rather than its own.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: make(http.Header)} }

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(p)
}

func (r *recorder) reset() {
	clear(r.header)
	r.status = 0
	r.body.Reset()
}

// rewindable is a request body that is rewound instead of rebuilt.
type rewindable struct{ bytes.Reader }

func (*rewindable) Close() error { return nil }

// poster sends form bodies to one endpoint with Basic credentials.
type poster struct {
	h    http.Handler
	req  *http.Request
	body rewindable
	rec  *recorder
}

func newPoster(h http.Handler, path string, creds [2]string) *poster {
	req := httptest.NewRequest(http.MethodPost, path, nil)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(creds[0]), url.QueryEscape(creds[1]))
	return &poster{h: h, req: req, rec: newRecorder()}
}

// post sends one form and returns the answer; a status other than 200 is
// reported as an error and answers nil. (b.Fatal is not allowed in the
// goroutines of RunParallel.)
func (p *poster) post(b *testing.B, form []byte) []byte {
	p.rec.reset()
	p.body.Reset(form)
	p.req.Body = &p.body
	p.req.ContentLength = int64(len(form))
	p.h.ServeHTTP(p.rec, p.req)
	if p.rec.status != http.StatusOK {
		b.Errorf("status %d: %s", p.rec.status, p.rec.body.Bytes())
		return nil
	}
	return p.rec.body.Bytes()
}

var tokenForm = []byte("grant_type=client_credentials")

// BenchmarkTokenIssue is POST /oauth2/token with client_secret_basic: the
// key check, an ES256 signature and the token's record, one request at a
// time.
func BenchmarkTokenIssue(b *testing.B) {
	eachBenchStore(b, func(b *testing.B, bs *benchService) {
		p := newPoster(bs.handler, "/oauth2/token", bs.client)
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			if p.post(b, tokenForm) == nil {
				b.FailNow()
			}
		}
	})
}

// parallelism makes RunParallel keep 16 requests per core in flight, about
// what 32 client connections give a 2-core server.
const parallelism = 16

// BenchmarkTokenIssueParallel is the same with many requests at once, as a
// loaded server sees them.
func BenchmarkTokenIssueParallel(b *testing.B) {
	eachBenchStore(b, func(b *testing.B, bs *benchService) {
		b.ReportAllocs()
		b.SetParallelism(parallelism)
		defer reportCPU(b)()
		b.RunParallel(func(pb *testing.PB) {
			p := newPoster(bs.handler, "/oauth2/token", bs.client)
			for pb.Next() {
				if p.post(b, tokenForm) == nil {
					return
				}
			}
		})
	})
}

// introspectForms issues n tokens and returns introspection bodies for them.
func introspectForms(b *testing.B, bs *benchService, n int) [][]byte {
	b.Helper()
	p := newPoster(bs.handler, "/oauth2/token", bs.client)
	forms := make([][]byte, n)
	for i := range forms {
		var out struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.Unmarshal(p.post(b, tokenForm), &out); err != nil || out.AccessToken == "" {
			b.Fatalf("token answer: %v", err)
		}
		forms[i] = []byte("token=" + out.AccessToken)
	}
	return forms
}

// BenchmarkIntrospect is POST /oauth2/introspect of active tokens by a key
// holding tokens:introspect, one request at a time.
func BenchmarkIntrospect(b *testing.B) {
	eachBenchStore(b, func(b *testing.B, bs *benchService) {
		forms := introspectForms(b, bs, 256)
		p := newPoster(bs.handler, "/oauth2/introspect", bs.introspector)
		want := []byte(`"active":true`)
		b.ReportAllocs()
		defer reportCPU(b)()
		i := 0
		for b.Loop() {
			if out := p.post(b, forms[i%len(forms)]); !bytes.Contains(out, want) {
				b.Fatalf("introspection answered %s", out)
			}
			i++
		}
	})
}

// BenchmarkIntrospectParallel is the same with many requests at once.
func BenchmarkIntrospectParallel(b *testing.B) {
	eachBenchStore(b, func(b *testing.B, bs *benchService) {
		forms := introspectForms(b, bs, 256)
		b.ReportAllocs()
		b.SetParallelism(parallelism)
		defer reportCPU(b)()
		b.RunParallel(func(pb *testing.PB) {
			p := newPoster(bs.handler, "/oauth2/introspect", bs.introspector)
			for i := 0; pb.Next(); i++ {
				if p.post(b, forms[i%len(forms)]) == nil {
					return
				}
			}
		})
	})
}
