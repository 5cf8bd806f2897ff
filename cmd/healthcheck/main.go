// Command healthcheck is the container health probe of the token service
// and the gateway. Their images hold static binaries on a distroless base,
// with no shell and no curl, so docker-compose.yml runs this instead:
//
//	healthcheck http://127.0.0.1:8081/readyz
//
// It sends one GET and exits 0 when the answer is 2xx, 1 on any other
// answer or none within the timeout (one line on stderr says which), and 2
// on bad usage. Only http URLs are accepted: the probe runs inside the
// container, against the service's own loopback listener.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"
)

// defaultTimeout is well under Docker's default health-check timeout (30s)
// and the compose file's 3s.
const defaultTimeout = 2 * time.Second

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// run is the whole program; it returns the exit code.
func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	timeout := fs.Duration("timeout", defaultTimeout, "give up after `DURATION`")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: healthcheck [-timeout DURATION] http://HOST:PORT/PATH")
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 || *timeout <= 0 {
		fs.Usage()
		return 2
	}
	u, err := url.Parse(fs.Arg(0))
	if err != nil || u.Scheme != "http" || u.Host == "" {
		fmt.Fprintf(stderr, "healthcheck: %q is not an http://host:port/path URL\n", fs.Arg(0))
		return 2
	}
	if err := probe(u, *timeout); err != nil {
		fmt.Fprintf(stderr, "healthcheck: %v\n", err)
		return 1
	}
	return 0
}

// probe sends one GET to target and wants a 2xx answer within timeout.
// Messages name the URL without any password it may hold.
func probe(target *url.URL, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	name := target.Redacted()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	if err != nil {
		return fmt.Errorf("building the request: %w", err)
	}
	c := &http.Client{
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return errors.New("redirected")
		},
	}
	resp, err := c.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // it would repeat the URL
		}
		return fmt.Errorf("GET %s: %w", name, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("GET %s: %s", name, resp.Status)
	}
	return nil
}
