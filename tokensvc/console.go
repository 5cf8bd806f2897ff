package tokensvc

import (
	"github.com/go-chi/chi/v5"

	"github.com/positiveaction/tokens/tokensvc/console"
)

// consolePrefix is where the web console lives on the public listener.
const consolePrefix = "/console"

// mountConsole serves the web console: GET /console redirects to /console/,
// the API Keys page, whose scripts call the account key REST on the same
// origin with the token of a console link (see console_links.go).
func (s *Service) mountConsole(r chi.Router) {
	h, err := console.Handler(consolePrefix)
	if err != nil {
		// Only a faulty build gets here: the files are embedded, and the
		// console package's tests load them.
		s.log.Error("web console disabled", "err", err)
		return
	}
	r.Handle(consolePrefix, h)
	r.Handle(consolePrefix+"/*", h)
}
