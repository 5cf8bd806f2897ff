package e2e

import (
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// scaleProc is a program the test started; it dies with the test process.
type scaleProc struct {
	name   string
	cmd    *exec.Cmd
	out    *procLog
	exited chan struct{}
}

func startScaleProc(t *testing.T, name, path string, args, env []string) *scaleProc {
	t.Helper()
	p := &scaleProc{name: name, cmd: exec.Command(path, args...), out: &procLog{},
		exited: make(chan struct{})}
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			t.Logf("%s's log:\n%s", name, p.out)
		}
	})
	return p
}

// terminate sends SIGTERM and returns the exit code (-1 if the program
// did not exit within ten seconds and was killed).
func (p *scaleProc) terminate() int {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return -1
	}
}

// procLog collects a program's output, written by exec's copying
// goroutines while a failing test may read it.
type procLog struct {
	mu  sync.Mutex
	buf []byte
}

func (l *procLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	return len(p), nil
}

func (l *procLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.buf)
}
