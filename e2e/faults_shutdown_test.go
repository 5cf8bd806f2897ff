package e2e

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"
)

// trickle is a request whose body is sent a little at a time, so it is
// still in flight when the server is told to stop.
type trickle struct {
	conn net.Conn
	rest string
}

// startTrickle sends the request line, headers and the first bytes of body.
func startTrickle(t *testing.T, baseURL, path string, header map[string]string,
	body string) *trickle {
	t.Helper()
	u, err := url.Parse(baseURL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.DialTimeout("tcp", u.Host, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	var b strings.Builder
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\nConnection: close\r\n",
		path, u.Host, len(body))
	for k, v := range header {
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	b.WriteString("\r\n")
	b.WriteString(body[:4])
	if _, err := io.WriteString(conn, b.String()); err != nil {
		t.Fatal(err)
	}
	return &trickle{conn: conn, rest: body[4:]}
}

// finish sends the rest of the body in ten slow pieces, over about a
// second, and reads the answer.
func (tr *trickle) finish(t *testing.T) (*http.Response, []byte) {
	t.Helper()
	piece := max(len(tr.rest)/10, 1)
	for i := 0; i < len(tr.rest); i += piece {
		if _, err := io.WriteString(tr.conn, tr.rest[i:min(i+piece, len(tr.rest))]); err != nil {
			t.Fatalf("the server dropped the request in flight after %d more bytes: %v", i, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = tr.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(tr.conn), nil)
	if err != nil {
		t.Fatalf("no answer to the request in flight: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// waitRefusing waits until nothing accepts connections at baseURL.
func waitRefusing(t *testing.T, baseURL string) {
	t.Helper()
	u, _ := url.Parse(baseURL)
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", u.Host, 200*time.Millisecond)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s still accepts connections 3s after SIGTERM", baseURL)
}

// TestSIGTERMFinishesRequestsInFlight sends SIGTERM to each service while a
// request's body is still arriving: the service stops accepting new
// connections, answers that request in full (200, a token the store
// recorded) and exits 0.
func TestSIGTERMFinishesRequestsInFlight(t *testing.T) {
	s := newFaultStack(t)
	k := s.svc.createKey(t, "acme", "Drained", "api")

	t.Run("gateway", func(t *testing.T) {
		body, _ := json.Marshal(map[string]any{"query": loginMutation, "variables": loginVars(k)})
		tr := startTrickle(t, s.gw.url, "/graphql",
			map[string]string{"Content-Type": "application/json"}, string(body))
		time.Sleep(200 * time.Millisecond)
		s.gw.signal(syscall.SIGTERM)
		waitRefusing(t, s.gw.url)
		resp, got := tr.finish(t)
		tok := decodeGQL(reply{body: got}).loginToken()
		if resp.StatusCode != http.StatusOK || tok == "" {
			t.Fatalf("login in flight answered %d %s", resp.StatusCode, got)
		}
		if err := s.gw.wait(15 * time.Second); err != nil {
			t.Fatalf("gateway exit after SIGTERM: %v\n%s", err, s.gw.logs())
		}
		if !s.svc.active(t, s.gwKey, tok) {
			t.Fatal("the token answered during shutdown is not active")
		}
	})

	t.Run("token service", func(t *testing.T) {
		basic := base64.StdEncoding.EncodeToString([]byte(k.ClientID + ":" + k.SecretID))
		tr := startTrickle(t, s.svc.url, "/oauth2/token", map[string]string{
			"Content-Type":  "application/x-www-form-urlencoded",
			"Authorization": "Basic " + basic,
		}, "grant_type=client_credentials&scope=api")
		time.Sleep(200 * time.Millisecond)
		s.svc.signal(syscall.SIGTERM)
		waitRefusing(t, s.svc.url)
		resp, got := tr.finish(t)
		tok := accessToken(reply{body: got})
		if resp.StatusCode != http.StatusOK || tok == "" {
			t.Fatalf("token request in flight answered %d %s", resp.StatusCode, got)
		}
		if err := s.svc.wait(15 * time.Second); err != nil {
			t.Fatalf("token service exit after SIGTERM: %v\n%s", err, s.svc.logs())
		}
		s.svc.start()
		if !s.svc.active(t, s.gwKey, tok) {
			t.Fatal("the token answered during shutdown was not recorded")
		}
	})
}
