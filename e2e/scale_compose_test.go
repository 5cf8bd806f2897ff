package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/positiveaction/tokens/internal/testenv"

	"github.com/positiveaction/tokens/internal/redistest"
)

// provisionArgs is the one-time provisioning step of docs/deployment.md:
// tokenctl, run inside the token service's container, creates the
// gateway's key.
const provisionArgs = "keys create --name Gateway --account platform " +
	"--scopes tokens:introspect --json"

// stack is docker-compose.yml brought to loopback: every container address
// mapped to a free 127.0.0.1 port, redis replaced by a redistest server.
type stack struct {
	t      *testing.T
	c      composeFile
	bins   string            // the Dockerfile's binaries
	binDir string            // where the image keeps them
	vars   map[string]string // the operator's .env
	addrs  map[string]string // container address -> loopback address
}

// env is a service's environment after interpolation from the .env and
// with container addresses mapped to loopback.
func (s *stack) env(service string) []string {
	s.t.Helper()
	var out []string
	for name, value := range s.c.Services[service].Environment {
		v, err := interpolate(value, s.vars)
		if err != nil {
			s.t.Fatalf("%s: %s: %v", service, name, err)
		}
		out = append(out, name+"="+s.local(service, v))
	}
	slices.Sort(out)
	return out
}

// local maps the container addresses in v to loopback: other services by
// name, and the service's own listeners (":8081", "127.0.0.1:8082").
func (s *stack) local(service, v string) string {
	for from, to := range s.addrs {
		name, port, _ := strings.Cut(from, ":")
		switch {
		case name != service:
			v = strings.ReplaceAll(v, from, to)
		case v == ":"+port:
			v = to
		default:
			v = strings.ReplaceAll(v, "127.0.0.1:"+port, to)
		}
	}
	return v
}

// binary is the test's copy of a program the compose file runs from the
// image.
func (s *stack) binary(imagePath string) string {
	s.t.Helper()
	if filepath.Dir(imagePath) != filepath.Clean(s.binDir) {
		s.t.Fatalf("%s is not among the image's binaries in %s", imagePath, s.binDir)
	}
	return filepath.Join(s.bins, filepath.Base(imagePath))
}

// TestScaleComposeStackOnLoopback runs docker-compose.yml without Docker:
// the Dockerfile's binaries with the compose file's entrypoints and
// environment, on loopback, with a redistest server (given the compose
// file's Redis options) in place of the redis service. It waits for each
// health check, provisions the gateway's key as the deployment guide says,
// logs in through the gateway and stops everything with SIGTERM.
func TestScaleComposeStackOnLoopback(t *testing.T) {
	t.Parallel()
	bins, d, _ := deployBinaries(t)
	c := readCompose(t)
	rs := redistest.Start(t)
	applyRedisCommand(t, rs, c.Services["redis"].Command)
	admin := make([]byte, 32)
	_, _ = rand.Read(admin)
	s := &stack{t: t, c: c, bins: bins, binDir: d.binDir, addrs: map[string]string{
		"redis:6379":      rs.Addr,
		"tokensvc:8081":   testenv.FreeAddr(t),
		"tokensvc:8082":   testenv.FreeAddr(t),
		"gqlgateway:8080": testenv.FreeAddr(t),
	}}
	s.vars = map[string]string{
		"TOKENSVC_ADMIN_TOKEN": base64.RawURLEncoding.EncodeToString(admin),
		"TOKENSVC_ISSUER":      "http://" + s.addrs["tokensvc:8081"],
	}
	checkGuideHasProvisioning(t)

	ts := s.start("tokensvc")
	s.waitHealthy("tokensvc")
	gwKey := s.tokenctl(t, strings.Fields(provisionArgs))
	s.vars["GQLGATEWAY_CLIENT_ID"], s.vars["GQLGATEWAY_CLIENT_SECRET"] = gwKey.ClientID,
		gwKey.SecretID
	gw := s.start("gqlgateway")
	s.waitHealthy("gqlgateway")

	customer := s.tokenctl(t, strings.Fields("keys create --name Demo --account acme "+
		"--scopes api --json"))
	g := &gateway{url: "http://" + s.addrs["gqlgateway:8080"]}
	login := fmt.Sprintf(`mutation{login(loginInput:{clientId:%q,secretId:%q}){accessToken}}`,
		customer.ClientID, customer.SecretID)
	a := g.post(t, "", login, nil)
	data, _ := a.body["data"].(map[string]any)
	payload, _ := data["login"].(map[string]any)
	tok, _ := payload["accessToken"].(string)
	if a.status != 200 || tok == "" {
		t.Fatalf("login through the gateway: %d %s", a.status, a.raw)
	}
	if v := g.post(t, tok, "{viewer{clientId account}}", nil); v.status != 200 ||
		!strings.Contains(v.raw, customer.ClientID) {
		t.Fatalf("viewer with the login token: %d %s", v.status, v.raw)
	}
	for _, p := range []*scaleProc{gw, ts} {
		if code := p.terminate(); code != 0 {
			t.Errorf("%s exited %d after SIGTERM, want 0; its log:\n%s", p.name, code, p.out)
		}
	}
}

