package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// loadOp is one kind of request the fault tests keep sending, and the
// judge of its answers: judge returns why an answer is wrong, or "".
type loadOp struct {
	name  string
	do    func(n int) reply
	judge func(r reply, l *loadRun) string
}

// loadRun records what a load saw: counts per operation and status, every
// token and key handed out, and every wrong answer.
type loadRun struct {
	mu       sync.Mutex
	counts   map[string]map[int]int // status -1: no answer (refused or reset)
	problems []string
	tokens   []string
	keys     []keyPair
	slowest  time.Duration
}

func (l *loadRun) addToken(tok string) {
	l.mu.Lock()
	l.tokens = append(l.tokens, tok)
	l.mu.Unlock()
}

func (l *loadRun) addKey(k keyPair) {
	l.mu.Lock()
	l.keys = append(l.keys, k)
	l.mu.Unlock()
}

func (l *loadRun) record(op string, r reply, problem string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	status := r.status
	if r.err != nil {
		status = -1
	}
	if l.counts[op] == nil {
		l.counts[op] = map[int]int{}
	}
	l.counts[op][status]++
	l.slowest = max(l.slowest, r.took)
	if problem != "" && len(l.problems) < 30 {
		l.problems = append(l.problems, op+": "+problem)
	}
}

// seen counts the answers with status among all operations.
func (l *loadRun) seen(status int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, byStatus := range l.counts {
		n += byStatus[status]
	}
	return n
}

func (l *loadRun) summary() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	ops := make([]string, 0, len(l.counts))
	for op := range l.counts {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	var b strings.Builder
	for _, op := range ops {
		fmt.Fprintf(&b, "  %-28s %v\n", op, l.counts[op])
	}
	fmt.Fprintf(&b, "  slowest answer %s", l.slowest.Round(time.Millisecond))
	return b.String()
}

// runLoad sends ops from workers until stop is closed (or each worker sent
// maxPerWorker requests), a little apart, and returns what it saw.
func runLoad(ops []loadOp, workers, maxPerWorker int, stop <-chan struct{}) *loadRun {
	l := &loadRun{counts: map[string]map[int]int{}}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for n := range maxPerWorker {
				select {
				case <-stop:
					return
				default:
				}
				op := ops[(w*7+n)%len(ops)]
				r := op.do(n)
				l.record(op.name, r, judgeTransport(r, op, l))
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	return l
}

// judgeTransport applies the rules every answer obeys, then the op's own:
// no answer slower than the budget, no 5xx but a 503 with Retry-After.
func judgeTransport(r reply, op loadOp, l *loadRun) string {
	switch {
	case r.took > requestBudget:
		return fmt.Sprintf("answered after %s", r.took)
	case r.err != nil && isTimeout(r.err):
		return fmt.Sprintf("no answer within %s (hang): %v", requestBudget, r.err)
	case r.err == nil && r.status >= 500 && r.status != 503:
		return fmt.Sprintf("status %d: %s", r.status, clipBody(r.body))
	case r.err == nil && r.status == 503 && r.header.Get("Retry-After") == "":
		return "503 without Retry-After"
	}
	return op.judge(r, l)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// isRefused reports a connection refused or reset: the process is down.
func isRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		strings.Contains(err.Error(), "EOF")
}

func clipBody(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

// faultWindow runs ops under load, applies fault after a short calm, waits
// until ready answers 200 again and a little more, and returns the run.
func faultWindow(t *testing.T, ops []loadOp, fault func(), ready string) *loadRun {
	t.Helper()
	stop := make(chan struct{})
	done := make(chan *loadRun, 1)
	go func() { done <- runLoad(ops, 3, 2000, stop) }()
	time.Sleep(300 * time.Millisecond)
	fault()
	waitReady(t, ready, 15*time.Second)
	time.Sleep(400 * time.Millisecond)
	close(stop)
	l := <-done
	t.Logf("answers by operation and status (-1: no connection):\n%s", l.summary())
	for _, p := range l.problems {
		t.Errorf("wrong answer: %s", p)
	}
	return l
}

// waitReady polls url until it answers 200.
func waitReady(t testing.TB, url string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if r := sendJSON("GET", url, "", nil); r.err == nil && r.status == 200 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not answer 200 within %s: the service did not resume by itself", url, within)
}

// oneOf reports whether status is among allowed.
func oneOf(status int, allowed ...int) bool { return slices.Contains(allowed, status) }
