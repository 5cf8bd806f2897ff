package redistest

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Cluster is a Redis Cluster of masters without replicas, on loopback.
type Cluster struct {
	// URL is the store URL naming every master.
	URL string
	// Nodes are the masters.
	Nodes []*Server

	t testing.TB
}

// StartCluster starts masters redis-servers with cluster mode on, joins
// them with redis-cli --cluster create and waits until the cluster is ok.
// Every process is stopped when the test ends.
func StartCluster(t testing.TB, masters int) *Cluster {
	t.Helper()
	requireBinaries(t)
	if masters < 3 {
		t.Fatalf("redistest: a Redis Cluster needs at least 3 masters, not %d", masters)
	}
	c := &Cluster{t: t}
	taken := map[int]bool{}
	var addrs []string
	for len(c.Nodes) < masters {
		port := freePort(t, true)
		if taken[port] || taken[port+10000] || taken[port-10000] {
			continue
		}
		taken[port] = true
		s := newServer(t, port, dataArgs(port, t.TempDir(),
			"--cluster-enabled", "yes",
			"--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "2000",
		))
		if err := s.start(); err != nil {
			t.Fatalf("redistest: cluster node: %v", err)
		}
		c.Nodes = append(c.Nodes, s)
		addrs = append(addrs, s.Addr)
	}
	c.URL = "redis-cluster://" + strings.Join(addrs, ",")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.CommandContext(ctx, "redis-cli", args...).CombinedOutput(); err != nil {
		t.Fatalf("redistest: redis-cli --cluster create: %v\n%s", err, out)
	}
	c.WaitOK()
	return c
}

// WaitOK waits until every node reports cluster_state:ok, failing the test
// after 20 seconds.
func (c *Cluster) WaitOK() {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for _, n := range c.Nodes {
		for {
			info, err := n.Do("CLUSTER", "INFO")
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				c.t.Fatalf("redistest: %s never reached cluster_state:ok: %v\n%s", n, err, info)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// Restart stops master i and starts it again with its data and cluster
// configuration, then waits until the cluster is ok again.
func (c *Cluster) Restart(i int) {
	c.t.Helper()
	c.Nodes[i].Restart()
	c.WaitOK()
}

// Flush deletes every key on every master.
func (c *Cluster) Flush() {
	c.t.Helper()
	for _, n := range c.Nodes {
		n.Flush()
	}
}
