package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"
)

// result is one measured run. Latencies are in milliseconds.
type result struct {
	Path        string           `json:"path"`
	Client      string           `json:"client"`
	Connections int              `json:"connections"`
	TargetRate  float64          `json:"target_rate,omitempty"`
	Seconds     float64          `json:"seconds"`
	Requests    int64            `json:"requests"`
	OK          int64            `json:"ok"`
	Failed      int64            `json:"failed"`
	Errors      map[string]int64 `json:"errors"`
	ErrorSample string           `json:"error_sample,omitempty"`
	RPS         float64          `json:"rps"`
	P50         float64          `json:"p50_ms"`
	P90         float64          `json:"p90_ms"`
	P99         float64          `json:"p99_ms"`
	P999        float64          `json:"p999_ms"`
	Max         float64          `json:"max_ms"`
	Mean        float64          `json:"mean_ms"`
	// ClientCPU is the cores tokenbench itself used while measuring: on a
	// shared machine, what the services could not have.
	ClientCPU float64 `json:"client_cpu_cores"`
	// ProcCPU is the cores each process named with -procs used meanwhile.
	ProcCPU map[string]float64 `json:"proc_cpu_cores,omitempty"`
	// OtherCPU is the cores every other process on the machine used
	// meanwhile: anything well above zero means the run shared the machine.
	OtherCPU float64 `json:"other_cpu_cores"`
	// CPUPerRequest is the CPU time, in microseconds, that each process
	// named with -procs and tokenbench itself ("tokenbench") spent per
	// answered request: what a request costs, however busy the machine.
	CPUPerRequest map[string]float64 `json:"cpu_us_per_request,omitempty"`
}

// bench provisions, prepares, warms up and measures one run.
func bench(ctx context.Context, o options, log io.Writer) (*result, error) {
	ks, err := obtainKeys(ctx, o, log)
	if err != nil {
		return nil, err
	}
	defer ks.cleanup()
	p, err := buildPlan(ctx, o, ks)
	if err != nil {
		return nil, err
	}
	var hc *http.Client
	var rawReqs [][]byte
	if o.client == clientNet {
		hc = newHTTPClient(o.conns, o.timeout)
		defer hc.CloseIdleConnections()
	} else if rawReqs, _, err = rawRequests(p); err != nil {
		return nil, err
	}
	ws := make([]*worker, o.conns)
	for i := range ws {
		if ws[i], err = newWorker(ctx, p, hc, rawReqs, o.timeout); err != nil {
			return nil, err
		}
		defer ws[i].close()
	}
	if o.warmup > 0 {
		runPhase(ctx, ws, newSchedule(o.warmup, o.rate, 0))
	}
	stopProfile, err := startProfile(o.cpuProfile)
	if err != nil {
		return nil, err
	}
	cpuBefore, procsBefore, busyBefore := cpuTime(), o.procs.cpuTimes(), machineBusy()
	st, elapsed := runPhase(ctx, ws, newSchedule(o.duration, o.rate, o.requests))
	cpu, procsAfter, busy := cpuTime()-cpuBefore, o.procs.cpuTimes(), machineBusy()-busyBefore
	if err := stopProfile(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("interrupted: %w", err)
	}
	r := summarize(o, st, elapsed, cpu)
	r.ProcCPU = o.procs.cores(procsBefore, procsAfter, elapsed)
	others := busy - cpu
	for i := range procsAfter {
		others -= procsAfter[i] - procsBefore[i]
	}
	r.OtherCPU = max(others.Seconds()/elapsed.Seconds(), 0)
	if r.RPS > 0 {
		r.CPUPerRequest = map[string]float64{"tokenbench": r.ClientCPU / r.RPS * 1e6}
		for name, cores := range r.ProcCPU {
			r.CPUPerRequest[name] = cores / r.RPS * 1e6
		}
	}
	return r, nil
}

func summarize(o options, st *stats, elapsed, cpu time.Duration) *result {
	ms := func(micros int64) float64 { return float64(micros) / 1000 }
	h := st.hist
	r := &result{
		Path:        o.path,
		Client:      o.client,
		Connections: o.conns,
		TargetRate:  o.rate,
		Seconds:     elapsed.Seconds(),
		OK:          st.ok,
		Errors:      st.failed,
		ErrorSample: st.sample,
		P50:         ms(h.ValueAtQuantile(50)),
		P90:         ms(h.ValueAtQuantile(90)),
		P99:         ms(h.ValueAtQuantile(99)),
		P999:        ms(h.ValueAtQuantile(99.9)),
		Max:         ms(h.Max()),
		Mean:        h.Mean() / 1000,
		ClientCPU:   cpu.Seconds() / elapsed.Seconds(),
	}
	for _, n := range st.failed {
		r.Failed += n
	}
	r.Requests = r.OK + r.Failed
	r.RPS = float64(r.Requests) / elapsed.Seconds()
	return r
}

// startProfile starts a CPU profile into path ("" for none) and returns
// the function that ends it.
func startProfile(path string) (func() error, error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("creating the CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting the CPU profile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			return fmt.Errorf("writing the CPU profile: %w", err)
		}
		return nil
	}, nil
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func (r *result) writeJSON(w io.Writer) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encoding: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

func (r *result) writeText(w io.Writer) error {
	mode := "closed loop"
	if r.TargetRate > 0 {
		mode = fmt.Sprintf("open loop at %.0f/s", r.TargetRate)
	}
	errs := "none"
	if r.Failed > 0 {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(r.Errors)) {
			parts = append(parts, fmt.Sprintf("%s=%d", k, r.Errors[k]))
		}
		errs = strings.Join(parts, " ") + "\n  first: " + r.ErrorSample
	}
	cpu := fmt.Sprintf("tokenbench %.2f", r.ClientCPU)
	for _, name := range slices.Sorted(maps.Keys(r.ProcCPU)) {
		cpu += fmt.Sprintf(", %s %.2f", name, r.ProcCPU[name])
	}
	cpu += fmt.Sprintf(", other processes %.2f", r.OtherCPU)
	perReq := ""
	for _, name := range slices.Sorted(maps.Keys(r.CPUPerRequest)) {
		perReq += fmt.Sprintf("  %s %.1f", name, r.CPUPerRequest[name])
	}
	_, err := fmt.Fprintf(w, `%s: %d connections (%s client), %s, %.1fs
  requests/s  %.0f   (%d requests, %d ok)
  latency ms  p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  mean %.3f
  errors      %s
  CPU cores   %s
  CPU µs/req %s
`, r.Path, r.Connections, r.Client, mode, r.Seconds, r.RPS, r.Requests, r.OK,
		r.P50, r.P90, r.P99, r.P999, r.Max, r.Mean, errs, cpu, perReq)
	return err
}
