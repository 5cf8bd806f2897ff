package redistest

import (
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
	// One Sentinel decides alone; a down master is noticed after 5 s and
	// a failover may take Redis's default 3 minutes.
	return startSentinel(t, master, SentinelOptions{
		Quorum: 1, DownAfter: 5 * time.Second, FailoverTimeout: 3 * time.Minute,
	})
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
