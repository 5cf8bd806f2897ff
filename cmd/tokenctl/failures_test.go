package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/positiveaction/tokens/internal/testenv"
)

func TestFailuresSayWhatWentWrong(t *testing.T) {
	s := newSession(t)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	const missing = "760e8193-25ad-47b5-96fd-795371234567"
	tests := []struct {
		name string
		env  []string // replaces the session's settings when set
		args []string
		code int
		want string // regexp on stderr
	}{
		{"service down", []string{"TOKENCTL_ADMIN_URL=" + down.URL,
			"TOKENCTL_ADMIN_TOKEN=" + testenv.AdminToken},
			[]string{"keys", "list"}, 1,
			`^tokenctl: cannot reach .* at ` + down.URL + ` .*is the token service running\?`},
		{"wrong admin token", []string{"TOKENCTL_ADMIN_URL=" + s.ts.AdminURL,
			"TOKENCTL_ADMIN_TOKEN=not-the-admin-token-not-the-admin-token"},
			[]string{"keys", "list"}, 1, `refused the admin token`},
		{"no admin token", []string{"TOKENCTL_ADMIN_URL=" + s.ts.AdminURL},
			[]string{"keys", "list"}, 2, `no admin token: set TOKENCTL_ADMIN_TOKEN`},
		{"admin url is not a url", []string{"TOKENCTL_ADMIN_URL=localhost:8082",
			"TOKENCTL_ADMIN_TOKEN=" + testenv.AdminToken},
			[]string{"keys", "list"}, 2, `--admin-url "localhost:8082" is not an http\(s\) URL`},
		{"admin url is the public listener", []string{"TOKENCTL_ADMIN_URL=" + s.ts.URL,
			"TOKENCTL_ADMIN_TOKEN=" + testenv.AdminToken},
			[]string{"keys", "list"}, 1, `has no such endpoint: is it the admin listener`},
		{"unknown key to show", nil, []string{"keys", "show", missing}, 1,
			`^tokenctl: no key with Client ID ` + missing + "\n$"},
		{"unknown key to rotate", nil, []string{"keys", "rotate", missing}, 1,
			`no key with Client ID ` + missing},
		{"unknown key to delete", nil, []string{"keys", "delete", missing}, 1,
			`no key with Client ID ` + missing},
		{"unknown key's tokens", nil, []string{"tokens", "list", "--client-id", missing}, 1,
			`no key with Client ID ` + missing},
		{"unknown key to revoke", nil, []string{"tokens", "revoke", "--client-id", missing}, 1,
			`no key with Client ID ` + missing},
		{"server refuses the account", nil,
			[]string{"keys", "create", "--name", "x", "--account", "Bad Account"}, 1,
			`^tokenctl: account must be 1 to 64 of a-z 0-9 _ -\n$`},
		{"server refuses the name", nil,
			[]string{"keys", "create", "--name", " ", "--account", "acme"}, 1, `^tokenctl: name must`},
		{"server refuses the limit", nil, []string{"keys", "list", "--limit", "5000"}, 1,
			`limit must be a whole number from 1 to 1000`},
		{"unknown flag", nil, []string{"keys", "list", "--bogus"}, 2,
			`tokenctl keys list: unknown flag --bogus\nusage: tokenctl keys list `},
		{"flag without its value", nil, []string{"keys", "list", "--account"}, 2,
			`flag needs an argument`},
		{"bad flag value", nil, []string{"keys", "list", "--limit", "many"}, 2, `invalid value "many"`},
		{"unknown command", nil, []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"unknown keys command", nil, []string{"keys", "frobnicate"}, 2,
			`unknown command "keys frobnicate" \(want create, list, show, rotate, delete\)`},
		{"group without command", nil, []string{"tokens"}, 2, `missing command: want list, revoke`},
		{"no command", nil, nil, 2, `no command given`},
		{"missing name", nil, []string{"keys", "create", "--account", "acme"}, 2, `--name is required`},
		{"missing client id argument", nil, []string{"keys", "show"}, 2, `missing CLIENT_ID`},
		{"extra argument", nil, []string{"keys", "show", "a", "b"}, 2, `unexpected argument "b"`},
		{"revoke without target", nil, []string{"tokens", "revoke"}, 2,
			`give exactly one of --token, --client-id and --account`},
		{"revoke with two targets", nil,
			[]string{"tokens", "revoke", "--account", "a", "--client-id", "b"}, 2, `give exactly one of`},
		{"tokens list without key", nil, []string{"tokens", "list"}, 2, `--client-id is required`},
		{"console link without account", nil, []string{"console-link"}, 2, `--account is required`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := s.env
			if tt.env != nil {
				env = tt.env
			}
			r := runBinary(t, env, "", tt.args...)
			checkFailure(t, r, tt.code, tt.want, tt.args)
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing on failure", r.stdout)
			}
		})
	}
}

