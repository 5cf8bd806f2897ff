package open

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/positiveaction/tokens/internal/redistest"
	"github.com/positiveaction/tokens/store"
	"github.com/positiveaction/tokens/store/redis"
)

// secret stands for a password; it must never show in an error.
const secret = "s3cret"

func TestParseRedisURLs(t *testing.T) {
	cases := []struct {
		name string
		url  string
		want redis.Config
	}{
		{"a host alone gets port 6379 and database 0", "redis://localhost",
			redis.Config{Addrs: []string{"localhost:6379"}}},
		{"user, escaped password and database", "redis://user:pa%20" + secret + "@h:6380/2",
			redis.Config{Addrs: []string{"h:6380"}, Username: "user", Password: "pa " + secret,
				DB: 2}},
		{"a password without a user", "redis://:" + secret + "@h/0",
			redis.Config{Addrs: []string{"h:6379"}, Password: secret}},
		{"a trailing slash is database 0", "redis://h:1/",
			redis.Config{Addrs: []string{"h:1"}}},
		{"IPv6", "redis://[::1]:7000/3",
			redis.Config{Addrs: []string{"[::1]:7000"}, DB: 3}},
		{"the scheme in capitals", "REDIS://h:1",
			redis.Config{Addrs: []string{"h:1"}}},
		{"cluster with several hosts, one without a port", "redis-cluster://a:7000,b:7001,c",
			redis.Config{Addrs: []string{"a:7000", "b:7001", "c:6379"}, Cluster: true}},
		{"cluster with one seed and credentials", "redis-cluster://u:" + secret + "@a:7000/0",
			redis.Config{Addrs: []string{"a:7000"}, Cluster: true, Username: "u",
				Password: secret}},
		{"sentinel with a master password and database",
			"redis-sentinel://mymaster:" + secret + "@s1:26379,s2:26380/1",
			redis.Config{Addrs: []string{"s1:26379", "s2:26380"}, MasterName: "mymaster",
				Password: secret, DB: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parse(c.url)
			if err != nil {
				t.Fatalf("parse(%q): %v", c.url, err)
			}
			if got.kind != kindRedis || !reflect.DeepEqual(got.redis, c.want) {
				t.Errorf("parse(%q) = %+v, want %+v", c.url, got.redis, c.want)
			}
		})
	}

	t.Run("rediss turns TLS on for the host", func(t *testing.T) {
		got, err := parse("rediss://:" + secret + "@cache.example:6380/1")
		if err != nil {
			t.Fatal(err)
		}
		tls := got.redis.TLS
		if tls == nil || tls.ServerName != "cache.example" || tls.MinVersion == 0 {
			t.Errorf("TLS = %+v, want server name cache.example and a minimum version", tls)
		}
	})
}

