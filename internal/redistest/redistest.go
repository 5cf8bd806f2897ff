// Package redistest starts real redis-server processes for tests: one
// server (StartTLS: with a TLS listener too), a replica, a Sentinel, or a
// Cluster of masters, each on free loopback ports, with its
// data in the test's temporary directory and append-only persistence, so a
// restart keeps the data. Every process is stopped when the test ends.
//
// It needs redis-server and redis-cli on the PATH (CI installs them). A
// missing binary fails the test with a clear message; nothing is skipped.
package redistest

import (
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startTimeout bounds how long a server may take to answer PING.
const startTimeout = 10 * time.Second

// Server is one redis-server process on 127.0.0.1.
type Server struct {
	// Addr is host:port of the server.
	Addr string
	// URL is the store URL of the server's database 0.
	URL string

	t    testing.TB
	args []string

	mu   sync.Mutex
	proc *process
}

// process is one run of redis-server.
type process struct {
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan struct{} // closed once the process has been reaped
}

// Start starts a redis-server on a free port and stops it when the test
// ends.
func Start(t testing.TB) *Server {
	t.Helper()
	requireBinaries(t)
	var last error
	for range 3 { // another process may take the port between pick and bind
		port := freePort(t, false)
		s := newServer(t, port, dataArgs(port, t.TempDir()))
		if last = s.start(); last == nil {
			return s
		}
	}
	t.Fatalf("redistest: %v", last)
	return nil
}

// dataArgs are the arguments of a data node: loopback only, no snapshots,
// an append-only file in dir.
func dataArgs(port int, dir string, extra ...string) []string {
	return append([]string{
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--dir", dir,
		"--save", "",
		"--appendonly", "yes",
		"--daemonize", "no",
		"--logfile", "",
	}, extra...)
}

func requireBinaries(t testing.TB) {
	t.Helper()
	for _, bin := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("redistest: %s is not installed (Debian: apt-get install redis-server): %v",
				bin, err)
		}
	}
}

func newServer(t testing.TB, port int, args []string) *Server {
	s := &Server{
		Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		t:    t,
		args: args,
	}
	s.URL = "redis://" + s.Addr + "/0"
	t.Cleanup(s.Stop)
	return s
}

// start runs redis-server and waits until it answers PING.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return nil
	}
	p := &process{cmd: exec.Command("redis-server", s.args...), out: &syncBuffer{},
		exited: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	// The server dies with the test process, even if the test is killed.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.exited)
	}()
	deadline := time.Now().Add(startTimeout)
	for {
		reply, err := command(s.Addr, "PING")
		if err == nil && reply == "PONG" {
			s.proc = p
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("redis-server on %s exited at start; its output:\n%s", s.Addr, p.out)
		default:
		}
		if time.Now().After(deadline) {
			_ = p.cmd.Process.Kill()
			<-p.exited
			return fmt.Errorf("redis-server on %s did not answer within %s (%q, %v); "+
				"its output:\n%s", s.Addr, startTimeout, reply, err, p.out)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Stop shuts the server down (SIGTERM, so the append-only file is flushed)
// and waits for it to exit. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.end(syscall.SIGTERM)
}

// Kill ends the server at once with SIGKILL, as a crash would.
func (s *Server) Kill() {
	s.end(syscall.SIGKILL)
}

func (s *Server) end(sig syscall.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.proc
	if p == nil {
		return
	}
	s.proc = nil
	_ = p.cmd.Process.Signal(syscall.SIGCONT) // in case it was paused
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// Restart stops the server if it runs and starts it again on the same port
// and directory, so it comes back with its data.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	if err := s.start(); err != nil {
		s.t.Fatalf("redistest: restart: %v", err)
	}
}

// Pause freezes the server (SIGSTOP): it keeps its port and accepts
// connections but answers nothing, like a hung or unreachable server.
func (s *Server) Pause() { s.signalRunning(syscall.SIGSTOP) }

// Resume undoes Pause.
func (s *Server) Resume() { s.signalRunning(syscall.SIGCONT) }

func (s *Server) signalRunning(sig syscall.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		_ = s.proc.cmd.Process.Signal(sig)
	}
}

// Do sends one command to the server and returns its reply as text, for
// test set-up and checks.
func (s *Server) Do(args ...string) (string, error) {
	return command(s.Addr, args...)
}

// Flush deletes every key of the server, failing the test if it cannot.
func (s *Server) Flush() {
	s.t.Helper()
	if reply, err := command(s.Addr, "FLUSHALL"); err != nil || reply != "OK" {
		s.t.Fatalf("redistest: FLUSHALL on %s: %q, %v", s.Addr, reply, err)
	}
}

// String describes the server for test messages.
func (s *Server) String() string {
	return "redis-server on " + s.Addr
}

// freePort returns a loopback port nothing listens on (and, when withBus
// is set, whose Cluster bus port, port+10000, is free as well). 6379 is
// never returned, so no developer's own Redis is touched.
func freePort(t testing.TB, withBus bool) int {
	t.Helper()
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("redistest: find a free port: %v", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		if port == 6379 || withBus && (port+10000 > 65535 || !portFree(port+10000)) {
			continue
		}
		return port
	}
	t.Fatal("redistest: found no free loopback port")
	return 0
}

func portFree(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}
