package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// composeFile is what the tests read of docker-compose.yml.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	Command     []string          `yaml:"command"`
	Entrypoint  []string          `yaml:"entrypoint"`
	Environment map[string]string `yaml:"environment"`
	Ports       []string          `yaml:"ports"`
	Volumes     []string          `yaml:"volumes"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
}

func readCompose(t *testing.T) composeFile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "docker-compose.yml"))
	if err != nil {
		t.Fatalf("reading docker-compose.yml: %v", err)
	}
	var c composeFile
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	for _, name := range []string{"redis", "tokensvc", "gqlgateway"} {
		if _, ok := c.Services[name]; !ok {
			t.Fatalf("docker-compose.yml has no service %q", name)
		}
	}
	return c
}

// composeVar is one ${…} of a compose file: ${NAME}, ${NAME:-default} or
// ${NAME:?message}.
var composeVar = regexp.MustCompile(`\$\{([A-Z0-9_]+)(?:(:-|:\?)([^}]*))?\}`)

// interpolate fills the ${…} of s from vars as Compose does: an empty or
// unset NAME takes the default after :-, and fails with the message after
// :?.
func interpolate(s string, vars map[string]string) (string, error) {
	var missing error
	out := composeVar.ReplaceAllStringFunc(s, func(m string) string {
		p := composeVar.FindStringSubmatch(m)
		if v := vars[p[1]]; v != "" {
			return v
		}
		switch p[2] {
		case ":-":
			return p[3]
		case ":?":
			missing = fmt.Errorf("%s: %s", p[1], p[3])
		}
		return ""
	})
	return out, missing
}

// TestScaleComposeFileRules checks, by reading, what cannot be run here:
// persistence, eviction, health checks without a shell, no committed
// secrets, the admin API kept inside its container, start order.
func TestScaleComposeFileRules(t *testing.T) {
	t.Parallel()
	c := readCompose(t)
	d := readDockerfile(t)
	redis, ts, gw := c.Services["redis"], c.Services["tokensvc"], c.Services["gqlgateway"]
	secrets := []string{"TOKENSVC_ADMIN_TOKEN", "TOKENCTL_ADMIN_TOKEN", "GQLGATEWAY_CLIENT_ID",
		"GQLGATEWAY_CLIENT_SECRET"}
	checks := []struct {
		name string
		ok   bool
	}{
		{"redis appends every write to a file", pairIn(redis.Command, "--appendonly", "yes")},
		{"redis never evicts a record", pairIn(redis.Command, "--maxmemory-policy", "noeviction")},
		{"redis keeps its data in a named volume",
			len(redis.Volumes) == 1 && strings.HasSuffix(redis.Volumes[0], ":/data") &&
				hasKey(c.Volumes, strings.Split(redis.Volumes[0], ":")[0])},
		{"redis is on Redis 7", strings.HasPrefix(redis.Image, "redis:7")},
		{"the token service image is built from the Dockerfile", ts.Build == "."},
		{"the gateway runs the same image", gw.Image == ts.Image && ts.Image != ""},
		{"the token service waits for a healthy redis",
			ts.DependsOn["redis"].Condition == "service_healthy"},
		{"the gateway waits for a healthy token service",
			gw.DependsOn["tokensvc"].Condition == "service_healthy"},
		{"the admin API is not published outside its container",
			ts.Environment["TOKENSVC_ADMIN_ADDR"] == "127.0.0.1:8082" &&
				!slices.ContainsFunc(append(ts.Ports, gw.Ports...), func(p string) bool {
					return strings.Contains(p, "8082")
				})},
		{"the admin token is required, with no default",
			strings.Contains(ts.Environment["TOKENSVC_ADMIN_TOKEN"], "${TOKENSVC_ADMIN_TOKEN:?")},
		{"no secret is written in the file", !slices.ContainsFunc(secrets, func(name string) bool {
			for _, svc := range []composeService{ts, gw} {
				if v, ok := svc.Environment[name]; ok && !composeVar.MatchString(v) {
					return true
				}
			}
			return false
		})},
	}
	for _, svc := range []composeService{ts, gw} {
		bin := d.binDir + "/healthcheck"
		checks = append(checks, struct {
			name string
			ok   bool
		}{fmt.Sprintf("%s checks health with the image's own probe, no shell",
			svc.Entrypoint[0]),
			len(svc.Healthcheck.Test) == 3 && svc.Healthcheck.Test[0] == "CMD" &&
				filepath.Clean(svc.Healthcheck.Test[1]) == filepath.Clean(bin) &&
				strings.HasSuffix(svc.Healthcheck.Test[2], "/readyz")})
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("docker-compose.yml: not so: %s", c.name)
		}
	}
	if _, err := interpolate(ts.Environment["TOKENSVC_ADMIN_TOKEN"], nil); err == nil {
		t.Error("docker-compose.yml starts the token service without an admin token")
	}
}

// pairIn reports whether args holds name followed by value.
func pairIn(args []string, name, value string) bool {
	i := slices.Index(args, name)
	return i >= 0 && i+1 < len(args) && args[i+1] == value
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}
