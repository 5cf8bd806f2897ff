package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/positiveaction/tokens/internal/redistest"
	"github.com/positiveaction/tokens/internal/testenv"
	"github.com/positiveaction/tokens/tokensvc/client"
)

// Redis memory per live token: the target, and the token count of a
// default run. MEASURE_TOKENS=100000 gives the figure docs/deployment.md
// quotes.
const (
	maxBytesPerToken     = 200
	defaultMeasureTokens = 5000
	measureWorkers       = 8
)

// TestScaleRedisMemoryPerToken issues live tokens through POST
// /oauth2/token of a real token service, so Redis holds exactly the
// records the service writes, and measures what they add to used_memory:
// on one server, and summed over the masters of a three-master Cluster.
// Two shapes: every token of one key (one large hash), and 100 tokens per
// key (many small hashes, with their keys' records counted in).
//
// It asserts the growth of used_memory_dataset (used_memory less the
// server's own overhead). At a few thousand tokens the overhead alone,
// mostly client and Cluster-bus buffers that Redis resizes in its
// background cron, moves by a few hundred kilobytes, which is tens of
// bytes per token; at 100,000 tokens the two figures agree within a few
// bytes, and both are logged.
func TestScaleRedisMemoryPerToken(t *testing.T) {
	t.Parallel()
	n := defaultMeasureTokens
	if v := os.Getenv("MEASURE_TOKENS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 100 {
			t.Fatalf("MEASURE_TOKENS=%q: want a whole number of at least 100", v)
		}
	}
	topologies := []struct {
		name  string
		start func(t *testing.T) (url string, nodes []*redistest.Server)
	}{
		{"one server", func(t *testing.T) (string, []*redistest.Server) {
			s := redistest.Start(t)
			return s.URL, []*redistest.Server{s}
		}},
		{"three-master Cluster", func(t *testing.T) (string, []*redistest.Server) {
			c := redistest.StartCluster(t, 3)
			return c.URL, c.Nodes
		}},
	}
	shapes := []struct {
		name      string
		perKey    int
		wantBelow int
	}{
		{"all tokens of one key", n, maxBytesPerToken},
		{"100 tokens per key", 100, maxBytesPerToken},
	}
	for _, topo := range topologies {
		for _, shape := range shapes {
			t.Run(topo.name+", "+shape.name, func(t *testing.T) {
				t.Parallel()
				url, nodes := topo.start(t)
				ts := testenv.StartTokenService(t, testenv.Options{StoreURL: url})
				perToken := measureTokens(t, ts, nodes, n, shape.perKey)
				if perToken > float64(shape.wantBelow) {
					t.Errorf("a live token takes %.0f bytes of Redis data, want at most %d",
						perToken, shape.wantBelow)
				}
			})
		}
	}
}

// measureTokens creates the keys, warms the service (connections, scripts),
// then issues n tokens, perKey per key, logs the growth of used_memory and
// of used_memory_dataset per token, and returns the latter.
func measureTokens(t *testing.T, ts *testenv.TokenService, nodes []*redistest.Server,
	n, perKey int) float64 {
	t.Helper()
	var keys []testenv.Key
	for i := range (n + perKey - 1) / perKey {
		keys = append(keys, ts.CreateKey(t, "acme-industries", fmt.Sprintf("Billing job %d", i),
			"api:read", "api:write"))
	}
	// Warm-up keys on every node, used as hard as the measured ones, so the
	// connection pools (and their buffers on the servers) are full size.
	var warm []testenv.Key
	for i := range 12 {
		warm = append(warm, ts.CreateKey(t, "warm-up", fmt.Sprintf("Warm-up %d", i), "api"))
	}
	issueMany(t, ts, warm, 1000)
	before := memoryOf(t, nodes)
	start := time.Now()
	issueMany(t, ts, keys, n)
	took := time.Since(start)
	after := memoryOf(t, nodes)
	used := float64(after.used-before.used) / float64(n)
	dataset := float64(after.dataset-before.dataset) / float64(n)
	t.Logf("%d live tokens (%d keys) issued in %v (%.0f/s) into %d node(s): used_memory "+
		"%d -> %d bytes, %.1f bytes per token (dataset alone: %.1f); append-only files "+
		"grew %.1f bytes per token", n, len(keys), took.Round(time.Millisecond),
		float64(n)/took.Seconds(), len(nodes), before.used, after.used, used, dataset,
		float64(after.aof-before.aof)/float64(n))
	rewritten := rewriteAOF(t, nodes)
	t.Logf("after BGREWRITEAOF the append-only files hold %d bytes: %.1f bytes per live "+
		"token", rewritten, float64(rewritten)/float64(n))
	return dataset
}

// rewriteAOF compacts every node's append-only file and returns the sum of
// their new base sizes.
func rewriteAOF(t *testing.T, nodes []*redistest.Server) int64 {
	t.Helper()
	for _, n := range nodes {
		if _, err := n.Do("BGREWRITEAOF"); err != nil {
			t.Fatalf("BGREWRITEAOF on %s: %v", n, err)
		}
	}
	var sum int64
	for _, n := range nodes {
		deadline := time.Now().Add(30 * time.Second)
		for infoField(t, n, "persistence", "aof_rewrite_in_progress") == 1 ||
			infoField(t, n, "persistence", "aof_rewrite_scheduled") == 1 {
			if time.Now().After(deadline) {
				t.Fatalf("the append-only file of %s is still being rewritten", n)
			}
			time.Sleep(20 * time.Millisecond)
		}
		sum += infoField(t, n, "persistence", "aof_base_size")
	}
	return sum
}

// redisMemory is INFO's used_memory, used_memory_dataset and
// aof_current_size, each summed over nodes.
type redisMemory struct{ used, dataset, aof int64 }

func memoryOf(t *testing.T, nodes []*redistest.Server) redisMemory {
	t.Helper()
	var m redisMemory
	for _, n := range nodes {
		m.used += infoField(t, n, "memory", "used_memory")
		m.dataset += infoField(t, n, "memory", "used_memory_dataset")
		m.aof += infoField(t, n, "persistence", "aof_current_size")
	}
	return m
}

// issueMany issues n tokens over HTTP, spread evenly over keys, with
// several workers.
func issueMany(t *testing.T, ts *testenv.TokenService, keys []testenv.Key, n int) {
	t.Helper()
	hc := &http.Client{Timeout: 10 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: measureWorkers}}
	c := client.New(ts.URL, hc)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, measureWorkers)
	for range measureWorkers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				k := keys[i%len(keys)]
				var err error
				for range 3 { // a loaded machine may see the store time out: 503
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					_, err = c.Token(ctx, k.ClientID, k.SecretID, nil)
					cancel()
					if !errors.Is(err, client.ErrUnavailable) {
						break
					}
					time.Sleep(50 * time.Millisecond)
				}
				if err != nil {
					errs <- fmt.Errorf("token %d: %w", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// infoField reads one integer field of an INFO section of n.
func infoField(t *testing.T, n *redistest.Server, section, field string) int64 {
	t.Helper()
	info, err := n.Do("INFO", section)
	if err != nil {
		t.Fatalf("INFO %s on %s: %v", section, n, err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), field+":"); ok {
			b, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatalf("INFO %s on %s: %s is %q", section, n, field, v)
			}
			return b
		}
	}
	t.Fatalf("INFO %s on %s has no %s", section, n, field)
	return 0
}
