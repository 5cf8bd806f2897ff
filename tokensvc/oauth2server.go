package tokensvc

// This is the one file that knows go-oauth2. It plugs the service's key
// lookup, secret check, JWT generator and token recording into the library's
// client-credentials flow, and overrides the library's answers where they
// are not RFC 6749-exact (statuses, headers, internal errors).

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/go-oauth2/oauth2/v4"
	oerrors "github.com/go-oauth2/oauth2/v4/errors"
	"github.com/go-oauth2/oauth2/v4/manage"
	"github.com/go-oauth2/oauth2/v4/server"

	"github.com/positiveaction/tokens/store"
)

// errTemporarilyUnavailable is RFC 6749 §5.2's code for a server that cannot
// answer now (the store is unreachable).
var errTemporarilyUnavailable = errors.New("temporarily_unavailable")

// errRateLimited refuses a correct authentication of a Client ID or address
// that has reached its failure limit (answered 429).
var errRateLimited = errors.New("failed-authentication limit reached")

type oauthServer struct {
	srv *server.Server
}

func newOAuthServer(s *Service) *oauthServer {
	m := manage.NewManager()
	m.SetClientTokenCfg(&manage.Config{AccessTokenExp: s.cfg.TokenTTL})
	m.MapClientStorage(clientStore{s})
	m.MapTokenStorage(tokenRecorder{s})
	m.MapAccessGenerate(jwtGenerator{s})

	srv := server.NewServer(&server.Config{
		TokenType:         "Bearer",
		AllowedGrantTypes: []oauth2.GrantType{oauth2.ClientCredentials},
	}, m)
	// The HTTP wrapper has already parsed and decoded the credentials.
	srv.SetClientInfoHandler(func(r *http.Request) (string, string, error) {
		ex, ok := r.Context().Value(exchangeKey{}).(*tokenExchange)
		if !ok {
			return "", "", oerrors.ErrInvalidClient
		}
		return ex.clientID, ex.secret.Reveal(), nil
	})
	srv.SetInternalErrorHandler(func(err error) *oerrors.Response {
		if errors.Is(err, errRateLimited) {
			re := oerrors.NewResponse(errTemporarilyUnavailable, http.StatusTooManyRequests)
			re.Description = "too many failed client authentications; retry later"
			return re
		}
		if errors.Is(err, store.ErrUnavailable) {
			re := oerrors.NewResponse(errTemporarilyUnavailable, http.StatusServiceUnavailable)
			re.Description = "the token service cannot reach its store; try again shortly"
			re.SetHeader("Retry-After", "1")
			return re
		}
		s.log.Error("token request failed", "err", err)
		return nil // the library answers server_error, 500
	})
	srv.SetResponseErrorHandler(func(re *oerrors.Response) {
		// RFC 6749 §5.2: everything but invalid_client is a 400.
		switch re.Error {
		case oerrors.ErrInvalidClient:
			re.StatusCode = http.StatusUnauthorized
			re.Description = "client authentication failed"
		case oerrors.ErrInvalidScope:
			re.StatusCode = http.StatusBadRequest
			re.Description = "the requested scope is not allowed to this key"
		case oerrors.ErrUnsupportedGrantType, oerrors.ErrUnauthorizedClient,
			oerrors.ErrInvalidGrant, oerrors.ErrInvalidRequest:
			re.StatusCode = http.StatusBadRequest
		}
	})
	srv.SetResponseTokenHandler(func(w http.ResponseWriter, data map[string]any,
		header http.Header, status ...int) error {
		code := http.StatusOK
		if len(status) > 0 && status[0] > 0 {
			code = status[0]
		}
		if ex, ok := w.(*tokenExchange); ok {
			return ex.answer(data, header, code)
		}
		return fmt.Errorf("unexpected response writer %T", w)
	})
	return &oauthServer{srv: srv}
}

// issue runs the library's token flow for an already parsed request.
func (o *oauthServer) issue(ex *tokenExchange, r *http.Request) {
	ctx := context.WithValue(r.Context(), exchangeKey{}, ex)
	ctx = context.WithValue(ctx, mintedKey{}, &mintedToken{})
	_ = o.srv.HandleTokenRequest(ex, r.WithContext(ctx)) // errors are answered through the hooks
}

type exchangeKey struct{}

// mintedToken carries the token the generator signed, and its record, to
// the recorder within one request, so nothing is re-derived from the
// library's string-typed token info.
type mintedToken struct {
	token  string
	record store.Token
}

type mintedKey struct{}

