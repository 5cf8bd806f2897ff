package memory

import (
	"errors"
	"testing"

	"github.com/positiveaction/tokens/store"
	"github.com/positiveaction/tokens/store/internal/kv"
	"github.com/positiveaction/tokens/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return New(storetest.Options(), nil)
	})
}

func TestFailedUpdateLeavesNothing(t *testing.T) {
	e := newEngine()
	boom := errors.New("boom")
	must(t, e.Update(func(tx kv.Tx) error {
		return tx.Put("keys", []byte("a"), []byte("1"))
	}))
	err := e.Update(func(tx kv.Tx) error {
		for _, step := range []error{
			tx.Put("keys", []byte("a"), []byte("2")),
			tx.Put("keys", []byte("b"), []byte("3")),
			tx.Delete("keys", []byte("a")),
			tx.Put("keys", []byte("a"), []byte("4")),
		} {
			if step != nil {
				return step
			}
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want the error of fn", err)
	}
	must(t, e.View(func(tx kv.Tx) error {
		var keys []string
		_ = tx.Scan("keys", nil, func(k, v []byte) bool {
			keys = append(keys, string(k)+"="+string(v))
			return true
		})
		if len(keys) != 1 || keys[0] != "a=1" {
			t.Errorf("after a failed update the bucket holds %v, want [a=1]", keys)
		}
		return nil
	}))
}

func TestWriteInViewIsRefused(t *testing.T) {
	e := newEngine()
	err := e.View(func(tx kv.Tx) error { return tx.Put("keys", []byte("a"), nil) })
	if err == nil {
		t.Fatal("Put in a read-only transaction succeeded")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
