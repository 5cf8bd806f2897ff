package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/positiveaction/tokens/tokensvc/client"
)

// command is one tokenctl command, such as "keys create".
type command struct {
	name    string // words that select it
	args    string // synopsis after the name
	summary string // one line in the command list
	help    string // what --help says besides the flags
	// run defines the command's flags (a.flagSet), parses args and does
	// the work.
	run func(a *app, c *command, args []string) error
}

func (c *command) usageLine() string {
	return "usage: tokenctl " + c.name + " " + c.args
}

// commands lists every command, in the order help shows them.
func commands() []*command {
	return []*command{
		keysCreateCmd(), keysListCmd(), keysShowCmd(), keysRotateCmd(), keysDeleteCmd(),
		tokensListCmd(), tokensRevokeCmd(), consoleLinkCmd(), auditCmd(),
	}
}

const topUsage = "usage: tokenctl [--admin-url URL] [--admin-token TOKEN] [--json] COMMAND [ARGS]"

// findCommand picks the command named by the first one or two words and
// returns how many words its name took.
func findCommand(words []string) (*command, int) {
	for _, c := range commands() {
		name := strings.Fields(c.name)
		if len(words) >= len(name) && strings.Join(words[:len(name)], " ") == c.name {
			return c, len(name)
		}
	}
	return nil, 0
}

func isGroup(word string) bool { return word == "keys" || word == "tokens" }

// unknownCommand describes words that name no command; "keys --help" and
// the like print the group's help instead.
func unknownCommand(words []string) error {
	if g := words[0]; isGroup(g) {
		if len(words) == 1 {
			return &usageError{group: g, msg: "missing command: want " + groupNames(g)}
		}
		return &usageError{group: g, msg: fmt.Sprintf("unknown command %q (want %s)",
			g+" "+words[1], groupNames(g))}
	}
	return &usageError{msg: fmt.Sprintf("unknown command %q; run 'tokenctl --help'", words[0])}
}

func groupNames(group string) string {
	var names []string
	for _, c := range commands() {
		if g, sub, ok := strings.Cut(c.name, " "); ok && g == group {
			names = append(names, sub)
		}
	}
	return strings.Join(names, ", ")
}

// usageError is bad usage: exit 2 with the command's usage line.
type usageError struct {
	cmd   *command // nil for tokenctl itself or a group
	msg   string
	group string // "keys" or "tokens" when the group was named but no command
}

func (e *usageError) Error() string { return e.msg }

// errHelpShown means --help was answered; the exit code is 0.
var errHelpShown = errors.New("help shown")

// commonFlags are accepted before the command and by every command.
func (a *app) commonFlags(fs *flag.FlagSet) {
	fs.StringVar(&a.adminURL, "admin-url", a.adminURL,
		"admin API `URL` (TOKENCTL_ADMIN_URL, default "+defaultAdminURL+")")
	fs.StringVar(&a.adminToken, "admin-token", a.adminToken,
		"admin `TOKEN` (prefer TOKENCTL_ADMIN_TOKEN: it stays out of the process list)")
	fs.BoolVar(&a.jsonOut, "json", a.jsonOut, "print the admin API's JSON instead of a table")
}

// flagSet is a command's flag set with the common flags on it.
func (a *app) flagSet(c *command) *flag.FlagSet {
	fs := flag.NewFlagSet("tokenctl "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	a.commonFlags(fs)
	return fs
}

// parse reads flags anywhere among args (flag alone stops at the first
// positional argument) and returns the positional arguments; everything
// after "--" is positional.
func (a *app) parse(c *command, fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				a.printCommandHelp(c, fs)
				return nil, errHelpShown
			}
			return nil, &usageError{cmd: c, msg: flagProblem(err)}
		}
		rest := fs.Args()
		used := len(args) - len(rest)
		if len(rest) == 0 || (used > 0 && args[used-1] == "--") {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// flagProblem words a flag error with the double dash this tool documents.
func flagProblem(err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return "unknown flag --" + name
	}
	msg = strings.Replace(msg, "argument: -", "argument: --", 1)
	return strings.Replace(msg, "for flag -", "for flag --", 1)
}

