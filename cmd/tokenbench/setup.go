package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/positiveaction/tokens/tokensvc/client"
)

// credentials are a key's Client ID and Secret ID.
type credentials struct {
	id, secret string
}

// basic is the client_secret_basic header value (RFC 6749 §2.3.1: each
// part form-urlencoded before they are joined).
func (c credentials) basic() string {
	pair := url.QueryEscape(c.id) + ":" + url.QueryEscape(c.secret)
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(pair))
}

// keys are the keys a run uses: client obtains tokens (and logs in),
// introspector calls introspection. cleanup deletes provisioned ones.
type keys struct {
	client       credentials
	introspector credentials
	cleanup      func()
}

// benchAccount is the account provisioned keys belong to.
const benchAccount = "tokenbench"

// obtainKeys provisions a client key and, for introspect, an introspecting
// key through the admin API, or takes the key given on the command line
// (which must then hold tokens:introspect for the introspect path).
func obtainKeys(ctx context.Context, o options, log io.Writer) (keys, error) {
	if o.adminURL == "" {
		given := credentials{o.clientID, o.clientSecret}
		return keys{client: given, introspector: given, cleanup: func() {}}, nil
	}
	admin := client.New(o.adminURL, nil)
	var created []string
	cleanup := func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		for _, id := range created {
			if err := admin.DeleteKey(ctx, o.adminToken, id); err != nil {
				fmt.Fprintf(log, "tokenbench: deleting provisioned key %s: %v\n", id, err)
			}
		}
	}
	mk := func(name string, scopes ...string) (credentials, error) {
		k, err := admin.CreateKey(ctx, o.adminToken, client.NewKey{
			Name: name, Account: benchAccount, Scopes: scopes,
		})
		if err != nil {
			return credentials{}, fmt.Errorf("provisioning %q: %w", name, err)
		}
		created = append(created, k.ClientID)
		return credentials{k.ClientID, k.SecretID}, nil
	}
	var ks keys
	var err error
	if ks.client, err = mk("tokenbench client", "api"); err != nil {
		cleanup()
		return keys{}, err
	}
	ks.introspector = ks.client
	if o.path == pathIntrospect {
		if ks.introspector, err = mk("tokenbench introspector", "tokens:introspect"); err != nil {
			cleanup()
			return keys{}, err
		}
	}
	ks.cleanup = cleanup
	return ks, nil
}

// fetchTokens gets n access tokens for the key, with up to conns requests
// at a time; the first failure stops the others.
func fetchTokens(ctx context.Context, tokenURL string, k credentials, n, conns int,
) ([]string, error) {
	svc := client.New(tokenURL, nil)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	tokens := make([]string, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(conns, n) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n && ctx.Err() == nil; i = int(next.Add(1) - 1) {
				tr, err := svc.Token(ctx, k.id, k.secret, nil)
				if err != nil {
					cancel(fmt.Errorf("fetching token %d of %d: %w", i+1, n, err))
					return
				}
				tokens[i] = tr.AccessToken
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return tokens, nil
}

// graphqlString quotes s as a GraphQL string literal. Client IDs and Secret
// IDs are UUIDs, but a given key may be anything.
func graphqlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
