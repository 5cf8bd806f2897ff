package e2e

import (
	"bufio"
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/positiveaction/tokens/internal/redistest"
	"github.com/positiveaction/tokens/internal/testenv"
)

// monitor records the commands one Redis server executes (MONITOR), for
// checking which keys a flow touches.
type monitor struct {
	conn net.Conn
	mu   sync.Mutex
	seen []string
	done chan struct{}
}

func startMonitor(t *testing.T, addr string) *monitor {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("MONITOR %s: %v", addr, err)
	}
	r := bufio.NewReader(conn)
	if _, err := conn.Write([]byte("*1\r\n$7\r\nMONITOR\r\n")); err != nil {
		t.Fatalf("MONITOR %s: %v", addr, err)
	}
	if line, err := r.ReadString('\n'); err != nil || line != "+OK\r\n" {
		t.Fatalf("MONITOR %s answered %q, %v", addr, line, err)
	}
	m := &monitor{conn: conn, done: make(chan struct{})}
	go func() {
		defer close(m.done)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			m.mu.Lock()
			m.seen = append(m.seen, strings.TrimSpace(line))
			m.mu.Unlock()
		}
	}()
	t.Cleanup(m.stop)
	return m
}

// take returns the commands seen since the last take.
func (m *monitor) take() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.seen
	m.seen = nil
	return out
}

func (m *monitor) stop() {
	m.conn.Close()
	<-m.done
}

// storeKey finds the pa: keys and channels a MONITOR line names.
var storeKey = regexp.MustCompile(`"(pa:[^"]*)"`)

// touched runs flow and returns the pa: names every master saw meanwhile,
// and on which master.
func touched(t *testing.T, mons []*monitor, flow func()) map[string]int {
	t.Helper()
	for _, m := range mons {
		m.take()
	}
	flow()
	time.Sleep(100 * time.Millisecond) // MONITOR lines trail the replies
	names := map[string]int{}
	for i, m := range mons {
		for _, line := range m.take() {
			for _, match := range storeKey.FindAllStringSubmatch(line, -1) {
				names[match[1]] = i
			}
		}
	}
	return names
}

// TestScaleClusterKeyLayout watches every master of a Cluster (MONITOR)
// while tokens are issued, introspected and used through a gateway: the
// token path touches only the per-key slots of the keys involved, never
// the global key index, an account index or the audit stream, and the
// per-key slots of many keys spread over every master. Key management
// does touch the global index: that is where it belongs.
func TestScaleClusterKeyLayout(t *testing.T) {
	t.Parallel()
	c := redistest.StartCluster(t, 3)
	f := startFleet(t, c.URL, 1, fleetConfig())
	var keys []testenv.Key
	for i := range 30 {
		keys = append(keys, f.ts[0].CreateKey(t, "layout", fmt.Sprintf("Key %d", i), "read"))
	}
	mons := make([]*monitor, len(c.Nodes))
	for i, n := range c.Nodes {
		mons[i] = startMonitor(t, n.Addr)
	}

	// A key's record and token hash, and the failure count of its Client
	// ID (read once a second per instance for a succeeding key), all in
	// slots of that key.
	perKey := map[string]bool{}
	for _, k := range append(keys, f.gwKey) {
		perKey["pa:k:{"+k.ClientID+"}"], perKey["pa:t:{"+k.ClientID+"}"] = true, true
		perKey["pa:c:{authfail:client:"+k.ClientID+"}"] = true
	}
	names := touched(t, mons, func() {
		for _, k := range keys {
			tok := f.ts[0].Token(t, k, "")
			f.wantActiveEverywhere(t, tok, k)
		}
	})
	masters := map[int]bool{}
	for name, node := range names {
		switch {
		case perKey[name]:
			if strings.HasPrefix(name, "pa:t:") {
				masters[node] = true
			}
		case strings.HasPrefix(name, "pa:c:{authfail:addr:"):
			// the failure count of the caller's address, read likewise
		case strings.HasPrefix(name, "pa:rev:echo:"):
			// the revocation subscription's liveness echo
		default:
			t.Errorf("issuing and introspecting touched %q on master %d", name, node+1)
		}
	}
	if len(masters) != len(c.Nodes) {
		t.Errorf("the token records of %d keys live on %d of %d masters", len(keys),
			len(masters), len(c.Nodes))
	}
	t.Logf("the token path of %d keys touched %d per-key names on %d masters, nothing else",
		len(keys), len(names), len(masters))

	names = touched(t, mons, func() {
		f.ts[0].CreateKey(t, "layout", "One more", "read")
	})
	if _, ok := names["pa:keys"]; !ok {
		t.Errorf("creating a key did not touch pa:keys; saw %v", names)
	}
	if _, ok := names["pa:audit"]; !ok {
		t.Errorf("creating a key did not touch pa:audit; saw %v", names)
	}
}
