package redistest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// SentinelOptions shape a group of Sentinels. Zero values pick the ones
// noted on each field.
type SentinelOptions struct {
	// Quorum is how many Sentinels must agree that the master is down
	// before a failover (default: a majority of the group).
	Quorum int
	// DownAfter is how long the master may be silent before a Sentinel
	// thinks it down (default 1s).
	DownAfter time.Duration
	// FailoverTimeout bounds a failover's steps and spaces out retries
	// (default 5s).
	FailoverTimeout time.Duration
}

// Sentinels is a group of Sentinels watching one master under MasterName.
type Sentinels struct {
	// URL is the store URL naming every Sentinel of the group.
	URL string
	// Nodes are the Sentinel processes.
	Nodes []*Server

	t testing.TB
}

// StartReplica starts a redis-server that replicates master, with its own
// data directory and append-only file, and waits until its link to the
// master is up and its first append-only file is written. It sets the
// master's repl-diskless-sync-delay to 0, so the first sync starts at once
// rather than five seconds later. The replica is stopped when the test
// ends.
func StartReplica(t testing.TB, master *Server) *Server {
	t.Helper()
	requireBinaries(t)
	if reply, err := master.Do("CONFIG", "SET", "repl-diskless-sync-delay", "0"); err != nil {
		t.Fatalf("redistest: CONFIG SET on %s: %q, %v", master, reply, err)
	}
	host, port, _ := net.SplitHostPort(master.Addr)
	var last error
	for range 3 { // another process may take the port between pick and bind
		p := freePort(t, false)
		s := newServer(t, p, dataArgs(p, t.TempDir(), "--replicaof", host, port))
		if last = s.start(); last == nil {
			WaitReplicaLinked(t, s)
			return s
		}
	}
	t.Fatalf("redistest: replica: %v", last)
	return nil
}