// applyRedisCommand gives srv the options of the compose file's
// redis-server command with CONFIG SET, so Redis 7 itself vouches for
// each name and value.
func applyRedisCommand(t *testing.T, srv *redistest.Server, command []string) {
	t.Helper()
	if len(command) == 0 || command[0] != "redis-server" || len(command)%2 != 1 {
		t.Fatalf("the redis service's command %q is not redis-server --name value …", command)
	}
	for i := 1; i < len(command); i += 2 {
		name := strings.TrimPrefix(command[i], "--")
		if reply, err := srv.Do("CONFIG", "SET", name, command[i+1]); err != nil || reply != "OK" {
			t.Errorf("redis-server --%s %q: %q, %v", name, command[i+1], reply, err)
		}
	}
	if reply, _ := srv.Do("CONFIG", "GET", "appendonly"); reply != "appendonly\nyes" {
		t.Errorf("appendonly after the compose options: %q", reply)
	}
}

func checkGuideHasProvisioning(t *testing.T) {
	t.Helper()
	guide, err := os.ReadFile(filepath.Join(repoRoot(t), "docs", "deployment.md"))
	if err != nil {
		t.Fatalf("reading the deployment guide: %v", err)
	}
	if !strings.Contains(string(guide), "/usr/local/bin/tokenctl "+provisionArgs) {
		t.Errorf("docs/deployment.md does not give the provisioning step this test runs: "+
			"tokenctl %s", provisionArgs)
	}
}

// start runs a service's entrypoint with its environment.
func (s *stack) start(service string) *scaleProc {
	s.t.Helper()
	svc := s.c.Services[service]
	if len(svc.Entrypoint) == 0 {
		s.t.Fatalf("service %s has no entrypoint", service)
	}
	args := append(slices.Clone(svc.Entrypoint[1:]), svc.Command...)
	return startScaleProc(s.t, service, s.binary(svc.Entrypoint[0]), args, s.env(service))
}

// waitHealthy runs the service's health check until it passes (at most
// for 20 seconds).
func (s *stack) waitHealthy(service string) {
	s.t.Helper()
	test := s.c.Services[service].Healthcheck.Test
	args := make([]string, 0, len(test)-2)
	for _, a := range test[2:] {
		args = append(args, s.local(service, a))
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, err := exec.Command(s.binary(test[1]), args...).CombinedOutput()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s never became healthy: %v %s", service, err, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// createdKey is tokenctl's --json answer to keys create.
type createdKey struct {
	ClientID string `json:"clientId"`
	SecretID string `json:"secretId"`
}

// tokenctl runs tokenctl with the token service's environment, as
// docker compose exec tokensvc would.
func (s *stack) tokenctl(t *testing.T, args []string) createdKey {
	t.Helper()
	cmd := exec.Command(filepath.Join(s.bins, "tokenctl"), args...)
	cmd.Env = s.env("tokensvc")
	out, err := cmd.Output()
	var k createdKey
	if err != nil || json.Unmarshal(out, &k) != nil || k.ClientID == "" || k.SecretID == "" {
		var ee *exec.ExitError
		errors.As(err, &ee)
		t.Fatalf("tokenctl %s: %v\n%s\n%s", strings.Join(args, " "), err, out, stderrOf(ee))
	}
	return k
}

func stderrOf(ee *exec.ExitError) []byte {
	if ee == nil {
		return nil
	}
	return ee.Stderr
}
