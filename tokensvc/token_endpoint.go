package tokensvc

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/positiveaction/tokens/store"
)

// Limits of a token, introspection or revocation request (RFC 6749 leaves
// them to the server).
const (
	maxFormBody   = 8 << 10
	maxFormFields = 16
)

// oauthError is an RFC 6749 §5.2 error answer.
type oauthError struct {
	status int
	code   string
	desc   string
}

func writeOAuthError(w http.ResponseWriter, e oauthError, basicChallenge bool) {
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	if basicChallenge {
		h.Set("WWW-Authenticate", `Basic realm="tokensvc", charset="UTF-8"`)
	}
	if e.status == http.StatusServiceUnavailable && h.Get("Retry-After") == "" {
		h.Set("Retry-After", "1")
	}
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": e.code, "error_description": e.desc})
}

// clientCredentials are the credentials a request authenticated with.
type clientCredentials struct {
	clientID  string
	secret    Secret
	usedBasic bool
}

// readForm parses an OAuth2 form body (RFC 6749 §3.2, appendix B): POST,
// application/x-www-form-urlencoded, bounded, no repeated parameter. The
// query string is never read. It answers the request and returns false on
// any problem.
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeOAuthError(w, oauthError{http.StatusMethodNotAllowed, "invalid_request", "use POST"}, false)
		return nil, false
	}
	if !isFormContentType(r.Header.Get("Content-Type")) {
		writeOAuthError(w, oauthError{http.StatusBadRequest, "invalid_request",
			"the body must be application/x-www-form-urlencoded"}, false)
		return nil, false
	}
	body, err := readBody(w, r, maxFormBody)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeOAuthError(w, oauthError{http.StatusRequestEntityTooLarge, "invalid_request",
				"the body is over " + strconv.Itoa(maxFormBody) + " bytes"}, false)
		} else {
			writeOAuthError(w, oauthError{http.StatusBadRequest, "invalid_request", "the body could not be read"}, false)
		}
		return nil, false
	}
	form, oerr := parseForm(body)
	if oerr != nil {
		writeOAuthError(w, *oerr, false)
		return nil, false
	}
	return form, true
}

// isFormContentType reports whether a Content-Type names a form body; the
// usual exact header skips the general media-type parser.
func isFormContentType(v string) bool {
	const form = "application/x-www-form-urlencoded"
	if v == form {
		return true
	}
	mt, _, err := mime.ParseMediaType(v)
	return err == nil && mt == form
}

// readBody reads a body of at most limit bytes: into one buffer of the
// announced length when there is one, so a token request's body costs one
// allocation, else as it comes.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) (string, error) {
	body := http.MaxBytesReader(w, r.Body, limit)
	if n := r.ContentLength; n >= 0 && n <= limit {
		buf := make([]byte, n)
		if _, err := io.ReadFull(body, buf); err != nil {
			return "", err
		}
		return string(buf), nil
	}
	buf, err := io.ReadAll(body)
	return string(buf), err
}

// parseForm decodes an application/x-www-form-urlencoded body as
// url.ParseQuery does (pairs split at '&', a ';' refused, '+' and %XX
// decoded), refusing more than maxFormFields pairs and any repeated name.
// Values without an escape, such as JWTs and Client IDs, are used as they
// are, without a pass of the unescaper.
func parseForm(body string) (url.Values, *oauthError) {
	malformed := &oauthError{http.StatusBadRequest, "invalid_request", "the form body is malformed"}
	if strings.Count(body, "&") >= maxFormFields {
		return nil, &oauthError{http.StatusBadRequest, "invalid_request", "too many parameters"}
	}
	form := make(url.Values, 4)
	for body != "" {
		var pair string
		pair, body, _ = strings.Cut(body, "&")
		if strings.IndexByte(pair, ';') >= 0 {
			return nil, malformed
		}
		if pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		name, err := unescapeFormValue(name)
		if err != nil {
			return nil, malformed
		}
		if value, err = unescapeFormValue(value); err != nil {
			return nil, malformed
		}
		if _, repeated := form[name]; repeated {
			return nil, &oauthError{http.StatusBadRequest, "invalid_request",
				"parameter " + strconv.Quote(truncate(name, 40)) + " is repeated"}
		}
		form[name] = []string{value}
	}
	return form, nil
}

func unescapeFormValue(s string) (string, error) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, nil
	}
	return url.QueryUnescape(s)
}

// readClientCredentials finds the client authentication of RFC 6749 §2.3.1:
// HTTP Basic with form-urlencoded Client ID and Secret ID, or
// client_id/client_secret in the body, never both.
func readClientCredentials(r *http.Request, form url.Values) (clientCredentials, *oauthError) {
	header := r.Header.Get("Authorization")
	formSecret, hasFormSecret := form["client_secret"]
	if header != "" {
		cc, ok := parseBasic(header)
		if !ok {
			return cc, &oauthError{http.StatusUnauthorized, "invalid_client",
				"the Authorization header is not valid Basic client authentication"}
		}
		if hasFormSecret {
			return cc, &oauthError{http.StatusBadRequest, "invalid_request",
				"use one client authentication method, not Basic and the body both"}
		}
		if id := form.Get("client_id"); id != "" && id != cc.clientID {
			return cc, &oauthError{http.StatusBadRequest, "invalid_request",
				"client_id in the body differs from the Basic credentials"}
		}
		return cc, nil
	}
	id := form.Get("client_id")
	if id == "" || !hasFormSecret {
		return clientCredentials{}, &oauthError{http.StatusUnauthorized, "invalid_client",
			"client authentication is required (Basic or client_id and client_secret)"}
	}
	return clientCredentials{clientID: id, secret: Secret(formSecret[0])}, nil
}

