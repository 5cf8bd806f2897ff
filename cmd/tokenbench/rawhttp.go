package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// rawConn sends prepared HTTP/1.1 requests over one keep-alive connection
// and reads each answer into a reused buffer, as wrk does: one write and
// usually one read per request, no goroutine but the worker's, nothing
// allocated per request. net/http's client costs about twice the CPU per
// request (a reader and a writer goroutine per connection, a header map per
// answer), which on a machine shared with the services is CPU they lose.
// It speaks only what the services answer: Content-Length or chunked
// bodies, and Connection: close.
type rawConn struct {
	addr    string
	timeout time.Duration
	conn    net.Conn
	r       *bufio.Reader
}

func newRawConn(target *url.URL, timeout time.Duration) (*rawConn, error) {
	if target.Scheme != "http" {
		return nil, fmt.Errorf("%s: only http URLs can be driven (use -client net)", target)
	}
	addr := target.Host
	if target.Port() == "" {
		addr = net.JoinHostPort(target.Hostname(), "80")
	}
	return &rawConn{addr: addr, timeout: timeout}, nil
}

// do sends one prepared request and returns the status and the body,
// appended to body[:0]. On any error the connection is closed; the next
// request dials again.
func (c *rawConn) do(req []byte, body []byte) (int, []byte, error) {
	if c.conn == nil {
		conn, err := net.DialTimeout("tcp", c.addr, 5*time.Second)
		if err != nil {
			return 0, body, fmt.Errorf("dialing %s: %w", c.addr, err)
		}
		c.conn = conn
		if c.r == nil {
			c.r = bufio.NewReaderSize(conn, 16<<10)
		} else {
			c.r.Reset(conn)
		}
	}
	_ = c.conn.SetDeadline(time.Now().Add(c.timeout))
	status, body, keep, err := c.exchange(req, body)
	if err != nil || !keep {
		c.close()
	}
	return status, body, err
}

func (c *rawConn) close() {
	if c.conn != nil {
		_ = c.conn.Close()
		c.conn = nil
	}
}

func (c *rawConn) exchange(req, body []byte) (int, []byte, bool, error) {
	if _, err := c.conn.Write(req); err != nil {
		return 0, body, false, fmt.Errorf("writing the request: %w", err)
	}
	line, err := c.line()
	if err != nil {
		return 0, body, false, fmt.Errorf("reading the status line: %w", err)
	}
	// "HTTP/1.1 200 OK"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, body, false, fmt.Errorf("malformed status line %q", truncate(string(line), 60))
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, body, false, fmt.Errorf("malformed status %q", truncate(string(line), 60))
	}
	length, chunked, keep := -1, false, line[7] == '1'
	for {
		h, err := c.line()
		if err != nil {
			return status, body, false, fmt.Errorf("reading the header: %w", err)
		}
		if len(h) == 0 {
			break
		}
		name, value, _ := bytes.Cut(h, []byte(":"))
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return status, body, false, fmt.Errorf("malformed Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			keep = keep && !bytes.EqualFold(value, []byte("close"))
		}
	}
	body = body[:0]
	switch {
	case status/100 == 1 || status == 204 || status == 304: // no body (RFC 9112 §6.3)
	case chunked:
		body, err = c.chunks(body)
	case length >= 0:
		body, err = c.readN(body, length)
	default:
		return status, body, false, errors.New("answer without a length on a keep-alive connection")
	}
	return status, body, keep && err == nil, err
}

// line reads one header line without its CRLF; it stays valid until the
// next read.
func (c *rawConn) line() ([]byte, error) {
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return nil, err
	}
	return bytes.TrimRight(line, "\r\n"), nil
}

func (c *rawConn) readN(dst []byte, n int) ([]byte, error) {
	if len(dst)+n > maxAnswer {
		return dst, errors.New("answer over 1 MiB")
	}
	start := len(dst)
	dst = slices.Grow(dst, n)[:start+n]
	_, err := io.ReadFull(c.r, dst[start:])
	return dst, err
}

// chunks reads a chunked body (RFC 9112 §7.1), ignoring extensions and
// trailers.
func (c *rawConn) chunks(dst []byte) ([]byte, error) {
	for range maxAnswer {
		line, err := c.line()
		if err != nil {
			return dst, fmt.Errorf("reading a chunk size: %w", err)
		}
		size, _, _ := bytes.Cut(line, []byte(";"))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 32)
		if err != nil || n < 0 || len(dst)+int(n) > maxAnswer {
			return dst, fmt.Errorf("bad chunk size %q", truncate(string(line), 30))
		}
		if n == 0 {
			for { // trailers, up to the empty line
				t, err := c.line()
				if err != nil || len(t) == 0 {
					return dst, err
				}
			}
		}
		if dst, err = c.readN(dst, int(n)); err != nil {
			return dst, err
		}
		if crlf, err := c.line(); err != nil || len(crlf) != 0 {
			return dst, fmt.Errorf("chunk not followed by CRLF (%v)", err)
		}
	}
	return dst, errors.New("too many chunks")
}

// rawRequests renders every distinct request of a plan as bytes; request
// number i is rawRequests[i%len]. (A plan varies its bodies or its
// Authorization values, never both, so that is the same choice as
// plan.request makes.)
func rawRequests(p *plan) ([][]byte, *url.URL, error) {
	target, err := url.Parse(p.url)
	if err != nil {
		return nil, nil, fmt.Errorf("parsing %s: %w", p.url, err)
	}
	n := max(len(p.bodies), len(p.auths))
	out := make([][]byte, n)
	for i := range out {
		body, auth := p.request(i)
		out[i] = rawRequest(p, target, body, auth)
	}
	return out, target, nil
}

// rawRequest renders one request of a plan as bytes.
func rawRequest(p *plan, target *url.URL, body []byte, auth []string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", p.method, target.RequestURI(), target.Host)
	for name, values := range p.header {
		if name == "Authorization" && auth != nil {
			continue
		}
		for _, v := range values {
			fmt.Fprintf(&b, "%s: %s\r\n", name, v)
		}
	}
	for _, v := range auth {
		fmt.Fprintf(&b, "Authorization: %s\r\n", v)
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
	b.Write(body)
	return b.Bytes()
}
