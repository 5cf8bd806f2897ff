package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func sseServer(t *testing.T, status int, contentType, stream string) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oauth2/revocations" {
			t.Errorf("path = %q", r.URL.Path)
		}
		if id, _ := decodeBasic(t, r.Header.Get("Authorization")); id != "gw" {
			t.Errorf("caller = %q", id)
		}
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		io.WriteString(w, stream)
	}))
	t.Cleanup(srv.Close)
	return New(srv.URL, nil)
}

func TestRevocationStreamDecodesEvents(t *testing.T) {
	stream := "event: ready\ndata: {}\n\n" +
		": a comment\n\n" +
		"event: ping\r\ndata: {}\r\n\r\n" +
		"event: revoked\ndata: {\"tokenHash\":\"h1\"}\n\n" +
		"event: revoked\ndata: {\"clientId\":\"c1\",\n" +
		"data: \"notBefore\":\"2026-12-03T16:00:00.123456789Z\"}\n\n" +
		"event: revoked\ndata:{\"account\":\"acme\",\"notBefore\":\"9999-12-31T23:59:59Z\"}\n\n"
	c := sseServer(t, 200, "text/event-stream; charset=utf-8", stream)
	s, err := c.Revocations(context.Background(), "gw", "secret")
	if err != nil {
		t.Fatalf("Revocations: %v", err)
	}
	defer s.Close()
	nb := time.Date(2026, 12, 3, 16, 0, 0, 123456789, time.UTC)
	far := time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
	want := []Event{
		{Type: EventReady},
		{Type: EventPing},
		{Type: EventRevoked, Revocation: Revocation{TokenHash: "h1"}},
		{Type: EventRevoked, Revocation: Revocation{ClientID: "c1", NotBefore: nb}},
		{Type: EventRevoked, Revocation: Revocation{Account: "acme", NotBefore: far}},
	}
	for i, w := range want {
		got, err := s.Next()
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if got.Type != w.Type || got.Revocation.TokenHash != w.Revocation.TokenHash ||
			got.Revocation.ClientID != w.Revocation.ClientID ||
			got.Revocation.Account != w.Revocation.Account ||
			!got.Revocation.NotBefore.Equal(w.Revocation.NotBefore) {
			t.Errorf("event %d = %+v, want %+v", i, got, w)
		}
	}
	if _, err := s.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("after the last event: %v, want io.EOF", err)
	}
}

func TestRevocationStreamRejectsMalformedEvents(t *testing.T) {
	tests := []struct {
		name   string
		stream string
	}{
		{name: "data is not json", stream: "event: revoked\ndata: nope\n\n"},
		{name: "names nothing", stream: "event: revoked\ndata: {}\n\n"},
		{name: "key without notBefore", stream: "event: revoked\ndata: {\"clientId\":\"c\"}\n\n"},
		{name: "endless line", stream: "event: revoked\ndata: " + strings.Repeat("x", 70<<10)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := sseServer(t, 200, "text/event-stream", tc.stream)
			s, err := c.Revocations(context.Background(), "gw", "secret")
			if err != nil {
				t.Fatalf("Revocations: %v", err)
			}
			defer s.Close()
			if _, err := s.Next(); !errors.Is(err, ErrBadEvent) {
				t.Errorf("Next = %v, want ErrBadEvent", err)
			}
		})
	}
}

func TestRevocationStreamOpenErrors(t *testing.T) {
	t.Run("refused caller", func(t *testing.T) {
		c := sseServer(t, 401, "application/json", `{"error":"invalid_client"}`)
		_, err := c.Revocations(context.Background(), "gw", "bad")
		if !HasCode(err, "invalid_client") {
			t.Errorf("err = %v, want invalid_client", err)
		}
	})
	t.Run("not an event stream", func(t *testing.T) {
		c := sseServer(t, 200, "application/json", `{}`)
		_, err := c.Revocations(context.Background(), "gw", "secret")
		if !errors.Is(err, ErrBadEvent) {
			t.Errorf("err = %v, want ErrBadEvent", err)
		}
	})
}

func TestRevocationStreamOutlivesClientTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "event: ready\ndata: {}\n\n")
		w.(http.Flusher).Flush()
		time.Sleep(300 * time.Millisecond)
		io.WriteString(w, "event: ping\ndata: {}\n\n")
	}))
	defer srv.Close()
	c := New(srv.URL, &http.Client{Timeout: 100 * time.Millisecond})
	s, err := c.Revocations(context.Background(), "gw", "secret")
	if err != nil {
		t.Fatalf("Revocations: %v", err)
	}
	defer s.Close()
	for _, want := range []string{EventReady, EventPing} {
		ev, err := s.Next()
		if err != nil || ev.Type != want {
			t.Fatalf("Next = %+v, %v; want %s", ev, err, want)
		}
	}
}
