// Package config reads the settings of the token service and the gateway
// from the environment (and flags, in the commands), and validates them all
// at once: Load reports every problem in one error, not the first one only.
package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Getenv looks a setting up by name; os.Getenv fits, and tests pass a map's.
type Getenv func(name string) string

// MapEnv turns a map into a Getenv, for tests.
func MapEnv(m map[string]string) Getenv {
	return func(name string) string { return m[name] }
}

// problems collects every invalid setting so one error names them all.
type problems []string

func (p *problems) addf(format string, args ...any) {
	*p = append(*p, fmt.Sprintf(format, args...))
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return errors.New("invalid settings: " + strings.Join(p, "; "))
}

func str(env Getenv, name, def string) string {
	if v := strings.TrimSpace(env(name)); v != "" {
		return v
	}
	return def
}

func duration(env Getenv, p *problems, name string, def time.Duration) time.Duration {
	v := strings.TrimSpace(env(name))
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		p.addf("%s=%q is not a positive Go duration (like 1h or 30s)", name, v)
		return def
	}
	return d
}

func integer(env Getenv, p *problems, name string, def, min, max int) int {
	v := strings.TrimSpace(env(name))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		p.addf("%s=%q is not a whole number from %d to %d", name, v, min, max)
		return def
	}
	return n
}

func boolean(env Getenv, p *problems, name string, def bool) bool {
	v := strings.TrimSpace(env(name))
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.addf("%s=%q is not true or false", name, v)
		return def
	}
	return b
}
