package main

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/positiveaction/tokens/tokensvc/client"
)

func tokensListCmd() *command {
	return &command{
		name:    "tokens list",
		args:    "--client-id CLIENT_ID [--limit N] [--cursor CURSOR] [--json]",
		summary: "list a key's live tokens",
		help: "Lists the live tokens of one key, oldest first: token ID (the JWT's jti),\n" +
			"issued, expires and scopes. Token strings are never stored, so never shown.",
		run: runTokensList,
	}
}

func runTokensList(a *app, c *command, args []string) error {
	fs := a.flagSet(c)
	clientID := fs.String("client-id", "", "the key's `CLIENT_ID` (required)")
	limit := fs.Int("limit", 0, "at most `N` tokens, 1 to 1000 (default 100)")
	cursor := fs.String("cursor", "", "start at `CURSOR`, from the previous page")
	_, err := a.parseArgs(c, fs, args)
	if err != nil {
		return err
	}
	if err := required(c, fs, "client-id"); err != nil {
		return err
	}
	cl, err := a.admin(c)
	if err != nil {
		return err
	}
	page, err := cl.ListTokens(a.ctx, a.adminToken, *clientID, *limit, *cursor)
	if err != nil {
		return keyNotFound(err, *clientID)
	}
	if a.jsonOut {
		return a.printJSON(page)
	}
	if len(page.Tokens) == 0 {
		fmt.Fprintf(a.stdout, "Key %s has no live tokens.\n", *clientID)
		return nil
	}
	t := newTable(a.stdout, "TOKEN ID", "ISSUED", "EXPIRES", "SCOPES")
	for _, tok := range page.Tokens {
		t.row(tok.ID, stamp(tok.IssuedAt), stamp(tok.ExpiresAt), scopes(tok.Scopes))
	}
	if err := t.flush(); err != nil {
		return err
	}
	a.moreHint("tokens", page.NextCursor)
	return nil
}

func tokensRevokeCmd() *command {
	return &command{
		name:    "tokens revoke",
		args:    "(--token TOKEN | --client-id CLIENT_ID | --account ACCOUNT) [--json]",
		summary: "revoke one token, every token of a key, or of an account",
		help: "Revokes tokens before their expiry: one token (--token; \"-\" reads it from\n" +
			"standard input, which keeps it out of the process list and shell history),\n" +
			"every token of a key (--client-id) or of every key of an account (--account).\n" +
			"Give exactly one. Gateways stop accepting revoked tokens within a second.",
		run: runTokensRevoke,
	}
}

func runTokensRevoke(a *app, c *command, args []string) error {
	fs := a.flagSet(c)
	var t client.RevokeTarget
	fs.StringVar(&t.Token, "token", "", "revoke the access `TOKEN` (\"-\": read it from stdin)")
	fs.StringVar(&t.ClientID, "client-id", "", "revoke every token of the key `CLIENT_ID`")
	fs.StringVar(&t.Account, "account", "", "revoke every token of every key of `ACCOUNT`")
	_, err := a.parseArgs(c, fs, args)
	if err != nil {
		return err
	}
	given := 0
	for _, v := range []string{t.Token, t.ClientID, t.Account} {
		if v != "" {
			given++
		}
	}
	if given != 1 {
		return &usageError{cmd: c, msg: "give exactly one of --token, --client-id and --account"}
	}
	if t.Token == "-" {
		if t.Token, err = readToken(a); err != nil {
			return err
		}
	}
	cl, err := a.admin(c)
	if err != nil {
		return err
	}
	n, err := cl.Revoke(a.ctx, a.adminToken, t)
	if err != nil {
		return keyNotFound(err, t.ClientID)
	}
	if a.jsonOut {
		return a.printJSON(map[string]int{"revoked": n})
	}
	switch {
	case t.Token != "" && n == 0:
		fmt.Fprintln(a.stdout, "Revoked 0 tokens: the token was not active "+
			"(unknown, expired or already revoked).")
	case t.Token != "":
		fmt.Fprintln(a.stdout, "Revoked 1 token.")
	case t.ClientID != "":
		fmt.Fprintf(a.stdout, "Revoked every token of key %s.\n", t.ClientID)
	default:
		fmt.Fprintf(a.stdout, "Revoked every token of account %s (%d %s).\n",
			t.Account, n, plural(n, "key", "keys"))
	}
	return nil
}

// readToken reads one token from standard input for --token -.
func readToken(a *app) (string, error) {
	line, err := bufio.NewReader(a.stdin).ReadString('\n')
	token := strings.TrimSpace(line)
	if token == "" {
		if err != nil {
			return "", fmt.Errorf("reading the token from standard input: %w", err)
		}
		return "", fmt.Errorf("reading the token from standard input: the line is empty")
	}
	return token, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func consoleLinkCmd() *command {
	return &command{
		name:    "console-link",
		args:    "--account ACCOUNT [--json]",
		summary: "mint a web-console sign-in link for an account",
		help: "Mints a short-lived link that signs into the web console as the account.\n" +
			"Anyone holding the link manages the account's keys until it expires: hand it\n" +
			"to the account's owner only.",
		run: runConsoleLink,
	}
}

func runConsoleLink(a *app, c *command, args []string) error {
	fs := a.flagSet(c)
	account := fs.String("account", "", "the `ACCOUNT` to sign in as (required)")
	_, err := a.parseArgs(c, fs, args)
	if err != nil {
		return err
	}
	if err := required(c, fs, "account"); err != nil {
		return err
	}
	cl, err := a.admin(c)
	if err != nil {
		return err
	}
	link, err := cl.ConsoleLink(a.ctx, a.adminToken, *account)
	if err != nil {
		return err
	}
	if a.jsonOut {
		return a.printJSON(link)
	}
	fmt.Fprintf(a.stdout, "Console link for account %s, valid until %s:\n\n%s\n\n"+
		"It signs in as the account: hand it to the account's owner only.\n",
		*account, stamp(link.ExpiresAt), link.URL)
	return nil
}
