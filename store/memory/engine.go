package memory

import (
	"errors"
	"slices"
	"sort"
	"sync"

	"github.com/positiveaction/tokens/store/internal/kv"
)

// engine is a kv.Engine made of maps, each with its keys kept sorted for
// ordered scans. One writer at a time; readers share.
type engine struct {
	mu      sync.RWMutex
	buckets map[string]*bucket
	closed  bool
}

type bucket struct {
	values map[string][]byte
	keys   []string // sorted
}

var errClosed = errors.New("memory store is closed")

func newEngine() *engine {
	e := &engine{buckets: make(map[string]*bucket, len(kv.Buckets))}
	for _, name := range kv.Buckets {
		e.buckets[name] = &bucket{values: make(map[string][]byte)}
	}
	return e
}

func (e *engine) View(fn func(kv.Tx) error) error {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.closed {
		return errClosed
	}
	return fn(&tx{e: e})
}

// Update runs fn with an undo log, replayed backwards if fn fails, so a
// failed transaction leaves nothing behind.
func (e *engine) Update(fn func(kv.Tx) error) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return errClosed
	}
	t := &tx{e: e, writable: true}
	if err := fn(t); err != nil {
		for i := len(t.undo) - 1; i >= 0; i-- {
			u := t.undo[i]
			if u.existed {
				e.buckets[u.bucket].put(u.key, u.value)
			} else {
				e.buckets[u.bucket].remove(u.key)
			}
		}
		return err
	}
	return nil
}

func (e *engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.closed = true
	e.buckets = nil
	return nil
}

func (b *bucket) put(key string, value []byte) {
	if _, ok := b.values[key]; !ok {
		i := sort.SearchStrings(b.keys, key)
		b.keys = slices.Insert(b.keys, i, key)
	}
	b.values[key] = value
}

func (b *bucket) remove(key string) {
	if _, ok := b.values[key]; !ok {
		return
	}
	i := sort.SearchStrings(b.keys, key)
	b.keys = slices.Delete(b.keys, i, i+1)
	delete(b.values, key)
}

// tx is one transaction of the engine; the engine's lock is held for it.
type tx struct {
	e        *engine
	writable bool
	undo     []change
}

// change is what a write replaced, so it can be put back.
type change struct {
	bucket, key string
	value       []byte
	existed     bool
}

var errReadOnly = errors.New("write in a read-only transaction")

func (t *tx) bucket(name string) *bucket {
	b, ok := t.e.buckets[name]
	if !ok {
		b = &bucket{values: make(map[string][]byte)}
		t.e.buckets[name] = b
	}
	return b
}

func (t *tx) Get(name string, key []byte) []byte {
	return t.e.buckets[name].lookup(string(key))
}

func (b *bucket) lookup(key string) []byte {
	if b == nil {
		return nil
	}
	return b.values[key]
}

func (t *tx) Put(name string, key, value []byte) error {
	if !t.writable {
		return errReadOnly
	}
	b, k := t.bucket(name), string(key)
	old, existed := b.values[k]
	t.undo = append(t.undo, change{bucket: name, key: k, value: old, existed: existed})
	b.put(k, append(make([]byte, 0, len(value)), value...))
	return nil
}

func (t *tx) Delete(name string, key []byte) error {
	if !t.writable {
		return errReadOnly
	}
	b, k := t.bucket(name), string(key)
	if old, existed := b.values[k]; existed {
		t.undo = append(t.undo, change{bucket: name, key: k, value: old, existed: true})
		b.remove(k)
	}
	return nil
}

func (t *tx) Scan(name string, from []byte, fn func(key, value []byte) bool) error {
	b := t.e.buckets[name]
	if b == nil {
		return nil
	}
	for i := sort.SearchStrings(b.keys, string(from)); i < len(b.keys); i++ {
		k := b.keys[i]
		if !fn([]byte(k), b.values[k]) {
			break
		}
	}
	return nil
}

func (t *tx) Last(name string) []byte {
	b := t.e.buckets[name]
	if b == nil || len(b.keys) == 0 {
		return nil
	}
	return []byte(b.keys[len(b.keys)-1])
}
