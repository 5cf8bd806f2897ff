package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestRawConnReadsEveryAnswerShape(t *testing.T) {
	big := strings.Repeat("x", 40_000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/length":
			fmt.Fprint(w, `{"ok":true}`)
		case "/chunked":
			w.(http.Flusher).Flush() // forces chunked encoding
			fmt.Fprint(w, "part one, ")
			w.(http.Flusher).Flush()
			fmt.Fprint(w, "part two")
		case "/big":
			fmt.Fprint(w, big)
		case "/close":
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, "bye")
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	defer srv.Close()
	target, _ := url.Parse(srv.URL + "/length")
	c, err := newRawConn(target, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	get := func(path string) []byte {
		return []byte("GET " + path + " HTTP/1.1\r\nHost: " + target.Host + "\r\n\r\n")
	}
	cases := []struct {
		path   string
		status int
		body   string
	}{
		{"/length", 200, `{"ok":true}`},
		{"/chunked", 200, "part one, part two"},
		{"/big", 200, big},
		{"/close", 401, "bye"},
		{"/length", 200, `{"ok":true}`}, // a new connection after the close
		{"/empty", 204, ""},
	}
	var buf []byte
	for _, tc := range cases {
		var status int
		status, buf, err = c.do(get(tc.path), buf)
		if err != nil || status != tc.status || !bytes.Equal(buf, []byte(tc.body)) {
			t.Fatalf("%s: %d %.60q, %v; want %d %.60q", tc.path, status, buf, err, tc.status,
				tc.body)
		}
	}
}

func TestRawRequestsMatchThePlan(t *testing.T) {
	p := &plan{
		method: http.MethodPost, url: "http://127.0.0.1:9/graphql",
		header: http.Header{"Content-Type": {"application/json"}},
		bodies: [][]byte{[]byte(`{"query":"{ viewer { clientId } }"}`)},
		auths:  [][]string{{"Bearer a"}, {"Bearer b"}},
	}
	reqs, _, err := rawRequests(p)
	if err != nil || len(reqs) != 2 {
		t.Fatalf("%d requests, %v", len(reqs), err)
	}
	want := "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:9\r\nContent-Type: application/json\r\n" +
		"Authorization: Bearer b\r\nContent-Length: 35\r\n\r\n" +
		`{"query":"{ viewer { clientId } }"}`
	if string(reqs[1]) != want {
		t.Fatalf("request\n%q\nwant\n%q", reqs[1], want)
	}
}
