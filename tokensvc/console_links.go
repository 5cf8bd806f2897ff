package tokensvc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/positiveaction/tokens/store"
)

// A console session is an access token of an internal key, one per account,
// whose Client ID is "console-<account>". It has no secret (so it can never
// use the token endpoint), holds keys:manage and the default key scopes, and
// is hidden from key listings. Revoking an account's tokens signs its
// console sessions out too.

// ConsoleLink is a sign-in link for the web console.
type ConsoleLink struct {
	URL       string
	ExpiresAt time.Time
}

// MintConsoleLink makes a short-lived console link for one account. The
// token travels in the URL fragment, which browsers never send to servers.
func (s *Service) MintConsoleLink(ctx context.Context, account string) (ConsoleLink, error) {
	if err := validateAccount(account); err != nil {
		return ConsoleLink{}, err
	}
	k, err := s.consoleKey(ctx, account)
	if err != nil {
		return ConsoleLink{}, err
	}
	issued := s.now()
	tok, rec, err := s.mint(k, k.Scopes, issued, s.cfg.ConsoleLinkTTL)
	if err != nil {
		return ConsoleLink{}, err
	}
	if err := s.store.SaveToken(ctx, rec); err != nil {
		return ConsoleLink{}, fmt.Errorf("recording console token: %w", err)
	}
	url := strings.TrimRight(s.cfg.ConsoleBaseURL, "/") + "/console/#token=" + tok
	return ConsoleLink{URL: url, ExpiresAt: rec.ExpiresAt}, nil
}

func (s *Service) consoleKey(ctx context.Context, account string) (store.Key, error) {
	id := consoleKeyPrefix + account
	k, err := s.store.GetKey(ctx, id)
	if err == nil {
		return k, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return store.Key{}, fmt.Errorf("reading console key: %w", err)
	}
	scopes, err := normalizeScopes(append([]string{ScopeKeysManage}, s.cfg.DefaultKeyScopes...))
	if err != nil {
		return store.Key{}, err
	}
	k = store.Key{
		ClientID:  id,
		Name:      "Web console",
		Account:   account,
		Scopes:    scopes,
		CreatedAt: s.now(),
	}
	err = s.store.CreateKey(ctx, k)
	if errors.Is(err, store.ErrAlreadyExists) {
		return s.store.GetKey(ctx, id)
	}
	if err != nil {
		return store.Key{}, fmt.Errorf("creating console key: %w", err)
	}
	return k, nil
}

type consoleLinkBody struct {
	Account string `json:"account"`
}

// adminConsoleLink is POST /admin/console-links {"account"}.
func (s *Service) adminConsoleLink(w http.ResponseWriter, r *http.Request) {
	var body consoleLinkBody
	if !decodeJSON(w, r, &body) {
		return
	}
	link, err := s.MintConsoleLink(r.Context(), body.Account)
	if err != nil {
		s.writeServiceError(w, r, err)
		return
	}
	s.recordAudit(r, adminActor, "console_link.mint", body.Account, "", "expires "+link.ExpiresAt.Format(time.RFC3339))
	writeJSON(w, http.StatusCreated, map[string]any{"url": link.URL, "expiresAt": link.ExpiresAt.UTC()})
}
