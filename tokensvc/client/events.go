package client

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"
)

// ErrBadEvent means the revocation stream sent something that could not be
// understood. A subscriber cannot tell what it missed, so it must treat the
// stream as lost.
var ErrBadEvent = errors.New("malformed revocation event")

// maxEventLine bounds one line of the stream, so a broken peer cannot make
// the reader buffer without end.
const maxEventLine = 64 << 10

// Event types of the revocation stream.
const (
	EventReady   = "ready"
	EventRevoked = "revoked"
	EventPing    = "ping"
)

// TokenHash is the key under which the token service, its revocation events
// and token caches name a token without holding it: SHA-256 of the token
// string, base64url without padding.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Revocation says which tokens ended early: one token (TokenHash), or every
// token of a key (ClientID) or of an account (Account) issued before
// NotBefore.
type Revocation struct {
	TokenHash string    `json:"tokenHash,omitempty"`
	ClientID  string    `json:"clientId,omitempty"`
	Account   string    `json:"account,omitempty"`
	NotBefore time.Time `json:"notBefore"`
}

// Event is one server-sent event of the revocation stream. Revocation is
// set when Type is EventRevoked; other types carry nothing a subscriber
// needs beyond the proof that the stream is alive.
type Event struct {
	Type       string
	Revocation Revocation
}

// RevocationStream reads the events of GET /oauth2/revocations. It has no
// deadline of its own: the caller cancels the context it was opened with
// (for example when nothing arrived for a second) to stop a blocked Next.
type RevocationStream struct {
	body io.ReadCloser
	r    *bufio.Reader
}

// Revocations opens the revocation stream, authenticating as a key with
// tokens:introspect. The stream lives as long as ctx; close it when done.
func (c *Client) Revocations(ctx context.Context, callerID,
	callerSecret string) (*RevocationStream, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		c.baseURL+"/oauth2/revocations", nil)
	if err != nil {
		return nil, fmt.Errorf("building request: %w", err)
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cache-Control", "no-cache")
	req.Header.Set("Authorization", basicAuth(callerID, callerSecret))
	// The pooled client's overall timeout would cut a long-lived stream, so
	// the stream uses the same transport without one; ctx bounds it instead.
	streaming := &http.Client{Transport: c.http.Transport}
	resp, err := streaming.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: opening revocation stream: %w", ErrUnavailable,
			redactURLError(err))
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return nil, fmt.Errorf("opening revocation stream: %w", decodeError(resp, body))
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "text/event-stream" {
		resp.Body.Close()
		return nil, fmt.Errorf("revocation stream answered %q: %w", mt, ErrBadEvent)
	}
	return &RevocationStream{body: resp.Body, r: bufio.NewReaderSize(resp.Body, 4096)}, nil
}

// Close ends the stream.
func (s *RevocationStream) Close() error { return s.body.Close() }

// Next blocks until the next event and returns it. An event that cannot be
// decoded yields an error wrapping ErrBadEvent; the end of the stream yields
// io.EOF (or the transport's error).
func (s *RevocationStream) Next() (Event, error) {
	var typ string
	var data bytes.Buffer
	sawField := false
	for {
		line, err := s.readLine()
		if err != nil {
			return Event{}, err
		}
		if len(line) == 0 {
			if !sawField {
				continue // stray blank line: no event to dispatch
			}
			return decodeEvent(typ, data.Bytes())
		}
		field, value := splitField(line)
		switch field {
		case "event":
			typ = value
			sawField = true
		case "data":
			if data.Len() > 0 {
				data.WriteByte('\n')
			}
			data.WriteString(value)
			sawField = true
			if data.Len() > maxEventLine {
				return Event{}, fmt.Errorf("event data too long: %w", ErrBadEvent)
			}
		case "":
			// A comment line (": keep-alive") is proof of life but no event.
		}
	}
}

// readLine returns one line without its terminator (LF, CRLF or CR-less).
func (s *RevocationStream) readLine() ([]byte, error) {
	var line []byte
	for {
		chunk, err := s.r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxEventLine {
			return nil, fmt.Errorf("event line too long: %w", ErrBadEvent)
		}
		if err == nil {
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return nil, err
	}
	line = bytes.TrimSuffix(line, []byte("\n"))
	return bytes.TrimSuffix(line, []byte("\r")), nil
}

// splitField splits "name: value" per the SSE format; a comment line (one
// that starts with ':') has the empty name.
func splitField(line []byte) (string, string) {
	name, value, found := bytes.Cut(line, []byte(":"))
	if !found {
		return string(line), ""
	}
	value = bytes.TrimPrefix(value, []byte(" "))
	return string(name), string(value)
}

func decodeEvent(typ string, data []byte) (Event, error) {
	if typ == "" {
		typ = "message"
	}
	ev := Event{Type: typ}
	if typ != EventRevoked {
		return ev, nil
	}
	if err := json.Unmarshal(data, &ev.Revocation); err != nil {
		return Event{}, fmt.Errorf("%w: %w", ErrBadEvent, err)
	}
	r := ev.Revocation
	switch {
	case r.TokenHash != "":
	case (r.ClientID != "" || r.Account != "") && !r.NotBefore.IsZero():
	default:
		return Event{}, fmt.Errorf("%w: revoked event names no token, key or account",
			ErrBadEvent)
	}
	return ev, nil
}
