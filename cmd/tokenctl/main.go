// Command tokenctl is the operators' tool for the token service's admin API:
// keys, tokens and their revocation, console links and the audit trail.
//
// It prints aligned tables for people and, with --json, the admin API's JSON
// (one document) for scripts. It exits 0 on success, 1 on a failure (with one
// line on stderr) and 2 on bad usage (with a usage line).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// defaultAdminURL is where tokensvc serves its admin API unless
// TOKENSVC_ADMIN_ADDR says otherwise.
const defaultAdminURL = "http://127.0.0.1:8082"

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// app is one run of tokenctl: its settings, after environment and flags, and
// where its output goes.
type app struct {
	ctx            context.Context
	stdin          io.Reader
	stdout, stderr io.Writer

	adminURL   string // TOKENCTL_ADMIN_URL or --admin-url
	adminToken string // TOKENCTL_ADMIN_TOKEN or --admin-token
	jsonOut    bool   // --json
}

// run is the whole program with its world passed in, so tests can drive it
// in-process as well as through the built binary. It returns the exit code.
func run(args []string, env func(string) string, stdout, stderr io.Writer) int {
	a := &app{
		ctx:        context.Background(),
		stdin:      os.Stdin,
		stdout:     stdout,
		stderr:     stderr,
		adminURL:   strings.TrimSpace(env("TOKENCTL_ADMIN_URL")),
		adminToken: strings.TrimSpace(env("TOKENCTL_ADMIN_TOKEN")),
	}
	if a.adminURL == "" {
		a.adminURL = defaultAdminURL
	}
	top := flag.NewFlagSet("tokenctl", flag.ContinueOnError)
	top.SetOutput(io.Discard)
	a.commonFlags(top)
	if err := top.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			a.printTopHelp()
			return 0
		}
		return a.exit(&usageError{msg: flagProblem(err)})
	}
	rest := top.Args()
	if len(rest) == 0 {
		return a.exit(&usageError{msg: "no command given"})
	}
	if rest[0] == "help" {
		return a.help(rest[1:])
	}
	if len(rest) == 2 && isGroup(rest[0]) && isHelpFlag(rest[1]) {
		return a.help(rest[:1])
	}
	cmd, n := findCommand(rest)
	if cmd == nil {
		return a.exit(unknownCommand(rest))
	}
	return a.exit(cmd.run(a, cmd, rest[n:]))
}

// exit reports err the way the exit code promises and returns the code.
func (a *app) exit(err error) int {
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, errHelpShown):
		return 0
	case errors.As(err, &ue):
		name, usage := "tokenctl", topUsage
		switch {
		case ue.cmd != nil:
			name, usage = "tokenctl "+ue.cmd.name, ue.cmd.usageLine()
		case ue.group != "":
			name, usage = "tokenctl "+ue.group, "usage: tokenctl "+ue.group+" COMMAND [ARGS]"
		}
		fmt.Fprintf(a.stderr, "%s: %s\n%s\n", name, ue.msg, usage)
		return 2
	default:
		fmt.Fprintf(a.stderr, "tokenctl: %s\n", oneLine(a.describe(err)))
		return 1
	}
}

// help answers "tokenctl help [COMMAND]".
func (a *app) help(words []string) int {
	if len(words) == 0 {
		a.printTopHelp()
		return 0
	}
	if cmd, n := findCommand(words); cmd != nil && n == len(words) {
		a.printCommandHelp(cmd, a.flagSet(cmd))
		return 0
	}
	if len(words) == 1 && isGroup(words[0]) {
		a.printGroupHelp(words[0])
		return 0
	}
	return a.exit(unknownCommand(words))
}

func isHelpFlag(s string) bool { return s == "-h" || s == "-help" || s == "--help" }

// oneLine keeps a failure to the one line the exit code promises.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
