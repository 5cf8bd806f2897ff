// Package client is a small Go client of the token service's HTTP API: the
// OAuth2 endpoints, the account key REST, the revocation stream and the
// admin API. The GraphQL gateway and tokenctl use it; it imports nothing of
// the token service itself, so the gateway stays on the far side of HTTP.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// ErrUnavailable means the token service could not be reached, timed out or
// answered 503. Callers map it to their own "try again" answer.
var ErrUnavailable = errors.New("token service unavailable")

// Error is an error answer of the token service: an OAuth2 error (RFC 6749
// §5.2) or an API error ({"error","message"}). Message is the service's
// description, safe to show to the caller.
type Error struct {
	Status  int    // HTTP status
	Code    string // "invalid_client", "not_found", …
	Message string
	// RetryAfter is the Retry-After delay of 429 and 503 answers, if given.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("token service: %d %s", e.Status, e.Code)
	}
	return fmt.Sprintf("token service: %d %s: %s", e.Status, e.Code, e.Message)
}

// Is lets errors.Is(err, ErrUnavailable) match a 503 answer.
func (e *Error) Is(target error) bool {
	return target == ErrUnavailable && e.Status == http.StatusServiceUnavailable
}

// Client talks to one token service. Its zero value is not usable: use New.
type Client struct {
	baseURL string
	http    *http.Client
}

// New returns a client of the token service at baseURL (for example
// "http://localhost:8081"). A nil httpClient gets a pooled default with a
// 5-second timeout, sized for a gateway's steady traffic.
func New(baseURL string, httpClient *http.Client) *Client {
	if httpClient == nil {
		httpClient = &http.Client{
			Timeout: 5 * time.Second,
			Transport: &http.Transport{
				Proxy:               nil,
				MaxIdleConns:        256,
				MaxIdleConnsPerHost: 256,
				IdleConnTimeout:     90 * time.Second,
			},
		}
	}
	return &Client{baseURL: strings.TrimRight(baseURL, "/"), http: httpClient}
}

// BaseURL returns the token service URL the client was made with.
func (c *Client) BaseURL() string { return c.baseURL }

// do sends req and decodes a 2xx JSON answer into out (when out is not nil).
// A non-2xx answer becomes *Error; a transport failure wraps ErrUnavailable.
func (c *Client) do(req *http.Request, out any) error {
	setForwardedFor(req)
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %s %s: %w", ErrUnavailable, req.Method, req.URL.Path, redactURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("%w: reading answer of %s: %w", ErrUnavailable, req.URL.Path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return decodeError(resp, body)
	}
	if out == nil || len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("decoding answer of %s: %w", req.URL.Path, err)
	}
	return nil
}

// doJSON sends in as a JSON body (nil for none) with the given bearer token.
func (c *Client) doJSON(ctx context.Context, method, path, bearer string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encoding request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, body)
	if err != nil {
		return fmt.Errorf("building request: %w", err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return c.do(req, out)
}

func decodeError(resp *http.Response, body []byte) error {
	e := &Error{Status: resp.StatusCode}
	var wire struct {
		Error            string `json:"error"`
		Message          string `json:"message"`
		ErrorDescription string `json:"error_description"`
	}
	if json.Unmarshal(body, &wire) == nil {
		e.Code = wire.Error
		e.Message = wire.Message
		if e.Message == "" {
			e.Message = wire.ErrorDescription
		}
	}
	if e.Code == "" {
		e.Code = strings.ToLower(strings.ReplaceAll(http.StatusText(resp.StatusCode), " ", "_"))
	}
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		var secs int
		if _, err := fmt.Sscanf(ra, "%d", &secs); err == nil && secs >= 0 {
			e.RetryAfter = time.Duration(secs) * time.Second
		}
	}
	return e
}

// redactURLError drops the URL (which may carry a query) from a transport
// error, keeping the cause.
func redactURLError(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}