// WaitReplicaLinked waits until replica reports master_link_status:up and
// has finished rewriting its append-only file after the sync (until then
// it refuses to shut down).
func WaitReplicaLinked(t testing.TB, replica *Server) {
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	for {
		info, err := replica.Do("INFO", "replication")
		persistence, perr := replica.Do("INFO", "persistence")
		if err == nil && perr == nil && strings.Contains(info, "master_link_status:up") &&
			strings.Contains(persistence, "aof_rewrite_in_progress:0") &&
			strings.Contains(persistence, "aof_rewrite_scheduled:0") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redistest: %s never linked to its master: %v, %v\n%s", replica, err, perr,
				info)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// WaitReplicated waits until replica has applied every write master had
// accepted when it was called: the replica's processed offset reaches the
// master's replication offset of that moment. Replication is asynchronous,
// so this is how a test knows which writes a failover must keep.
func WaitReplicated(t testing.TB, master, replica *Server) {
	t.Helper()
	want, err := infoInt(master, "replication", "master_repl_offset")
	if err != nil {
		t.Fatalf("redistest: offset of %s: %v", master, err)
	}
	deadline := time.Now().Add(startTimeout)
	for {
		got, err := infoInt(replica, "replication", "slave_repl_offset")
		if err == nil && got >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redistest: %s reached offset %d, not %d: %v", replica, got, want, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// infoInt reads one integer field of an INFO section.
func infoInt(s *Server, section, field string) (int64, error) {
	info, err := s.Do("INFO", section)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), field+":"); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, fmt.Errorf("INFO %s has no %s", section, field)
}

// StartSentinels starts n Sentinels that watch master under MasterName,
// and waits until each knows the master. They are stopped when the test
// ends.
func StartSentinels(t testing.TB, master *Server, n int, opts SentinelOptions) *Sentinels {
	t.Helper()
	requireBinaries(t)
	if opts.Quorum == 0 {
		opts.Quorum = n/2 + 1
	}
	if opts.DownAfter == 0 {
		opts.DownAfter = time.Second
	}
	if opts.FailoverTimeout == 0 {
		opts.FailoverTimeout = 5 * time.Second
	}
	g := &Sentinels{t: t}
	var addrs []string
	for range n {
		s := startSentinel(t, master, opts)
		g.Nodes = append(g.Nodes, s)
		addrs = append(addrs, s.Addr)
	}
	g.URL = "redis-sentinel://" + MasterName + "@" + strings.Join(addrs, ",")
	return g
}

func startSentinel(t testing.TB, master *Server, opts SentinelOptions) *Server {
	t.Helper()
	host, masterPort, _ := net.SplitHostPort(master.Addr)
	dir := t.TempDir()
	conf := filepath.Join(dir, "sentinel.conf")
	var last error
	for range 3 { // another process may take the port between pick and bind
		port := freePort(t, false)
		text := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\n"+
			"sentinel monitor %s %s %s %d\n"+
			"sentinel down-after-milliseconds %s %d\n"+
			"sentinel failover-timeout %s %d\n",
			port, dir, MasterName, host, masterPort, opts.Quorum,
			MasterName, opts.DownAfter.Milliseconds(),
			MasterName, opts.FailoverTimeout.Milliseconds())
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

// WaitAcquainted waits until every Sentinel knows the given number of
// replicas and every other Sentinel of the group, which an agreed failover
// (after the master dies) needs. Sentinels find each other through hello
// messages sent every two seconds.
func (g *Sentinels) WaitAcquainted(replicas int) {
	g.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for _, s := range g.Nodes {
		for {
			reply, err := s.Do("SENTINEL", "MASTER", MasterName)
			fields := pairs(reply)
			if err == nil && fields["num-slaves"] == strconv.Itoa(replicas) &&
				fields["num-other-sentinels"] == strconv.Itoa(len(g.Nodes)-1) {
				break
			}
			if time.Now().After(deadline) {
				g.t.Fatalf("redistest: %s does not know its peers: %v\n%s", s, err, reply)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// MasterAddr is the master's address as the first Sentinel that answers
// reports it.
func (g *Sentinels) MasterAddr() string {
	g.t.Helper()
	var last error
	for _, s := range g.Nodes {
		reply, err := s.Do("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MasterName)
		if err == nil {
			return strings.Replace(reply, "\n", ":", 1)
		}
		last = err
	}
	g.t.Fatalf("redistest: no Sentinel knows the master: %v", last)
	return ""
}

// Failover forces a failover with SENTINEL FAILOVER on the first Sentinel
// (no agreement needed) and returns once it has begun. A Sentinel that has
// not yet seen the replica answer it lately refuses with NOGOODSLAVE; that
// is retried for up to ten seconds.
func (g *Sentinels) Failover() {
	g.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		reply, err := g.Nodes[0].Do("SENTINEL", "FAILOVER", MasterName)
		if err == nil {
			return
		}
		if !strings.Contains(err.Error(), "NOGOODSLAVE") || time.Now().After(deadline) {
			g.t.Fatalf("redistest: SENTINEL FAILOVER: %q, %v", reply, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// WaitMaster waits until every Sentinel names addr as the master and addr
// answers as one, failing the test after timeout.
func (g *Sentinels) WaitMaster(addr string, timeout time.Duration) {
	g.t.Helper()
	want := strings.Replace(addr, ":", "\n", 1)
	deadline := time.Now().Add(timeout)
	for _, s := range g.Nodes {
		for {
			reply, err := s.Do("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MasterName)
			if err == nil && reply == want {
				break
			}
			if time.Now().After(deadline) {
				g.t.Fatalf("redistest: %s names master %q, not %s: %v", s, reply, addr, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	for {
		role, err := command(addr, "ROLE")
		if err == nil && strings.HasPrefix(role, "master\n") {
			return
		}
		if time.Now().After(deadline) {
			g.t.Fatalf("redistest: %s answers ROLE %q, %v; want master", addr, role, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pairs reads a flat name/value reply (one per line) into a map.
func pairs(reply string) map[string]string {
	lines := strings.Split(reply, "\n")
	m := make(map[string]string, len(lines)/2)
	for i := 0; i+1 < len(lines); i += 2 {
		m[lines[i]] = lines[i+1]
	}
	return m
}
