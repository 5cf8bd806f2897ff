package redistest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestServerRestartKeepsData(t *testing.T) {
	t.Parallel()
	s := Start(t)
	if strings.HasSuffix(s.Addr, ":6379") {
		t.Fatalf("the server took the default port: %s", s.Addr)
	}
	if want := "redis://" + s.Addr + "/0"; s.URL != want {
		t.Errorf("URL = %q, want %q", s.URL, want)
	}
	if reply, err := s.Do("SET", "k", "v"); err != nil || reply != "OK" {
		t.Fatalf("SET = %q, %v", reply, err)
	}
	s.Restart()
	if reply, err := s.Do("GET", "k"); err != nil || reply != "v" {
		t.Fatalf("GET after Restart = %q, %v; want v", reply, err)
	}
	s.Flush()
	if reply, err := s.Do("DBSIZE"); err != nil || reply != "0" {
		t.Fatalf("DBSIZE after Flush = %q, %v; want 0", reply, err)
	}
}

func TestServerStopAndPause(t *testing.T) {
	t.Parallel()
	s := Start(t)
	s.Pause()
	start := time.Now()
	if _, err := commandWithin(300*time.Millisecond, s.Addr, "PING"); err == nil {
		t.Fatal("PING of a paused server answered")
	}
	if took := time.Since(start); took < 250*time.Millisecond {
		t.Errorf("PING of a paused server failed after %s, not at its deadline", took)
	}
	s.Resume()
	if reply, err := s.Do("PING"); err != nil || reply != "PONG" {
		t.Fatalf("PING after Resume = %q, %v", reply, err)
	}
	s.Stop()
	if _, err := s.Do("PING"); err == nil {
		t.Fatal("PING of a stopped server answered")
	}
	s.Stop() // twice is fine
}

func TestErrorReply(t *testing.T) {
	t.Parallel()
	s := Start(t)
	if _, err := s.Do("NOSUCHCOMMAND"); !errors.Is(err, errReply) {
		t.Fatalf("unknown command = %v, want an error reply", err)
	}
}

func TestClusterServesEverySlotAndSurvivesARestart(t *testing.T) {
	t.Parallel()
	c := StartCluster(t, 3)
	if !strings.HasPrefix(c.URL, "redis-cluster://") || strings.Count(c.URL, ",") != 2 {
		t.Errorf("URL = %q, want redis-cluster:// and three addresses", c.URL)
	}
	client := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{c.Nodes[0].Addr}})
	defer client.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for i := range 50 {
		if err := client.Set(ctx, fmt.Sprint("key", i), i, 0).Err(); err != nil {
			t.Fatalf("SET key%d: %v", i, err)
		}
	}
	c.Restart(1)
	for i := range 50 {
		var got int
		// The client may need a moment to find the restarted master again.
		for try := 0; ; try++ {
			err := client.Get(ctx, fmt.Sprint("key", i)).Scan(&got)
			if err == nil {
				break
			}
			if try == 50 {
				t.Fatalf("GET key%d after a restart: %v", i, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if got != i {
			t.Fatalf("GET key%d = %d", i, got)
		}
	}
	c.Flush()
	for _, n := range c.Nodes {
		if reply, err := n.Do("DBSIZE"); err != nil || reply != "0" {
			t.Fatalf("DBSIZE of %s after Flush = %q, %v", n, reply, err)
		}
	}
}

func TestSentinelKnowsItsMaster(t *testing.T) {
	t.Parallel()
	master := Start(t)
	s := StartSentinel(t, master)
	if want := "redis-sentinel://" + MasterName + "@" + s.Addr; s.URL != want {
		t.Errorf("URL = %q, want %q", s.URL, want)
	}
	client := redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName: MasterName, SentinelAddrs: []string{s.Addr},
	})
	defer client.Close()
	if err := client.Set(t.Context(), "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET through the sentinel: %v", err)
	}
	if reply, err := master.Do("GET", "k"); err != nil || reply != "v" {
		t.Errorf("GET on the master = %q, %v; want v", reply, err)
	}
}
