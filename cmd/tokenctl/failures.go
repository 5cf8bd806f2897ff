package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"

	"github.com/positiveaction/tokens/tokensvc/client"
)

// noSuchKey is what the admin API says for an unknown Client ID; a 404
// saying "no such endpoint", or nothing, means the URL is not the admin API.
const noSuchKey = "no such key"

// keyNotFound turns a 404 for a key into the message operators look for.
func keyNotFound(err error, clientID string) error {
	var e *client.Error
	if errors.As(err, &e) && e.Status == http.StatusNotFound && e.Message == noSuchKey {
		return fmt.Errorf("no key with Client ID %s", clientID)
	}
	return err
}

// describe turns a failure into the one line tokenctl prints. It never
// includes the admin token: the client's errors carry only method, path and
// the service's own message.
func (a *app) describe(err error) string {
	where := redacted(a.adminURL)
	var e *client.Error
	switch {
	case errors.As(err, &e):
		return describeAnswer(e, where)
	case errors.Is(err, client.ErrUnavailable):
		return fmt.Sprintf("cannot reach the token service's admin API at %s (%s): "+
			"is the token service running?", where, transportCause(err))
	}
	return err.Error()
}

// describeAnswer explains an error answer of the admin API.
func describeAnswer(e *client.Error, where string) string {
	msg := e.Message
	if msg == "" {
		msg = e.Code
	}
	switch {
	case e.Status == http.StatusUnauthorized:
		return "the token service at " + where + " refused the admin token " +
			"(check TOKENCTL_ADMIN_TOKEN or --admin-token)"
	case e.Status == http.StatusNotFound && (e.Message == "no such endpoint" || e.Message == ""):
		return fmt.Sprintf("%s has no such endpoint: is it the admin listener "+
			"(TOKENSVC_ADMIN_ADDR) of a token service?", where)
	case e.Status == http.StatusServiceUnavailable:
		return "the token service is unavailable: " + msg
	case e.Status >= 500:
		return fmt.Sprintf("the token service failed (%d %s): %s", e.Status, e.Code, msg)
	}
	return msg
}

// transportCause is the short reason a request got no answer.
func transportCause(err error) string {
	var op *net.OpError
	var ne net.Error
	switch {
	case errors.As(err, &op) && op.Err != nil:
		return op.Err.Error()
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timed out"
	}
	return "no answer"
}

// redacted shows a URL without any password in it.
func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Redacted()
}
