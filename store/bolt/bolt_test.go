package bolt

import (
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/positiveaction/tokens/store"
	"github.com/positiveaction/tokens/store/storetest"
)

func TestConformance(t *testing.T) {
	var paths sync.Map // store.Store -> file path, for Reopen
	open := func(t *testing.T, path string) store.Store {
		t.Helper()
		s, err := Open(path, storetest.Options(), nil)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		paths.Store(s, path)
		return s
	}
	storetest.RunBackend(t, storetest.Backend{
		Open: func(t *testing.T) store.Store {
			return open(t, filepath.Join(t.TempDir(), "tokens.db"))
		},
		Reopen: func(t *testing.T, s store.Store) store.Store {
			path, ok := paths.Load(s)
			if !ok {
				t.Fatal("Reopen of a store this test did not open")
			}
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			return open(t, path.(string))
		},
	})
}

func TestLockedFileNamesThePath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "locked.db")
	first, err := Open(path, store.Options{}, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer first.Close()

	const wait = 200 * time.Millisecond
	start := time.Now()
	second, err := Open(path, store.Options{OpTimeout: wait}, nil)
	if err == nil {
		second.Close()
		t.Fatal("a second Open of a locked file succeeded")
	}
	if took := time.Since(start); took > wait+2*time.Second {
		t.Errorf("Open of a locked file took %s, want about %s", took, wait)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "locked") {
		t.Errorf("error %q does not name the path %s and the lock", err, path)
	}
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("error %v does not wrap ErrUnavailable", err)
	}
}

func TestUnwritablePathNamesThePath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "dir", "tokens.db")
	_, err := Open(path, store.Options{}, nil)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open in a missing directory = %v, want an error naming %s", err, path)
	}
}
