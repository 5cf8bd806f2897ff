package redis

import (
	"context"
	"testing"

	"github.com/positiveaction/tokens/internal/redistest"
	"github.com/positiveaction/tokens/store"
	"github.com/positiveaction/tokens/store/storetest"
)

func openStore(t *testing.T, cfg Config, opts store.Options) *Store {
	t.Helper()
	s, err := Open(context.Background(), cfg, opts, nil)
	if err != nil {
		t.Fatalf("Open %s: %v", cfg, err)
	}
	return s
}

func TestConformanceOneServer(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	cfg := Config{Addrs: []string{srv.Addr}}
	storetest.RunBackend(t, storetest.Backend{
		Open: func(t *testing.T) store.Store {
			srv.Flush()
			return openStore(t, cfg, storetest.Options())
		},
		// Reopening restarts the server too: the data must come back from
		// its append-only file.
		Reopen: func(t *testing.T, s store.Store) store.Store {
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			srv.Restart()
			return openStore(t, cfg, storetest.Options())
		},
	})
}

func TestConformanceCluster(t *testing.T) {
	t.Parallel()
	c := redistest.StartCluster(t, 3)
	cfg := Config{Addrs: []string{c.Nodes[0].Addr}, Cluster: true}
	storetest.RunBackend(t, storetest.Backend{
		Open: func(t *testing.T) store.Store {
			c.Flush()
			return openStore(t, cfg, storetest.Options())
		},
		Reopen: func(t *testing.T, s store.Store) store.Store {
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			return openStore(t, cfg, storetest.Options())
		},
	})
}

func TestConformanceSentinel(t *testing.T) {
	t.Parallel()
	master := redistest.Start(t)
	sentinel := redistest.StartSentinel(t, master)
	cfg := Config{Addrs: []string{sentinel.Addr}, MasterName: redistest.MasterName}
	storetest.Run(t, func(t *testing.T) store.Store {
		master.Flush()
		return openStore(t, cfg, storetest.Options())
	})
}
