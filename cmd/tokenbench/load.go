package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// newHTTPClient keeps exactly conns connections to the host alive and
// reuses them; nothing in it allocates per request beyond what net/http
// itself must.
func newHTTPClient(conns int, headerTimeout time.Duration) *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:          conns,
		MaxIdleConnsPerHost:   conns,
		MaxConnsPerHost:       conns,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: headerTimeout,
		DisableCompression:    true,
	}}
}

// Latencies are recorded in microseconds, up to a minute, with three
// significant digits.
const (
	histMaxMicros = int64(time.Minute / time.Microsecond)
	histSigFigs   = 3
	// maxAnswer bounds how much of one answer is read.
	maxAnswer = 1 << 20
)

// stats are one worker's counts; they are merged after a phase.
type stats struct {
	hist   *hdrhistogram.Histogram
	ok     int64
	failed map[string]int64
	sample string // the first failure, for the report
}

func newStats() *stats {
	return &stats{hist: hdrhistogram.New(1, histMaxMicros, histSigFigs),
		failed: make(map[string]int64)}
}

func (s *stats) fail(kind, detail string) {
	s.failed[kind]++
	if s.sample == "" {
		s.sample = kind + ": " + truncate(detail, 300)
	}
}

func (s *stats) merge(o *stats) {
	s.hist.Merge(o.hist)
	s.ok += o.ok
	for k, n := range o.failed {
		s.failed[k] += n
	}
	if s.sample == "" {
		s.sample = o.sample
	}
}

// schedule hands out request slots: in a closed loop as fast as workers
// take them, in an open loop (interval > 0) at fixed intended start times,
// so a slow answer delays the requests behind it and its wait is counted
// (no coordinated omission).
type schedule struct {
	start    time.Time
	end      time.Time
	interval time.Duration
	limit    int64
	claimed  atomic.Int64
}

func newSchedule(d time.Duration, rate float64, limit int64) *schedule {
	now := time.Now()
	s := &schedule{start: now, end: now.Add(d), limit: limit}
	if rate > 0 {
		s.interval = max(time.Duration(float64(time.Second)/rate), 1)
	}
	return s
}

// next claims a slot: its number and the time the request is meant to
// start; false once the phase is over.
func (s *schedule) next() (int64, time.Time, bool) {
	k := s.claimed.Add(1) - 1
	if s.limit > 0 && k >= s.limit {
		return 0, time.Time{}, false
	}
	if s.interval == 0 {
		now := time.Now()
		return k, now, now.Before(s.end)
	}
	at := s.start.Add(time.Duration(k) * s.interval)
	return k, at, at.Before(s.end)
}

// reusableBody is a request body that is rewound, not rebuilt.
type reusableBody struct{ bytes.Reader }

// Close does nothing: the body is reused by the next request.
func (*reusableBody) Close() error { return nil }

// worker sends requests one after the other on one connection, reusing
// its request, body and answer buffer.
type worker struct {
	p   *plan
	buf []byte
	// Either raw, with the plan's requests rendered as bytes…
	raw     *rawConn
	rawReqs [][]byte
	// …or net/http's client with a reused request.
	hc   *http.Client
	req  *http.Request
	body reusableBody
}

// newWorker makes a worker on its own connection: hc nil selects the raw
// client.
func newWorker(ctx context.Context, p *plan, hc *http.Client, rawReqs [][]byte,
	timeout time.Duration) (*worker, error) {
	w := &worker{p: p, buf: make([]byte, 0, 8<<10)}
	if hc == nil {
		target, err := url.Parse(p.url)
		if err != nil {
			return nil, fmt.Errorf("parsing %s: %w", p.url, err)
		}
		if w.raw, err = newRawConn(target, timeout); err != nil {
			return nil, err
		}
		w.rawReqs = rawReqs
		return w, nil
	}
	req, err := http.NewRequestWithContext(ctx, p.method, p.url, nil)
	if err != nil {
		return nil, fmt.Errorf("building the request: %w", err)
	}
	req.Header = p.header.Clone()
	w.hc, w.req = hc, req
	return w, nil
}

// close ends the worker's raw connection (net/http's are closed with its
// client).
func (w *worker) close() {
	if w.raw != nil {
		w.raw.close()
	}
}

// loop runs requests until the schedule ends or ctx does.
func (w *worker) loop(ctx context.Context, s *schedule, st *stats) {
	for ctx.Err() == nil {
		k, at, ok := s.next()
		if !ok {
			return
		}
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
		w.once(int(k), at, st)
	}
}

// once sends request number i, meant to start at, and records it.
func (w *worker) once(i int, at time.Time, st *stats) {
	if w.raw != nil {
		status, buf, err := w.raw.do(w.rawReqs[i%len(w.rawReqs)], w.buf)
		w.buf = buf
		if err != nil {
			st.fail("transport", err.Error())
			return
		}
		w.record(status, time.Since(at), st)
		return
	}
	body, auth := w.p.request(i)
	w.body.Reset(body)
	w.req.Body = &w.body
	w.req.ContentLength = int64(len(body))
	if auth != nil {
		w.req.Header["Authorization"] = auth
	}
	resp, err := w.hc.Do(w.req)
	if err != nil {
		st.fail("transport", err.Error())
		return
	}
	w.buf, err = readAnswer(w.buf[:0], resp.Body)
	resp.Body.Close()
	elapsed := time.Since(at)
	if err != nil {
		st.fail("transport", "reading the answer: "+err.Error())
		return
	}
	w.record(resp.StatusCode, elapsed, st)
}

// record counts one answer, in w.buf, and its latency.
func (w *worker) record(status int, elapsed time.Duration, st *stats) {
	_ = st.hist.RecordValue(max(elapsed.Microseconds(), 1)) // over a minute: not recorded
	switch {
	case w.p.good(status, w.buf):
		st.ok++
	case status == http.StatusOK:
		st.fail("bad_answer", string(w.buf))
	default:
		st.fail(strconv.Itoa(status), string(w.buf))
	}
}

// readAnswer reads r into dst, growing it only when an answer is larger
// than any before.
func readAnswer(dst []byte, r io.Reader) ([]byte, error) {
	for {
		if len(dst) == cap(dst) {
			if len(dst) >= maxAnswer {
				return dst, errors.New("answer over 1 MiB")
			}
			dst = append(dst, 0)[:len(dst)]
		}
		n, err := r.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if errors.Is(err, io.EOF) {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
}

// runPhase runs every worker on one schedule and returns their merged
// stats and how long the phase took, up to its last answer.
func runPhase(ctx context.Context, ws []*worker, s *schedule) (*stats, time.Duration) {
	all := make([]*stats, len(ws))
	var wg sync.WaitGroup
	for i, w := range ws {
		all[i] = newStats()
		wg.Go(func() { w.loop(ctx, s, all[i]) })
	}
	wg.Wait()
	elapsed := time.Since(s.start)
	total := newStats()
	for _, st := range all {
		total.merge(st)
	}
	return total, elapsed
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
