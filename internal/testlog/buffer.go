// Package testlog holds a log sink for tests that capture what servers and
// child processes write from their own goroutines.
package testlog

import (
	"bytes"
	"sync"
)

// Buffer collects output written concurrently (a server's log handler, a
// process's copying goroutines) while a test may read it at any time.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
