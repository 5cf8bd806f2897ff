// Package memory is the in-memory backend, for memory: store URLs, the
// -dev mode and tests. It keeps every record in maps guarded by one lock,
// hides expired records on read and sweeps them once a minute; events fan
// out within the process. Nothing survives Close.
//
// It shares all of its logic with the file backend (store/bolt) through
// store/internal/kv; only where the bytes live differs.
package memory

import (
	"log/slog"

	"github.com/positiveaction/tokens/store"
	"github.com/positiveaction/tokens/store/internal/kv"
)

// New returns an empty in-memory store. logger receives background sweep
// failures and may be nil.
func New(opts store.Options, logger *slog.Logger) store.Store {
	return kv.New(newEngine(), kv.Config{Options: opts, Logger: logger})
}