// wantArgs checks the number of positional arguments.
func wantArgs(c *command, got []string, names ...string) error {
	switch {
	case len(got) < len(names):
		return &usageError{cmd: c, msg: "missing " + names[len(got)]}
	case len(got) > len(names):
		return &usageError{cmd: c, msg: fmt.Sprintf("unexpected argument %q", got[len(names)])}
	}
	return nil
}

// parseArgs parses a command's flags and exactly the named positional
// arguments.
func (a *app) parseArgs(c *command, fs *flag.FlagSet, args []string, names ...string) ([]string, error) {
	rest, err := a.parse(c, fs, args)
	if err != nil {
		return nil, err
	}
	if err := wantArgs(c, rest, names...); err != nil {
		return nil, err
	}
	return rest, nil
}

// begin is parseArgs and then the admin API client, for the commands
// that check nothing else before they call the service.
func (a *app) begin(c *command, fs *flag.FlagSet, args []string, names ...string,
) ([]string, *client.Client, error) {
	rest, err := a.parseArgs(c, fs, args, names...)
	if err != nil {
		return nil, nil, err
	}
	cl, err := a.admin(c)
	if err != nil {
		return nil, nil, err
	}
	return rest, cl, nil
}

// required checks that each named string flag was given a value.
func required(c *command, fs *flag.FlagSet, names ...string) error {
	for _, n := range names {
		if fs.Lookup(n).Value.String() == "" {
			return &usageError{cmd: c, msg: "--" + n + " is required"}
		}
	}
	return nil
}

// isSet reports whether the flag was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// admin returns a client of the admin API after checking the settings.
func (a *app) admin(c *command) (*client.Client, error) {
	u, err := url.Parse(a.adminURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &usageError{cmd: c,
			msg: fmt.Sprintf("--admin-url %q is not an http(s) URL", a.adminURL)}
	}
	if a.adminToken == "" {
		return nil, &usageError{cmd: c,
			msg: "no admin token: set TOKENCTL_ADMIN_TOKEN or pass --admin-token"}
	}
	return client.New(a.adminURL, &http.Client{Timeout: 15 * time.Second}), nil
}

func (a *app) printTopHelp() {
	w := a.stdout
	fmt.Fprintf(w, "tokenctl manages the token service through its admin API.\n\n%s\n\n", topUsage)
	fmt.Fprintln(w, "Commands:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range commands() {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nSettings (flags win over the environment):\n"+
		"  TOKENCTL_ADMIN_URL    admin API URL, default %s (--admin-url)\n"+
		"  TOKENCTL_ADMIN_TOKEN  the token service's admin token (--admin-token)\n\n"+
		"Exit status: 0 success, 1 failure (one line on stderr), 2 bad usage.\n"+
		"Run 'tokenctl COMMAND --help' for a command's flags.\n", defaultAdminURL)
}

func (a *app) printGroupHelp(group string) {
	fmt.Fprintf(a.stdout, "usage: tokenctl %s COMMAND [ARGS]\n\nCommands:\n", group)
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	for _, c := range commands() {
		if strings.HasPrefix(c.name, group+" ") {
			fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
		}
	}
	tw.Flush()
}

func (a *app) printCommandHelp(c *command, fs *flag.FlagSet) {
	fmt.Fprintf(a.stdout, "%s\n\n%s\n\nFlags:\n", c.usageLine(), c.help)
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fs.VisitAll(func(f *flag.Flag) {
		kind, usage := flag.UnquoteUsage(f)
		if kind != "" {
			kind = " " + strings.ToUpper(kind)
		}
		switch f.DefValue {
		case "", "false", "0", "0s":
		default:
			if f.Name != "admin-url" && f.Name != "admin-token" {
				usage += " (default " + f.DefValue + ")"
			}
		}
		fmt.Fprintf(tw, "  --%s%s\t%s\n", f.Name, kind, usage)
	})
	tw.Flush()
}