func TestParseOtherURLs(t *testing.T) {
	cases := []struct {
		url  string
		want target
	}{
		{"memory:", target{kind: kindMemory}},
		{"memory://", target{kind: kindMemory}},
		{"file:tokensvc.db", target{kind: kindFile, path: "tokensvc.db"}},
		{"file:data/my tokens.db", target{kind: kindFile, path: "data/my tokens.db"}},
		{"file:/var/lib/tokens.db", target{kind: kindFile, path: "/var/lib/tokens.db"}},
		{"file:///var/lib/tokens.db", target{kind: kindFile, path: "/var/lib/tokens.db"}},
	}
	for _, c := range cases {
		t.Run(c.url, func(t *testing.T) {
			got, err := parse(c.url)
			if err != nil {
				t.Fatalf("parse(%q): %v", c.url, err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("parse(%q) = %+v, want %+v", c.url, got, c.want)
			}
		})
	}
}

func TestBadURLsGiveClearErrorsWithoutThePassword(t *testing.T) {
	cases := []struct {
		name, url, mention string
	}{
		{"no scheme", "localhost:6379", "scheme"},
		{"no colon at all", "tokens.db", "no scheme"},
		{"an unknown scheme", "mysql://u:" + secret + "@h/db", "unknown scheme"},
		{"no host", "redis://:" + secret + "@/0", "no host"},
		{"a port that is no number", "redis://:" + secret + "@h:abc/0", "port"},
		{"port zero", "redis://h:0", "port"},
		{"a database that is no number", "redis://:" + secret + "@h/x", "database"},
		{"a negative database", "redis://h/-1", "database"},
		{"several hosts for one server", "redis://:" + secret + "@a:1,b:2", "one host"},
		{"an empty host in a list", "redis-cluster://a:1,,b:2", "host"},
		{"a database on a cluster", "redis-cluster://:" + secret + "@a:1/2", "database 0"},
		{"a sentinel URL without a master", "redis-sentinel://s1:26379", "master name"},
		{"query parameters", "redis://:" + secret + "@h?dial_timeout=1s", "query"},
		{"a fragment", "redis://h#x", "fragment"},
		{"an opaque redis URL", "redis:" + secret + "@h", "host:port"},
		{"a malformed URL", "redis://u:" + secret + "@h:1:2:3/0", "host"},
		{"an invalid escape", "redis://u:%zz" + secret + "@h/0", "valid URL"},
		{"file without a path", "file:", "path"},
		{"file:// with a relative path", "file://tokens.db", "absolute"},
		{"memory with extra parts", "memory:x", "nothing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Check(c.url)
			if err == nil {
				t.Fatalf("Check(%q) succeeded", c.url)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("the error shows the password: %v", err)
			}
			if !strings.Contains(err.Error(), c.mention) {
				t.Errorf("error %q does not mention %q", err, c.mention)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	cases := []struct{ in, want string }{
		{"redis://user:" + secret + "@h:6379/0", "redis://user:xxxxx@h:6379/0"},
		{"redis://:" + secret + "@h", "redis://:xxxxx@h"},
		{"redis://h:6379/0", "redis://h:6379/0"},
		{"rediss://u:" + secret + "@h", "rediss://u:xxxxx@h"},
		{"redis-cluster://u:" + secret + "@a:1,b:2", "redis-cluster://u:xxxxx@a:1,b:2"},
		{"redis-sentinel://m:" + secret + "@s1:1,s2:2/3", "redis-sentinel://m:xxxxx@s1:1,s2:2/3"},
		{"redis://u:p@ss:" + secret + "@h/0", "redis://u:xxxxx@h/0"},
		{"redis://h/0?password=" + secret + "&x", "redis://h/0?password=xxxxx&x"},
		{"redis://u:" + secret + "@h:1:2:3/0", "redis://u:xxxxx@h:1:2:3/0"},
		{"redis:" + secret + "@h", "redis:xxxxx@h"},
		{"file:/tmp/a@b.db", "file:/tmp/a@b.db"},
		{"memory:", "memory:"},
		{"no scheme", "no scheme"},
	}
	for _, c := range cases {
		if got := Redact(c.in); got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestOpenMemoryAndFile(t *testing.T) {
	for _, url := range []string{"memory:", "file:" + filepath.Join(t.TempDir(), "t.db")} {
		s, err := Open(t.Context(), url, store.Options{}, nil)
		if err != nil {
			t.Fatalf("Open(%q): %v", url, err)
		}
		if err := s.Ping(t.Context()); err != nil {
			t.Errorf("Ping of %q: %v", url, err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close of %q: %v", url, err)
		}
	}
}

func TestOpenUnreachableRedisRecoversLater(t *testing.T) {
	// A port nothing listens on: Open succeeds, Ping says unavailable.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s, err := Open(t.Context(), "redis://u:"+secret+"@"+addr+"/0",
		store.Options{OpTimeout: 300 * 1e6}, nil)
	if err != nil {
		t.Fatalf("Open of an unreachable Redis: %v", err)
	}
	defer s.Close()
	err = s.Ping(t.Context())
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Ping = %v, want ErrUnavailable", err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("the error shows the password: %v", err)
	}
}

func TestOpenRedisWithPassword(t *testing.T) {
	srv := redistest.Start(t)
	if _, err := srv.Do("CONFIG", "SET", "requirepass", secret); err != nil {
		t.Fatalf("CONFIG SET requirepass: %v", err)
	}
	_, err := Open(t.Context(), "redis://:wrong"+secret+"@"+srv.Addr+"/0", store.Options{}, nil)
	if err == nil {
		t.Fatal("Open with a wrong password succeeded")
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("the error shows the password: %v", err)
	}
	s, err := Open(t.Context(), "redis://:"+secret+"@"+srv.Addr+"/0", store.Options{}, nil)
	if err != nil {
		t.Fatalf("Open with the password: %v", err)
	}
	defer s.Close()
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func TestOpenEveryRedisKind(t *testing.T) {
	one := redistest.Start(t)
	cluster := redistest.StartCluster(t, 3)
	sentinel := redistest.StartSentinel(t, redistest.Start(t))
	for n, url := range []string{
		one.URL,
		// One seed address is enough: the scheme turns cluster mode on.
		"redis-cluster://" + cluster.Nodes[0].Addr,
		cluster.URL,
		sentinel.URL,
	} {
		t.Run(url, func(t *testing.T) {
			s, err := Open(t.Context(), url, store.Options{}, nil)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			// Keys of many hash slots: MOVED answers would fail here.
			account := fmt.Sprint("acme", n)
			for i := range 20 {
				k := store.Key{ClientID: account + strings.Repeat("x", i), Account: account}
				if err := s.CreateKey(t.Context(), k); err != nil {
					t.Fatalf("CreateKey: %v", err)
				}
			}
			keys, _, err := s.ListKeys(t.Context(), store.KeyFilter{Account: account}, store.Page{})
			if err != nil || len(keys) != 20 {
				t.Fatalf("ListKeys = %d keys, %v; want 20", len(keys), err)
			}
		})
	}
}
