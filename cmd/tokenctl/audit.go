package main

import (
	"fmt"
	"time"

	"github.com/positiveaction/tokens/tokensvc/client"
)

func auditCmd() *command {
	return &command{
		name: "audit",
		args: "[--account ACCOUNT] [--client-id CLIENT_ID] [--since TIME] [--until TIME] " +
			"[--limit N] [--cursor CURSOR] [--json]",
		summary: "read the audit trail",
		help: "Lists the changes made by operators and accounts, oldest first: key creation,\n" +
			"rotation and deletion, revocations, console links. --since and --until take\n" +
			"an RFC 3339 time (2026-03-01T09:00:00Z) or a duration back from now (24h).",
		run: runAudit,
	}
}

func runAudit(a *app, c *command, args []string) error {
	fs := a.flagSet(c)
	var q client.AuditQuery
	fs.StringVar(&q.Account, "account", "", "only entries of `ACCOUNT`")
	fs.StringVar(&q.ClientID, "client-id", "", "only entries of the key `CLIENT_ID`")
	since := fs.String("since", "", "only entries at or after `TIME`")
	until := fs.String("until", "", "only entries at or before `TIME`")
	fs.IntVar(&q.Limit, "limit", 0, "at most `N` entries, 1 to 1000 (default 100)")
	fs.StringVar(&q.Cursor, "cursor", "", "start at `CURSOR`, from the previous page")
	_, err := a.parseArgs(c, fs, args)
	if err != nil {
		return err
	}
	now := time.Now()
	if q.Since, err = parseWhen(*since, now); err != nil {
		return &usageError{cmd: c, msg: "--since: " + err.Error()}
	}
	if q.Until, err = parseWhen(*until, now); err != nil {
		return &usageError{cmd: c, msg: "--until: " + err.Error()}
	}
	cl, err := a.admin(c)
	if err != nil {
		return err
	}
	page, err := cl.Audit(a.ctx, a.adminToken, q)
	if err != nil {
		return err
	}
	if a.jsonOut {
		return a.printJSON(page)
	}
	if len(page.Entries) == 0 {
		fmt.Fprintln(a.stdout, "No audit entries.")
		return nil
	}
	t := newTable(a.stdout, "AT", "ACTOR", "ACTION", "ACCOUNT", "CLIENT ID", "REMOTE", "DETAIL")
	for _, e := range page.Entries {
		t.row(stamp(e.At), e.Actor, e.Action, e.Account, e.ClientID, e.Remote, e.Detail)
	}
	if err := t.flush(); err != nil {
		return err
	}
	a.moreHint("entries", page.NextCursor)
	return nil
}

// parseWhen reads an RFC 3339 time or a duration before now; "" is no
// bound.
func parseWhen(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time nor a duration such as 24h", s)
}
