package e2e

// Background load for the scale tests, and how its answers are judged:
// success, a clear 503, or wrong.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/positiveaction/tokens/internal/testenv"
	"github.com/positiveaction/tokens/tokensvc/client"
)

// scaleTally sorts the answers of a background loop: successes, clear 503s and
// anything else, which is a wrong answer.
type scaleTally struct {
	mu       sync.Mutex
	ok, busy int
	wrong    []string
	// tokens are the tokens issued (200) meanwhile.
	tokens []string
}

func (c *scaleTally) add(ok bool, wrong string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case wrong != "":
		if len(c.wrong) < 20 {
			c.wrong = append(c.wrong, wrong)
		}
	case ok:
		c.ok++
	default:
		c.busy++
	}
}

func (c *scaleTally) issued(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tokens = append(c.tokens, tok)
}

func (c *scaleTally) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return fmt.Sprintf("%d succeeded, %d clear 503, %d wrong", c.ok, c.busy, len(c.wrong))
}

// tokenAnswer classifies the answer of issue: a token, or a 503
// temporarily_unavailable with Retry-After; nothing else.
func tokenAnswer(tok string, err error) (ok bool, wrong string) {
	var e *client.Error
	switch {
	case err == nil && tok != "":
		return true, ""
	case errors.As(err, &e) && e.Status == http.StatusServiceUnavailable &&
		e.Code == "temporarily_unavailable" && e.RetryAfter > 0:
		return false, ""
	}
	return false, fmt.Sprintf("token endpoint: %v", err)
}

// viewerAnswer classifies a gateway's viewer answer for a live token of
// key: its identity, or a 503 SERVICE_UNAVAILABLE without data.
func viewerAnswer(a answer, key testenv.Key) (ok bool, wrong string) {
	switch {
	case a.status == 200 && strings.Contains(a.raw, key.ClientID):
		return true, ""
	case a.status == 503 && a.code() == "SERVICE_UNAVAILABLE" && !a.hasData():
		return false, ""
	}
	return false, fmt.Sprintf("viewer: %d %s", a.status, a.raw)
}

// postQuiet is gateway.post without failing the test, for background
// loops.
func (g *gateway) postQuiet(tok, query string) answer {
	body := fmt.Sprintf(`{"query":%q}`, query)
	req, err := http.NewRequest(http.MethodPost, g.url+"/graphql", strings.NewReader(body))
	if err != nil {
		return answer{status: -1, raw: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := scaleClient.Do(req)
	if err != nil {
		return answer{status: -1, raw: err.Error()}
	}
	defer resp.Body.Close()
	return scaleDecode(resp)
}

// scaleDecode reads a gateway's answer without failing the test.
func scaleDecode(resp *http.Response) answer {
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{status: -1, raw: err.Error()}
	}
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if len(raw) > 0 && json.Unmarshal(raw, &a.body) != nil {
		a.status = -1 // not JSON: wrong whatever the status
	}
	return a
}

// guessEvery spaces load's wrong Secret IDs so the failure count of the
// test's one address stays far below its limit.
const guessEvery = 200 * time.Millisecond

// guessAnswer classifies the answer to a wrong Secret ID: a refusal (401,
// or 429 once the key's failure limit is reached) or a clear 503; a token
// would be the worst wrong answer.
func guessAnswer(err error) (ok bool, wrong string) {
	var e *client.Error
	if errors.As(err, &e) {
		switch {
		case e.Status == http.StatusUnauthorized && e.Code == "invalid_client",
			e.Status == http.StatusTooManyRequests && e.RetryAfter > 0:
			return true, ""
		case e.Status == http.StatusServiceUnavailable && e.Code == "temporarily_unavailable":
			return false, ""
		}
	}
	return false, fmt.Sprintf("a wrong Secret ID: %v", err)
}

// load sends token requests and viewer queries to every instance in turn,
// for each key (whose live token is toks[i]), and now and then a wrong
// Secret ID for f.guessed, until stop is closed, and sorts the answers.
// Tokens it obtains are kept in the tally.
func (f *fleet) load(keys []testenv.Key, toks []string, stop <-chan struct{}) (*scaleTally,
	<-chan struct{}) {
	c := &scaleTally{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var guessed time.Time
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			if time.Since(guessed) >= guessEvery {
				guessed = time.Now()
				_, err := scaleIssue(f.ts[n%len(f.ts)].URL, wrongSecret(f.guessed))
				c.add(guessAnswer(err))
			}
			for i, k := range keys {
				tok, err := scaleIssue(f.ts[n%len(f.ts)].URL, k)
				c.add(tokenAnswer(tok, err))
				if err == nil {
					c.issued(tok)
				}
				c.add(viewerAnswer(f.gws[n%len(f.gws)].postQuiet(toks[i], "{viewer{clientId}}"),
					k))
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	return c, done
}
