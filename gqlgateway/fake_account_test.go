package gqlgateway

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The revocation stream and the account REST of the token-service stand-in.

func (f *fakeTokenService) revocations(w http.ResponseWriter, r *http.Request) {
	f.streamOpens.Add(1)
	if !f.callerIsGateway(w, r) {
		return
	}
	ch := make(chan string, 64)
	f.mu.Lock()
	f.streams[ch] = true
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.streams, ch)
		f.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	fl := w.(http.Flusher)
	fl.Flush()
	for f.silent.Load() { // a silent service does not even say it is ready
		select {
		case <-r.Context().Done():
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
	fmt.Fprint(w, "event: ready\ndata: {}\n\n")
	fl.Flush()
	ping := time.NewTicker(f.pingEvery)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case data := <-ch:
			fmt.Fprintf(w, "event: revoked\ndata: %s\n\n", data)
		case <-ping.C:
			if f.down.Load() {
				panic(http.ErrAbortHandler) // the connection breaks with the service
			}
			if f.silent.Load() {
				continue
			}
			fmt.Fprint(w, "event: ping\ndata: {}\n\n")
		}
		fl.Flush()
	}
}

// bearerKey returns the key behind the request's active bearer token, or
// answers 401 or 403 itself.
func (f *fakeTokenService) bearerKey(w http.ResponseWriter, r *http.Request,
	scope string) (string, *fakeKey, string, bool) {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	rec, k := f.activeLocked(tok)
	if rec == nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeFakeJSON(w, 401, map[string]string{"error": "unauthorized"})
		return "", nil, "", false
	}
	if scope != "" && !slices.Contains(k.scopes, scope) {
		writeFakeJSON(w, 403, map[string]string{"error": "forbidden"})
		return "", nil, "", false
	}
	return rec.key, k, tok, true
}

func (f *fakeTokenService) revokeSelf(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	_, _, tok, ok := f.bearerKey(w, r, "")
	f.mu.Unlock()
	if ok {
		f.revoke(tok)
		w.WriteHeader(http.StatusNoContent)
	}
}

func (f *fakeTokenService) keyJSON(id string, k *fakeKey, secret string) map[string]any {
	m := map[string]any{"clientId": id, "name": k.name, "account": k.account,
		"scopes": k.scopes, "createdAt": "2026-01-02T03:04:05Z", "lastUsedAt": nil}
	if secret != "" {
		m["secretId"] = secret
	}
	return m
}

func (f *fakeTokenService) listKeys(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, me, _, ok := f.bearerKey(w, r, ScopeKeysManage)
	if !ok {
		return
	}
	keys := []map[string]any{}
	ids := make([]string, 0, len(f.keys))
	for id := range f.keys {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if k := f.keys[id]; k.account == me.account {
			keys = append(keys, f.keyJSON(id, k, ""))
		}
	}
	writeFakeJSON(w, 200, map[string]any{"keys": keys})
}

func (f *fakeTokenService) createKey(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, me, _, ok := f.bearerKey(w, r, ScopeKeysManage)
	if !ok {
		return
	}
	var in struct {
		Name   string   `json:"name"`
		Scopes []string `json:"scopes"`
	}
	if json.NewDecoder(r.Body).Decode(&in) != nil || in.Name == "" {
		writeFakeJSON(w, 400, map[string]string{"error": "invalid_request",
			"message": "name must be 1-100 printable characters"})
		return
	}
	id, secret := randomString()[:12], randomString()
	f.keys[id] = &fakeKey{secret: secret, name: in.Name, account: me.account, scopes: in.Scopes}
	writeFakeJSON(w, 201, f.keyJSON(id, f.keys[id], secret))
}

func (f *fakeTokenService) rotateKey(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, me, _, ok := f.bearerKey(w, r, ScopeKeysManage)
	if !ok {
		return
	}
	id := r.PathValue("id")
	k := f.keys[id]
	if k == nil || k.account != me.account {
		writeFakeJSON(w, 404, map[string]string{"error": "not_found"})
		return
	}
	k.secret = randomString()
	writeFakeJSON(w, 200, f.keyJSON(id, k, k.secret))
}

func (f *fakeTokenService) deleteKey(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	_, me, _, ok := f.bearerKey(w, r, ScopeKeysManage)
	id := r.PathValue("id")
	found := ok && f.keys[id] != nil && f.keys[id].account == me.account
	if found {
		delete(f.keys, id)
	}
	f.mu.Unlock()
	switch {
	case !ok:
	case !found:
		writeFakeJSON(w, 404, map[string]string{"error": "not_found"})
	default:
		f.publish(fmt.Sprintf(`{"clientId":%q,"notBefore":"9999-12-31T23:59:59Z"}`, id))
		w.WriteHeader(http.StatusNoContent)
	}
}
