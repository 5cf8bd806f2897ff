package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/positiveaction/tokens/tokensvc/client"
)

// printJSON writes v as one indented JSON document.
func (a *app) printJSON(v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding JSON: %w", err)
	}
	_, err = fmt.Fprintf(a.stdout, "%s\n", b)
	return err
}

// table writes aligned columns: a header row, then one row per entry.
type table struct {
	tw *tabwriter.Writer
}

func newTable(w io.Writer, header ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	t.row(header...)
	return t
}

func (t *table) row(cells ...string) {
	for i, c := range cells {
		if c == "" {
			cells[i] = "-"
		}
	}
	fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
}

func (t *table) flush() error { return t.tw.Flush() }

// stamp shows a time in UTC to the second, the way the API's RFC 3339
// times read.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func lastUsed(k client.Key) string {
	if k.LastUsedAt == nil {
		return "never"
	}
	return stamp(*k.LastUsedAt)
}

func scopes(s []string) string { return strings.Join(s, " ") }

// printKey writes one key as labelled lines; the Secret ID only when the
// answer carried one.
func (a *app) printKey(k client.Key) error {
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Name\t%s\n", k.Name)
	fmt.Fprintf(tw, "Client ID\t%s\n", k.ClientID)
	fmt.Fprintf(tw, "Account\t%s\n", k.Account)
	fmt.Fprintf(tw, "Scopes\t%s\n", orDash(scopes(k.Scopes)))
	fmt.Fprintf(tw, "Created\t%s\n", stamp(k.CreatedAt))
	fmt.Fprintf(tw, "Last used\t%s\n", lastUsed(k))
	if k.SecretID != "" {
		fmt.Fprintf(tw, "Secret ID\t%s\n", k.SecretID)
	}
	return tw.Flush()
}

// secretWarning is said wherever a Secret ID is printed.
const secretWarning = "Warning: this is the only time the Secret ID is shown; " +
	"it will not be shown again. Store it now."

// warnSecret puts the warning after the human output, or on stderr when
// stdout carries JSON for a script.
func (a *app) warnSecret() {
	if a.jsonOut {
		fmt.Fprintln(a.stderr, secretWarning)
		return
	}
	fmt.Fprintf(a.stdout, "\n%s\n", secretWarning)
}

// moreHint tells people how to fetch the next page.
func (a *app) moreHint(what, cursor string) {
	if cursor != "" {
		fmt.Fprintf(a.stdout, "\nMore %s: run again with --cursor %s\n", what, cursor)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
