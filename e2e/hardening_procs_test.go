package e2e

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/positiveaction/tokens/internal/testlog"
)

// The hardening tests run the real cmd/tokensvc and cmd/gqlgateway
// binaries, built once per test run, as separate processes on loopback, so
// that killing, stopping and restarting them is what an operator would see.

var serviceBinaries struct {
	once sync.Once
	dir  string
	err  error
}

// binaryPath builds cmd/tokensvc and cmd/gqlgateway on first use and returns
// the path of the named one.
func binaryPath(t testing.TB, name string) string {
	t.Helper()
	serviceBinaries.once.Do(func() {
		dir, err := os.MkdirTemp("", "positiveaction-e2e-bin")
		if err != nil {
			serviceBinaries.err = err
			return
		}
		serviceBinaries.dir = dir
		out, err := exec.Command("go", "build", "-o", dir,
			"github.com/positiveaction/tokens/cmd/tokensvc",
			"github.com/positiveaction/tokens/cmd/gqlgateway").CombinedOutput()
		if err != nil {
			serviceBinaries.err = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if serviceBinaries.err != nil {
		t.Fatalf("building the service binaries: %v", serviceBinaries.err)
	}
	return filepath.Join(serviceBinaries.dir, name)
}

// syncBuffer is a log sink safe to write from other goroutines.
type syncBuffer = testlog.Buffer

// serviceProcess is one of the binaries, startable again after it ends.
type serviceProcess struct {
	t       testing.TB
	name    string
	bin     string
	env     []string
	readyAt string // URL that answers 200 once the process serves
	stdout  syncBuffer
	stderr  syncBuffer

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // of the last run, once exited
	starts int
}

// startProcess runs bin with exactly env (plus PATH and HOME) and waits
// until readyAt answers 200. It is killed when the test ends.
func startProcess(t testing.TB, name, bin, readyAt string, env []string) *serviceProcess {
	t.Helper()
	p := &serviceProcess{t: t, name: name, bin: bin, readyAt: readyAt,
		env: append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)}
	t.Cleanup(p.kill)
	p.start()
	return p
}

// start runs the binary again and waits until it is ready.
func (p *serviceProcess) start() {
	p.t.Helper()
	p.mu.Lock()
	cmd := exec.Command(p.bin)
	cmd.Env = p.env
	cmd.Stdout, cmd.Stderr = &p.stdout, &p.stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		p.mu.Unlock()
		p.t.Fatalf("starting %s: %v", p.name, err)
	}
	exited := make(chan struct{})
	p.cmd, p.exited = cmd, exited
	p.starts++
	p.mu.Unlock()
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		close(exited)
	}()
	p.waitReady(15 * time.Second)
}

func (p *serviceProcess) waitReady(within time.Duration) {
	p.t.Helper()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		select {
		case <-p.exitedChan():
			p.t.Fatalf("%s exited at start: %v\n%s", p.name, p.exitErr(), p.stderr.String())
		default:
		}
		if resp, err := client.Get(p.readyAt); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	p.t.Fatalf("%s not ready at %s within %s\n%s", p.name, p.readyAt, within, p.stderr.String())
}

func (p *serviceProcess) exitedChan() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.exited
}

func (p *serviceProcess) exitErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// pid is the current process's id.
func (p *serviceProcess) pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd.Process.Pid
}

// running reports whether the current run has not exited.
func (p *serviceProcess) running() bool {
	select {
	case <-p.exitedChan():
		return false
	default:
		return true
	}
}

// signal sends sig to the current run.
func (p *serviceProcess) signal(sig syscall.Signal) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = p.cmd.Process.Signal(sig)
}

// wait waits up to within for the current run to exit and returns its
// error (nil for exit 0).
func (p *serviceProcess) wait(within time.Duration) error {
	select {
	case <-p.exitedChan():
		return p.exitErr()
	case <-time.After(within):
		return errors.New(p.name + " did not exit in time")
	}
}

// kill ends the current run at once, as a crash would.
func (p *serviceProcess) kill() {
	if p.running() {
		p.signal(syscall.SIGKILL)
		_ = p.wait(10 * time.Second)
	}
}

// logs is everything the process wrote to stderr, across its runs.
func (p *serviceProcess) logs() string { return p.stderr.String() }