func TestFlagsWinOverEnvironment(t *testing.T) {
	s := newSession(t)
	wrong := []string{"TOKENCTL_ADMIN_URL=http://127.0.0.1:1",
		"TOKENCTL_ADMIN_TOKEN=not-the-admin-token-not-the-admin-token"}
	tests := []struct {
		name string
		args []string
	}{
		{"flags after the command", []string{"keys", "list", "--admin-url", s.ts.AdminURL,
			"--admin-token", testenv.AdminToken}},
		{"flags before the command", []string{"--admin-url=" + s.ts.AdminURL,
			"--admin-token=" + testenv.AdminToken, "keys", "list"}},
		{"json before the command", []string{"--json", "--admin-url", s.ts.AdminURL,
			"--admin-token", testenv.AdminToken, "keys", "list"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runBinary(t, wrong, "", tt.args...)
			if r.code != 0 {
				t.Errorf("exit %d, stderr %q; want the flags' settings to work", r.code, r.stderr)
			}
		})
	}
	r := runBinary(t, nil, "", "keys", "list", "--admin-token", testenv.AdminToken)
	if r.code != 1 || !strings.Contains(r.stderr, defaultAdminURL) {
		t.Errorf("without a URL: exit %d, stderr %q; want the default %s tried", r.code, r.stderr,
			defaultAdminURL)
	}
}

func TestHelp(t *testing.T) {
	s := newSession(t)
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			args := append(strings.Fields(c.name), "--help")
			r := s.run(args...)
			if r.code != 0 || !strings.HasPrefix(r.stdout, c.usageLine()+"\n") ||
				!strings.Contains(r.stdout, "--admin-url URL") || r.stderr != "" {
				t.Errorf("%s --help: exit %d\nstdout:\n%s\nstderr: %q", c.name, r.code, r.stdout, r.stderr)
			}
			if strings.Contains(r.stdout, testenv.AdminToken) || strings.Contains(r.stdout, s.ts.AdminURL) {
				t.Errorf("%s --help shows the configured settings", c.name)
			}
		})
	}
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"help", "keys"},
		{"keys", "--help"}, {"help", "tokens", "revoke"}} {
		r := s.run(args...)
		if r.code != 0 || !strings.Contains(r.stdout, "usage: tokenctl") {
			t.Errorf("tokenctl %v: exit %d, stdout %q", args, r.code, r.stdout)
		}
	}
}

// TestRunInProcess drives run directly, the way main does, without the
// binary.
func TestRunInProcess(t *testing.T) {
	s := newSession(t)
	vars := map[string]string{"TOKENCTL_ADMIN_URL": s.ts.AdminURL,
		"TOKENCTL_ADMIN_TOKEN": testenv.AdminToken}
	env := func(k string) string { return vars[k] }
	var out, errb bytes.Buffer
	code := run([]string{"keys", "create", "--name", "In process", "--account", "acme"},
		env, &out, &errb)
	if code != 0 || !strings.Contains(out.String(), "Secret ID") || errb.Len() != 0 {
		t.Fatalf("run: exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
	out.Reset()
	if code := run([]string{"keys", "nope"}, env, &out, &errb); code != 2 {
		t.Errorf("run(keys nope) = %d, want 2", code)
	}
}
