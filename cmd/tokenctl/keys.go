package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/positiveaction/tokens/tokensvc/client"
)

func keysCreateCmd() *command {
	return &command{
		name:    "keys create",
		args:    "--name NAME --account ACCOUNT [--scopes SCOPES] [--json]",
		summary: "create a key; prints its Secret ID once",
		help: "Creates an API key in an account and prints its Name, Client ID and Secret ID.\n" +
			"The Secret ID is shown this once and never again: store it before closing\n" +
			"the terminal. Without --scopes the key gets the service's default scopes.",
		run: runKeysCreate,
	}
}

func runKeysCreate(a *app, c *command, args []string) error {
	fs := a.flagSet(c)
	name := fs.String("name", "", "the key's `NAME`, 1 to 100 printable characters (required)")
	account := fs.String("account", "", "the `ACCOUNT` that owns the key (required)")
	scopeList := fs.String("scopes", "", "the key's `SCOPES`, separated by spaces or commas, "+
		"\"\" for none; default: the service's default key scopes")
	_, err := a.parseArgs(c, fs, args)
	if err != nil {
		return err
	}
	if err := required(c, fs, "name", "account"); err != nil {
		return err
	}
	nk := client.NewKey{Name: *name, Account: *account}
	if isSet(fs, "scopes") {
		nk.Scopes = splitScopes(*scopeList)
	}
	cl, err := a.admin(c)
	if err != nil {
		return err
	}
	k, err := cl.CreateKey(a.ctx, a.adminToken, nk)
	if err != nil {
		return err
	}
	if a.jsonOut {
		err = a.printJSON(k)
	} else {
		fmt.Fprintf(a.stdout, "Created a key for account %s.\n\n", k.Account)
		err = a.printKey(*k)
	}
	a.warnSecret()
	return err
}

// splitScopes reads "a b", "a,b" or "a, b"; an empty list asks for none.
func splitScopes(s string) []string {
	out := strings.Fields(strings.ReplaceAll(s, ",", " "))
	if out == nil {
		out = []string{} // explicit: a key with no scopes
	}
	return out
}

func keysListCmd() *command {
	return &command{
		name:    "keys list",
		args:    "[--account ACCOUNT] [--limit N] [--cursor CURSOR] [--json]",
		summary: "list keys, of one account or of all",
		help: "Lists keys ordered by Client ID, one page at a time (never a Secret ID).\n" +
			"When there are more, the last line gives the --cursor of the next page.",
		run: runKeysList,
	}
}

func runKeysList(a *app, c *command, args []string) error {
	fs := a.flagSet(c)
	account := fs.String("account", "", "list only the keys of `ACCOUNT`")
	limit := fs.Int("limit", 0, "at most `N` keys, 1 to 1000 (default 100)")
	cursor := fs.String("cursor", "", "start at `CURSOR`, from the previous page")
	_, cl, err := a.begin(c, fs, args)
	if err != nil {
		return err
	}
	page, err := cl.ListKeys(a.ctx, a.adminToken, *account, *limit, *cursor)
	if err != nil {
		return err
	}
	if a.jsonOut {
		return a.printJSON(page)
	}
	if len(page.Keys) == 0 {
		fmt.Fprintln(a.stdout, "No keys.")
		return nil
	}
	t := newTable(a.stdout, "CLIENT ID", "NAME", "ACCOUNT", "SCOPES", "CREATED", "LAST USED")
	for _, k := range page.Keys {
		t.row(k.ClientID, k.Name, k.Account, scopes(k.Scopes), stamp(k.CreatedAt), lastUsed(k))
	}
	if err := t.flush(); err != nil {
		return err
	}
	a.moreHint("keys", page.NextCursor)
	return nil
}

func keysShowCmd() *command {
	return &command{
		name:    "keys show",
		args:    "CLIENT_ID [--json]",
		summary: "show one key",
		help:    "Shows one key: Name, Client ID, account, scopes, created and last used.",
		run:     runKeysShow,
	}
}

func runKeysShow(a *app, c *command, args []string) error {
	fs := a.flagSet(c)
	rest, cl, err := a.begin(c, fs, args, "CLIENT_ID")
	if err != nil {
		return err
	}
	k, err := cl.GetKey(a.ctx, a.adminToken, rest[0])
	if err != nil {
		return keyNotFound(err, rest[0])
	}
	if a.jsonOut {
		return a.printJSON(k)
	}
	return a.printKey(*k)
}

func keysRotateCmd() *command {
	return &command{
		name:    "keys rotate",
		args:    "CLIENT_ID [--grace DURATION] [--json]",
		summary: "give a key a new Secret ID; prints it once",
		help: "Gives the key a new Secret ID and prints it; it is shown this once and never\n" +
			"again. With --grace the previous Secret ID keeps working that long (for\n" +
			"example 10m or 24h), so callers can switch over; without it, it stops now.",
		run: runKeysRotate,
	}
}

func runKeysRotate(a *app, c *command, args []string) error {
	fs := a.flagSet(c)
	grace := fs.Duration("grace", 0, "keep the previous Secret ID valid for `DURATION`")
	rest, err := a.parseArgs(c, fs, args, "CLIENT_ID")
	if err != nil {
		return err
	}
	if *grace < 0 || *grace%time.Second != 0 {
		return &usageError{cmd: c, msg: "--grace must be a whole number of seconds, 0 or more"}
	}
	cl, err := a.admin(c)
	if err != nil {
		return err
	}
	k, err := cl.RotateKey(a.ctx, a.adminToken, rest[0], int(grace.Seconds()))
	if err != nil {
		return keyNotFound(err, rest[0])
	}
	if a.jsonOut {
		err = a.printJSON(k)
	} else {
		fmt.Fprintf(a.stdout, "Rotated the Secret ID of key %s.\n\n", k.ClientID)
		err = a.printKey(*k)
		if *grace > 0 {
			fmt.Fprintf(a.stdout, "\nThe previous Secret ID keeps working for %s.\n", *grace)
		} else {
			fmt.Fprintln(a.stdout, "\nThe previous Secret ID no longer works.")
		}
	}
	a.warnSecret()
	return err
}

func keysDeleteCmd() *command {
	return &command{
		name:    "keys delete",
		args:    "CLIENT_ID [--json]",
		summary: "delete a key and revoke its tokens",
		help:    "Deletes the key. Every token issued to it is revoked at once.",
		run:     runKeysDelete,
	}
}

func runKeysDelete(a *app, c *command, args []string) error {
	fs := a.flagSet(c)
	rest, cl, err := a.begin(c, fs, args, "CLIENT_ID")
	if err != nil {
		return err
	}
	if err := cl.DeleteKey(a.ctx, a.adminToken, rest[0]); err != nil {
		return keyNotFound(err, rest[0])
	}
	if a.jsonOut {
		// The API answers 204 without a body; scripts get a document anyway.
		return a.printJSON(map[string]any{"clientId": rest[0], "deleted": true})
	}
	fmt.Fprintf(a.stdout, "Deleted key %s; every token issued to it is revoked.\n", rest[0])
	return nil
}
