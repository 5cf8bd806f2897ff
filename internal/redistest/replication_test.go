package redistest

import (
	"testing"
)

func TestReplicaFollowsItsMaster(t *testing.T) {
	t.Parallel()
	master := Start(t)
	replica := StartReplica(t, master)
	if reply, err := master.Do("SET", "k", "v"); err != nil || reply != "OK" {
		t.Fatalf("SET on the master = %q, %v", reply, err)
	}
	WaitReplicated(t, master, replica)
	if reply, err := replica.Do("GET", "k"); err != nil || reply != "v" {
		t.Errorf("GET on the replica after WaitReplicated = %q, %v; want v", reply, err)
	}
	if _, err := replica.Do("SET", "k", "w"); err == nil {
		t.Error("the replica accepted a write")
	}
}

func TestSentinelsWatchTheMaster(t *testing.T) {
	t.Parallel()
	master := Start(t)
	StartReplica(t, master)
	g := StartSentinels(t, master, 2, SentinelOptions{})
	if want := "redis-sentinel://" + MasterName + "@" + g.Nodes[0].Addr + "," +
		g.Nodes[1].Addr; g.URL != want {
		t.Errorf("URL = %q, want %q", g.URL, want)
	}
	g.WaitAcquainted(1)
	if got := g.MasterAddr(); got != master.Addr {
		t.Errorf("MasterAddr = %s, want %s", got, master.Addr)
	}
}