// parseBasic decodes "Basic base64(urlencode(id):urlencode(secret))".
func parseBasic(header string) (clientCredentials, bool) {
	cc := clientCredentials{usedBasic: true}
	scheme, payload, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Basic") || len(payload) > 1024 {
		return cc, false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(payload))
	if err != nil {
		return cc, false
	}
	rawID, rawSecret, ok := strings.Cut(string(raw), ":")
	if !ok {
		return cc, false
	}
	id, err1 := url.QueryUnescape(rawID)
	secret, err2 := url.QueryUnescape(rawSecret)
	if err1 != nil || err2 != nil || id == "" {
		return cc, false
	}
	cc.clientID, cc.secret = id, Secret(secret)
	return cc, true
}

// tokenExchange carries one token request through go-oauth2 and writes its
// answer; it is the http.ResponseWriter the library's hooks see.
type tokenExchange struct {
	http.ResponseWriter
	clientCredentials
	addr string // the caller's address, for the failure limits
	// countFailure counts a failed authentication before it is answered;
	// a wait above zero turns the 401 into a 429.
	countFailure func() time.Duration
	key          store.Key // set by the generator once authenticated
	status       int
	errCode      string
}

// answer writes the RFC 6749 §5.1 success or §5.2 error body.
func (ex *tokenExchange) answer(data map[string]any, header http.Header, status int) error {
	ex.status = status
	if code, ok := data["error"].(string); ok {
		ex.errCode = code
		if code == "invalid_client" && ex.countFailure != nil {
			if wait := ex.countFailure(); wait > 0 {
				ex.status = http.StatusTooManyRequests
				writeRateLimited(ex.ResponseWriter, wait)
				return nil
			}
		}
		for k := range header {
			ex.Header().Set(k, header.Get(k))
		}
		desc, _ := data["error_description"].(string)
		challenge := code == "invalid_client" && ex.usedBasic
		writeOAuthError(ex.ResponseWriter, oauthError{status, code, desc}, challenge)
		return nil
	}
	h := ex.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	ex.WriteHeader(status)
	scope, _ := data["scope"].(string)
	return json.NewEncoder(ex.ResponseWriter).Encode(struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
		Scope       string `json:"scope"`
	}{data["access_token"].(string), "Bearer", data["expires_in"].(int64), scope})
}

// handleToken is POST /oauth2/token: RFC 6749 §4.4 client credentials.
// Steps, in this order for every request: form, grant type, scope syntax,
// client authentication syntax, failure limit, then the library's flow
// (key lookup, constant-time secret check, scope grant, signing, one
// record written).
func (s *Service) handleToken(w http.ResponseWriter, r *http.Request) {
	form, ok := readForm(w, r)
	if !ok {
		return
	}
	switch gt := form.Get("grant_type"); gt {
	case "client_credentials":
	case "":
		writeOAuthError(w, oauthError{http.StatusBadRequest, "invalid_request", "grant_type is required"}, false)
		return
	default:
		writeOAuthError(w, oauthError{http.StatusBadRequest, "unsupported_grant_type",
			"only client_credentials is supported"}, false)
		return
	}
	if _, err := normalizeScopes(strings.Fields(form.Get("scope"))); err != nil {
		writeOAuthError(w, oauthError{http.StatusBadRequest, "invalid_scope", "the scope is malformed"}, false)
		return
	}
	cc, oerr := readClientCredentials(r, form)
	if oerr != nil {
		s.metrics.authFailed(authMalformed)
		if oerr.code == "invalid_client" {
			if wait := s.limiter.failed(r.Context(), cc.clientID, s.clientAddr(r)); wait > 0 {
				writeRateLimited(w, wait)
				return
			}
		}
		writeOAuthError(w, *oerr, oerr.code == "invalid_client" && cc.usedBasic)
		return
	}
	setRequestClientID(r, cc.clientID)
	if wait := s.limiter.blocked(cc.clientID, s.clientAddr(r)); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Round(time.Second).Seconds())+1))
		writeOAuthError(w, oauthError{http.StatusTooManyRequests, "temporarily_unavailable",
			"too many failed client authentications; retry later"}, false)
		return
	}
	r.PostForm, r.Form = form, form
	ex := &tokenExchange{ResponseWriter: w, clientCredentials: cc, addr: s.clientAddr(r)}
	ex.countFailure = func() time.Duration {
		return s.limiter.failed(r.Context(), cc.clientID, ex.addr)
	}
	s.oauth.issue(ex, r)
	switch {
	case ex.errCode == "invalid_client":
		s.metrics.authFailed(authBadCredentials)
	case ex.status == http.StatusOK:
		s.metrics.tokensIssued.Inc()
		s.noteKeyUsed(r.Context(), ex.key)
	}
}