// clientStore finds keys for the library. An unknown Client ID yields a
// client that fails verification after the same hashing work.
type clientStore struct{ s *Service }

func (c clientStore) GetByID(ctx context.Context, id string) (oauth2.ClientInfo, error) {
	k, err := c.s.lookupKey(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &clientInfo{s: c.s}, nil
	case err != nil:
		return nil, fmt.Errorf("reading key: %w", err)
	}
	return &clientInfo{s: c.s, key: k, known: true}, nil
}

type clientInfo struct {
	s     *Service
	key   store.Key
	known bool
}

func (c *clientInfo) GetID() string     { return c.key.ClientID }
func (c *clientInfo) GetSecret() string { return "" }
func (c *clientInfo) GetDomain() string { return "" }
func (c *clientInfo) IsPublic() bool    { return false }
func (c *clientInfo) GetUserID() string { return "" }

// VerifyPassword checks the Secret ID in constant time (the library would
// compare with != otherwise).
func (c *clientInfo) VerifyPassword(secret string) bool {
	if !c.known {
		secretMatches(nil, secret)
		return false
	}
	return c.s.verifyKeySecret(c.key, secret)
}

// jwtGenerator grants the scope and signs the RFC 9068 access token.
type jwtGenerator struct{ s *Service }

func (g jwtGenerator) Token(ctx context.Context, data *oauth2.GenerateBasic,
	_ bool) (string, string, error) {
	ci, ok := data.Client.(*clientInfo)
	if !ok || !ci.known {
		return "", "", oerrors.ErrInvalidClient
	}
	// The secret is right; failures counted by other instances may still
	// have blocked the Client ID or the address.
	if ex, ok := data.Request.Context().Value(exchangeKey{}).(*tokenExchange); ok {
		if wait := g.s.limiter.sharedWait(ctx, ci.key.ClientID, ex.addr); wait > 0 {
			ex.Header().Set("Retry-After", retryAfter(wait))
			return "", "", errRateLimited
		}
	}
	granted, ok := grantScope(ci.key.Scopes, data.TokenInfo.GetScope())
	if !ok {
		return "", "", oerrors.ErrInvalidScope
	}
	if ex, ok := data.Request.Context().Value(exchangeKey{}).(*tokenExchange); ok {
		ex.key = ci.key
	}
	issued := g.s.now()
	tok, rec, err := g.s.mint(ci.key, granted, issued, g.s.cfg.TokenTTL)
	if err != nil {
		return "", "", err
	}
	data.TokenInfo.SetScope(strings.Join(granted, " "))
	m, ok := data.Request.Context().Value(mintedKey{}).(*mintedToken)
	if !ok {
		return "", "", errors.New("token request without its minted-token slot")
	}
	m.token, m.record = tok, rec
	return tok, "", nil
}

// grantScope returns the granted scopes: all of the key's when none is
// requested, else the requested ones if every one is the key's.
func grantScope(keyScopes []string, requested string) ([]string, bool) {
	if strings.TrimSpace(requested) == "" {
		return keyScopes, true
	}
	want := strings.Fields(requested)
	for _, sc := range want {
		if !slices.Contains(keyScopes, sc) {
			return nil, false
		}
	}
	slices.Sort(want)
	return slices.Compact(want), true
}

// tokenRecorder records each issued token by its hash: one store write of
// the record the generator made with the token.
type tokenRecorder struct{ s *Service }

func (t tokenRecorder) Create(ctx context.Context, info oauth2.TokenInfo) error {
	m, ok := ctx.Value(mintedKey{}).(*mintedToken)
	if !ok || m.token == "" || m.token != info.GetAccess() {
		return errors.New("no minted record for the token being stored")
	}
	if err := t.s.store.SaveToken(ctx, m.record); err != nil {
		return fmt.Errorf("recording token: %w", err)
	}
	return nil
}

var errNotUsed = errors.New("not used by the client-credentials flow")

func (tokenRecorder) RemoveByCode(context.Context, string) error    { return errNotUsed }
func (tokenRecorder) RemoveByAccess(context.Context, string) error  { return errNotUsed }
func (tokenRecorder) RemoveByRefresh(context.Context, string) error { return errNotUsed }
func (tokenRecorder) GetByCode(context.Context, string) (oauth2.TokenInfo, error) {
	return nil, errNotUsed
}
func (tokenRecorder) GetByAccess(context.Context, string) (oauth2.TokenInfo, error) {
	return nil, errNotUsed
}
func (tokenRecorder) GetByRefresh(context.Context, string) (oauth2.TokenInfo, error) {
	return nil, errNotUsed
}
