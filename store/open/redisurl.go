package open

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/positiveaction/tokens/store/redis"
)

const defaultRedisPort = "6379"

// parseRedis reads the four Redis URL forms into a client configuration.
// Its errors never quote the URL, which may hold a password.
func parseRedis(rawURL string) (redis.Config, error) {
	u, hostList, err := splitHosts(rawURL)
	if err != nil {
		return redis.Config{}, err
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case u.RawQuery != "" || u.ForceQuery:
		return redis.Config{}, errors.New("query parameters are not supported")
	case u.Fragment != "":
		return redis.Config{}, errors.New("a #fragment is not supported")
	}
	cfg := redis.Config{}
	if cfg.Addrs, err = hosts(hostList); err != nil {
		return redis.Config{}, err
	}
	if cfg.DB, err = database(u.Path); err != nil {
		return redis.Config{}, err
	}
	if u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
	}
	switch scheme {
	case "redis", "rediss":
		if len(cfg.Addrs) > 1 {
			return redis.Config{}, fmt.Errorf("%s:// takes one host; use redis-cluster:// "+
				"or redis-sentinel:// for several", scheme)
		}
		if scheme == "rediss" {
			host, _, _ := net.SplitHostPort(cfg.Addrs[0])
			cfg.TLS = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: host}
		}
	case "redis-cluster":
		if cfg.DB != 0 {
			return redis.Config{}, fmt.Errorf("Redis Cluster has only database 0, not %d", cfg.DB)
		}
		cfg.Cluster = true
	case "redis-sentinel":
		if cfg.Username == "" {
			return redis.Config{}, errors.New("redis-sentinel:// needs the master name " +
				"before the @, as in redis-sentinel://mymaster@host:26379")
		}
		cfg.MasterName, cfg.Username = cfg.Username, ""
	}
	return cfg, nil
}

// splitHosts parses rawURL with its host list taken out, since net/url
// accepts one host only; it returns the URL and the list.
func splitHosts(rawURL string) (*url.URL, string, error) {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		scheme, _, _ = strings.Cut(rawURL, ":")
		return nil, "", fmt.Errorf("want %s://host:port", strings.ToLower(scheme))
	}
	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	userinfo, hostList := "", authority
	if at := strings.LastIndex(authority, "@"); at >= 0 {
		userinfo, hostList = authority[:at+1], authority[at+1:]
	}
	u, err := url.Parse(scheme + "://" + userinfo + "host" + tail)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the url.Error would quote the whole URL
		}
		return nil, "", fmt.Errorf("not a valid URL: %v", err)
	}
	return u, hostList, nil
}

// hosts splits a comma-separated host list, adding the default port where
// none is given.
func hosts(list string) ([]string, error) {
	if list == "" {
		return nil, errors.New("no host")
	}
	var addrs []string
	for _, h := range strings.Split(list, ",") {
		host, port, err := net.SplitHostPort(h)
		if err != nil {
			host, port, err = net.SplitHostPort(h + ":" + defaultRedisPort)
		}
		if err != nil || host == "" {
			return nil, fmt.Errorf("host %q is not host:port", h)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("host %q has no valid port", h)
		}
		addrs = append(addrs, net.JoinHostPort(host, port))
	}
	return addrs, nil
}

// database reads the /N path of a Redis URL.
func database(path string) (int, error) {
	path = strings.TrimPrefix(path, "/")
	if path == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(path)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("database %q is not a number", path)
	}
	return n, nil
}
