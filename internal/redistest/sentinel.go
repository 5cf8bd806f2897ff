package redistest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// MasterName is the name under which a Sentinel of StartSentinel monitors
// its master.
const MasterName = "mymaster"

// StartSentinel starts a redis-server in Sentinel mode that monitors
// master under MasterName, and waits until it knows the master. Its URL
// field is the store URL (redis-sentinel://mymaster@host:port); the process
// is stopped when the test ends.
func StartSentinel(t testing.TB, master *Server) *Server {
	t.Helper()
	requireBinaries(t)
	_, masterPort, _ := strings.Cut(master.Addr, ":")
	dir := t.TempDir()
	conf := filepath.Join(dir, "sentinel.conf")
	var last error
	for range 3 { // another process may take the port between pick and bind
		port := freePort(t, false)
		text := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\n"+
			"sentinel monitor %s 127.0.0.1 %s 1\n"+
			"sentinel down-after-milliseconds %s 5000\n",
			port, dir, MasterName, masterPort, MasterName)
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			t.Fatalf("redistest: write sentinel.conf: %v", err)
		}
		s := newServer(t, port, []string{conf, "--sentinel"})
		s.URL = "redis-sentinel://" + MasterName + "@" + s.Addr
		if last = s.start(); last == nil {
			waitForMaster(t, s, master)
			return s
		}
	}
	t.Fatalf("redistest: sentinel: %v", last)
	return nil
}

func waitForMaster(t testing.TB, sentinel, master *Server) {
	t.Helper()
	want := strings.Replace(master.Addr, ":", "\n", 1)
	deadline := time.Now().Add(startTimeout)
	for {
		reply, err := sentinel.Do("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MasterName)
		if err == nil && reply == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redistest: %s does not know master %s: %q, %v", sentinel, master.Addr,
				reply, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
