// Package open turns a store URL (the TOKENSVC_STORE setting) into a
// store.Store:
//
//	file:PATH                                    embedded file (store/bolt)
//	memory:                                      in memory (store/memory)
//	redis://[user:pass@]host[:port][/db]         one Redis server
//	rediss://[user:pass@]host[:port][/db]        the same over TLS
//	redis-cluster://[user:pass@]host:port,...    Redis Cluster
//	redis-sentinel://master[:pass]@host:port,...[/db]
//	                                             Redis behind Sentinel; the
//	                                             password is the master's
//
// The port defaults to 6379 and the database to 0. Errors and logs show a
// URL only through Redact, never with its password.
package open

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/positiveaction/tokens/store"
	"github.com/positiveaction/tokens/store/bolt"
	"github.com/positiveaction/tokens/store/memory"
	"github.com/positiveaction/tokens/store/redis"
)

// Open opens the store rawURL names. logger receives the backend's
// background problems and may be nil.
func Open(ctx context.Context, rawURL string, opts store.Options, logger *slog.Logger,
) (store.Store, error) {
	t, err := parse(rawURL)
	if err != nil {
		return nil, err
	}
	switch t.kind {
	case kindMemory:
		return memory.New(opts, logger), nil
	case kindFile:
		return bolt.Open(t.path, opts, logger)
	}
	s, err := redis.Open(ctx, t.redis, opts, logger)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", Redact(rawURL), err)
	}
	return s, nil
}

// Check reports whether rawURL is a store URL Open understands, without
// opening anything, so settings can be validated up front.
func Check(rawURL string) error {
	_, err := parse(rawURL)
	return err
}

type kind int

const (
	kindMemory kind = iota
	kindFile
	kindRedis
)

// target is a parsed store URL.
type target struct {
	kind  kind
	path  string
	redis redis.Config
}

func parse(rawURL string) (target, error) {
	scheme, rest, ok := strings.Cut(rawURL, ":")
	if !ok {
		return target{}, fmt.Errorf("store URL %q has no scheme: want file:, memory:, "+
			"redis://, rediss://, redis-cluster:// or redis-sentinel://", Redact(rawURL))
	}
	switch strings.ToLower(scheme) {
	case "memory":
		if rest != "" && rest != "//" {
			return target{}, fmt.Errorf("store URL %q: memory: takes nothing after the colon",
				Redact(rawURL))
		}
		return target{kind: kindMemory}, nil
	case "file":
		path, err := filePath(rest)
		if err != nil {
			return target{}, fmt.Errorf("store URL %q: %w", Redact(rawURL), err)
		}
		return target{kind: kindFile, path: path}, nil
	case "redis", "rediss", "redis-cluster", "redis-sentinel":
		cfg, err := parseRedis(rawURL)
		if err != nil {
			return target{}, fmt.Errorf("store URL %q: %w", Redact(rawURL), err)
		}
		return target{kind: kindRedis, redis: cfg}, nil
	}
	return target{}, fmt.Errorf("store URL %q: unknown scheme %q: want file:, memory:, "+
		"redis://, rediss://, redis-cluster:// or redis-sentinel://", Redact(rawURL), scheme)
}

// filePath takes file:PATH (relative or absolute) and file:///ABSOLUTE.
func filePath(rest string) (string, error) {
	if after, ok := strings.CutPrefix(rest, "//"); ok {
		if !strings.HasPrefix(after, "/") {
			return "", fmt.Errorf("file:// must be followed by an absolute path " +
				"(file:///var/lib/tokens.db) or use file:PATH")
		}
		rest = after
	}
	if rest == "" {
		return "", fmt.Errorf("file: needs a path, as in file:tokensvc.db")
	}
	return rest, nil
}

// Redact returns rawURL fit for logs and errors: any password, and every
// query value, replaced by "xxxxx". It works on malformed URLs too.
func Redact(rawURL string) string {
	scheme, rest, ok := strings.Cut(rawURL, ":")
	if !ok || strings.EqualFold(scheme, "file") || strings.EqualFold(scheme, "memory") {
		return rawURL
	}
	head := scheme + ":"
	after, hierarchical := strings.CutPrefix(rest, "//")
	if !hierarchical {
		// Not scheme://…: hide all up to the last @, if there is one.
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			return head + "xxxxx" + rest[at:]
		}
		return rawURL
	}
	head, rest = head+"//", after
	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	if at := strings.LastIndex(authority, "@"); at >= 0 {
		user := authority[:at]
		if i := strings.Index(user, ":"); i >= 0 {
			user = user[:i] + ":xxxxx"
		}
		authority = user + authority[at:]
	}
	return head + authority + redactQuery(tail)
}

func redactQuery(tail string) string {
	path, query, ok := strings.Cut(tail, "?")
	if !ok {
		return tail
	}
	query, fragment, hasFragment := strings.Cut(query, "#")
	params := strings.Split(query, "&")
	for i, p := range params {
		if name, _, ok := strings.Cut(p, "="); ok {
			params[i] = name + "=xxxxx"
		}
	}
	out := path + "?" + strings.Join(params, "&")
	if hasFragment {
		out += "#" + fragment
	}
	return out
}
