package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/positiveaction/tokens/internal/testenv"
)

// binary is the tokenctl built once by TestMain; the tests run it as
// operators do.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tokenctl-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "making a build directory:", err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "tokenctl")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building tokenctl:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is what one run of the binary did.
type result struct {
	code           int
	stdout, stderr string
}

// session runs tokenctl against one token service.
type session struct {
	t   *testing.T
	ts  *testenv.TokenService
	env []string
}

func newSession(t *testing.T) *session {
	t.Helper()
	ts := testenv.StartTokenService(t, testenv.Options{})
	return &session{t: t, ts: ts, env: []string{
		"TOKENCTL_ADMIN_URL=" + ts.AdminURL,
		"TOKENCTL_ADMIN_TOKEN=" + testenv.AdminToken,
	}}
}

// run runs the binary with the session's settings and nothing else from
// the test's environment.
func (s *session) run(args ...string) result {
	s.t.Helper()
	return runBinary(s.t, s.env, "", args...)
}

func runBinary(t *testing.T, env []string, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append([]string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running tokenctl %v: %v", args, err)
	}
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// ok runs tokenctl and fails the test unless it exits 0 with a quiet
// stderr.
func (s *session) ok(args ...string) string {
	s.t.Helper()
	r := s.run(args...)
	if r.code != 0 || r.stderr != "" {
		s.t.Fatalf("tokenctl %s: exit %d\nstdout:\n%s\nstderr:\n%s",
			strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// okJSON runs tokenctl with --json and decodes its one JSON document.
func (s *session) okJSON(v any, args ...string) {
	s.t.Helper()
	r := s.run(append(args, "--json")...)
	if r.code != 0 {
		s.t.Fatalf("tokenctl %s --json: exit %d, stderr %q", strings.Join(args, " "), r.code, r.stderr)
	}
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		s.t.Fatalf("tokenctl %s --json printed %q: %v", strings.Join(args, " "), r.stdout, err)
	}
	if dec.More() {
		s.t.Fatalf("tokenctl %s --json printed more than one document: %q",
			strings.Join(args, " "), r.stdout)
	}
}

// fails runs tokenctl and checks it exits code with stderr matching want;
// for failures (1) stderr must be exactly one line.
func (s *session) fails(code int, want string, args ...string) result {
	s.t.Helper()
	r := s.run(args...)
	checkFailure(s.t, r, code, want, args)
	return r
}

func checkFailure(t *testing.T, r result, code int, want string, args []string) {
	t.Helper()
	if r.code != code {
		t.Errorf("tokenctl %s: exit %d, want %d; stderr %q",
			strings.Join(args, " "), r.code, code, r.stderr)
	}
	if !regexp.MustCompile(want).MatchString(r.stderr) {
		t.Errorf("tokenctl %s: stderr %q does not match %q", strings.Join(args, " "), r.stderr, want)
	}
	if code == 1 && strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("tokenctl %s: stderr %q is not one line", strings.Join(args, " "), r.stderr)
	}
	if code == 2 && !strings.Contains(r.stderr, "usage: tokenctl") {
		t.Errorf("tokenctl %s: stderr %q has no usage line", strings.Join(args, " "), r.stderr)
	}
	if strings.Contains(r.stderr+r.stdout, testenv.AdminToken) {
		t.Errorf("tokenctl %s printed the admin token", strings.Join(args, " "))
	}
}

// field reads "Label  value" from the labelled lines tokenctl prints.
func field(t *testing.T, out, label string) string {
	t.Helper()
	line := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(label) + `\s{2,}(\S.*)$`)
	m := line.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %q line in:\n%s", label, out)
	}
	return strings.TrimSpace(m[1])
}
