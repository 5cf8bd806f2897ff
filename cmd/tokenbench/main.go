// Command tokenbench drives an already-running token service, and the
// GraphQL gateway in front of it, with load on one of four paths and
// reports throughput and latency percentiles:
//
//	token       POST /oauth2/token, client credentials with client_secret_basic
//	introspect  POST /oauth2/introspect as a key holding tokens:introspect,
//	            on a pool of tokens fetched beforehand
//	login       the GraphQL login mutation through the gateway
//	viewer      the protected GraphQL viewer query with a bearer token, on a
//	            gateway whose introspection cache is warmed first
//
// It provisions its own keys through the admin API (-admin-url and
// -admin-token, deleted again at the end) or uses the key it is given
// (-client-id and -client-secret; for introspect that key must also hold
// tokens:introspect). Latencies go into an HDR histogram; -json prints the
// result for scripts. It only ever talks to the URLs it is given.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// Paths tokenbench can drive.
const (
	pathToken      = "token"
	pathIntrospect = "introspect"
	pathLogin      = "login"
	pathViewer     = "viewer"
)

// options are the command's flags.
type options struct {
	path         string
	tokenURL     string
	gatewayURL   string
	adminURL     string
	adminToken   string
	clientID     string
	clientSecret string
	conns        int
	duration     time.Duration
	warmup       time.Duration
	rate         float64
	requests     int64
	pool         int
	timeout      time.Duration
	json         bool
	procs        watched
	cpuProfile   string
	client       string
}

// HTTP clients tokenbench can load with.
const (
	clientRaw = "raw" // prepared requests on its own connections (rawhttp.go)
	clientNet = "net" // net/http's client
)

// run is the whole program; it returns the exit code: 0 when the run had no
// error, 1 when it failed or any request failed, 2 on bad usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opts, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "tokenbench: %v\n", err)
		return 2
	}
	res, err := bench(ctx, opts, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "tokenbench: %v\n", err)
		return 1
	}
	if opts.json {
		err = res.writeJSON(stdout)
	} else {
		err = res.writeText(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "tokenbench: writing the result: %v\n", err)
		return 1
	}
	if res.Failed > 0 {
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("tokenbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.path, "path", pathToken, "what to load: token, introspect, login or viewer")
	fs.StringVar(&o.tokenURL, "token-url", "http://127.0.0.1:8081", "token service base URL")
	fs.StringVar(&o.gatewayURL, "gateway-url", "http://127.0.0.1:8080", "GraphQL gateway base URL")
	fs.StringVar(&o.adminURL, "admin-url", "", "admin API base URL, to provision keys")
	fs.StringVar(&o.adminToken, "admin-token", "", "admin token (default $TOKENSVC_ADMIN_TOKEN)")
	fs.StringVar(&o.clientID, "client-id", "", "Client ID of an existing key, instead of provisioning")
	fs.StringVar(&o.clientSecret, "client-secret", "",
		"its Secret ID (default $TOKENBENCH_CLIENT_SECRET)")
	fs.IntVar(&o.conns, "c", 32, "connections, one worker each")
	fs.DurationVar(&o.duration, "d", 10*time.Second, "measured duration")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured load before the measurement")
	fs.Float64Var(&o.rate, "rate", 0, "requests per second, open loop (0: closed loop, flat out)")
	fs.Int64Var(&o.requests, "n", 0, "stop after this many measured requests (0: no limit)")
	fs.IntVar(&o.pool, "pool", 1000, "tokens fetched beforehand for introspect and viewer")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "time to wait for one answer's header")
	fs.BoolVar(&o.json, "json", false, "print the result as one JSON object")
	fs.StringVar(&o.client, "client", clientRaw, "HTTP client: raw (prepared requests, "+
		"least CPU) or net (net/http)")
	procs := fs.String("procs", "", "name=pid,… of local processes whose CPU use to report")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write tokenbench's own CPU profile of the "+
		"measured phase to this file")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	var err error
	if o.procs, err = parseProcs(*procs); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.adminToken == "" {
		o.adminToken = os.Getenv("TOKENSVC_ADMIN_TOKEN")
	}
	if o.clientSecret == "" {
		o.clientSecret = os.Getenv("TOKENBENCH_CLIENT_SECRET")
	}
	return o, o.validate()
}

// validate reports every problem with the flags at once.
func (o options) validate() error {
	var problems []string
	switch o.path {
	case pathToken, pathIntrospect, pathLogin, pathViewer:
	default:
		problems = append(problems, fmt.Sprintf("-path %q is not token, introspect, login or viewer",
			o.path))
	}
	if o.client != clientRaw && o.client != clientNet {
		problems = append(problems, fmt.Sprintf("-client %q is not raw or net", o.client))
	}
	if o.conns < 1 || o.conns > 4096 {
		problems = append(problems, "-c must be from 1 to 4096")
	}
	if o.duration <= 0 || o.duration > 24*time.Hour {
		problems = append(problems, "-d must be positive and at most 24h")
	}
	if o.warmup < 0 || o.warmup > time.Hour {
		problems = append(problems, "-warmup must be from 0 to 1h")
	}
	if o.rate < 0 || o.requests < 0 || o.timeout <= 0 {
		problems = append(problems, "-rate, -n and -timeout must not be negative (-timeout positive)")
	}
	if o.pool < 1 || o.pool > 1_000_000 {
		problems = append(problems, "-pool must be from 1 to 1000000")
	}
	provision := o.adminURL != ""
	switch {
	case provision && o.adminToken == "":
		problems = append(problems, "-admin-url needs -admin-token (or $TOKENSVC_ADMIN_TOKEN)")
	case !provision && (o.clientID == "" || o.clientSecret == ""):
		problems = append(problems, "give -admin-url and -admin-token, or -client-id and -client-secret")
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}
