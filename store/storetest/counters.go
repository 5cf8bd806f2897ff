package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/positiveaction/tokens/store"
)

func testCounters(t *testing.T, h *harness) {
	t.Run("incr counts from one and count reads the value", func(t *testing.T) {
		s := h.open(t)
		for want := int64(1); want <= 3; want++ {
			got, err := s.Incr(t.Context(), "fails:a", time.Minute)
			must(t, "Incr", err)
			if got != want {
				t.Fatalf("Incr = %d, want %d", got, want)
			}
		}
		wantCount(t, s, "fails:a", 3)
	})

	t.Run("an absent counter counts zero", func(t *testing.T) {
		s := h.open(t)
		wantCount(t, s, "never", 0)
	})

	t.Run("counters are independent", func(t *testing.T) {
		s := h.open(t)
		for range 2 {
			_, err := s.Incr(t.Context(), "a", time.Minute)
			must(t, "Incr", err)
		}
		_, err := s.Incr(t.Context(), "b", time.Minute)
		must(t, "Incr", err)
		wantCount(t, s, "a", 2)
		wantCount(t, s, "b", 1)
	})

	t.Run("concurrent increments lose nothing", func(t *testing.T) {
		s := h.open(t)
		const workers, each = 8, 10
		var (
			mu  sync.Mutex
			got []int64
			wg  sync.WaitGroup
		)
		for range workers {
			wg.Go(func() {
				for range each {
					n, err := s.Incr(t.Context(), "busy", time.Minute)
					if err != nil {
						t.Errorf("Incr: %v", err)
						return
					}
					mu.Lock()
					got = append(got, n)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		slices.Sort(got)
		for i, n := range got {
			if n != int64(i+1) {
				t.Fatalf("Incr results %v are not 1 to %d", got, workers*each)
			}
		}
		wantCount(t, s, "busy", workers*each)
	})

	t.Run("a non-positive window is refused", func(t *testing.T) {
		s := h.open(t)
		if _, err := s.Incr(t.Context(), "x", 0); err == nil {
			t.Fatal("Incr with a zero window succeeded")
		}
	})

	t.Run("the window starts at the first increment and the counter then vanishes",
		func(t *testing.T) {
			s := h.open(t)
			const window = 1200 * time.Millisecond
			_, err := s.Incr(t.Context(), "w", window)
			must(t, "Incr", err)
			// The counter ends by then, however slowly this test runs.
			end := time.Now().Add(window)
			time.Sleep(window / 4)
			n, err := s.Incr(t.Context(), "w", window)
			must(t, "Incr", err)
			if n != 2 {
				t.Fatalf("second Incr within the window = %d, want 2", n)
			}
			eventually(t, window+3*time.Second, func() (bool, string) {
				asked := time.Now()
				n, err := s.Count(t.Context(), "w")
				if n > 0 && asked.After(end) {
					t.Fatalf("Count = %d %s after the window of the first increment ended: "+
						"a later increment extended it", n, asked.Sub(end))
				}
				return err == nil && n == 0, fmt.Sprintf("Count = %d, %v", n, err)
			})
			n, err = s.Incr(t.Context(), "w", window)
			must(t, "Incr", err)
			if n != 1 {
				t.Errorf("Incr after the window = %d, want 1", n)
			}
		})
}

func wantCount(t *testing.T, s store.Store, name string, want int64) {
	t.Helper()
	got, err := s.Count(t.Context(), name)
	must(t, "Count", err)
	if got != want {
		t.Errorf("Count(%q) = %d, want %d", name, got, want)
	}
}

func testSingletons(t *testing.T, h *harness) {
	t.Run("the first value stays and later callers get it", func(t *testing.T) {
		s := h.open(t)
		first := []byte{0, 1, 2, 255}
		got, err := s.PutIfAbsent(t.Context(), "signing-key", first)
		must(t, "PutIfAbsent", err)
		same(t, "first PutIfAbsent", got, first)
		got, err = s.PutIfAbsent(t.Context(), "signing-key", []byte("second"))
		must(t, "PutIfAbsent", err)
		same(t, "second PutIfAbsent", got, first)
	})

	t.Run("names are independent", func(t *testing.T) {
		s := h.open(t)
		a, err := s.PutIfAbsent(t.Context(), "a", []byte("A"))
		must(t, "PutIfAbsent", err)
		b, err := s.PutIfAbsent(t.Context(), "b", []byte("B"))
		must(t, "PutIfAbsent", err)
		if string(a) != "A" || string(b) != "B" {
			t.Errorf("PutIfAbsent = %q, %q; want A, B", a, b)
		}
	})

	t.Run("an empty value is a value", func(t *testing.T) {
		s := h.open(t)
		_, err := s.PutIfAbsent(t.Context(), "e", []byte{})
		must(t, "PutIfAbsent", err)
		got, err := s.PutIfAbsent(t.Context(), "e", []byte("later"))
		must(t, "PutIfAbsent", err)
		if len(got) != 0 {
			t.Errorf("PutIfAbsent after an empty value = %q, want the empty value", got)
		}
	})

	t.Run("concurrent callers agree on one value", func(t *testing.T) {
		s := h.open(t)
		const callers = 10
		results := make([][]byte, callers)
		var wg sync.WaitGroup
		for i := range callers {
			wg.Go(func() {
				v, err := s.PutIfAbsent(t.Context(), "race", []byte{byte(i)})
				if err != nil {
					t.Errorf("PutIfAbsent: %v", err)
				}
				results[i] = v
			})
		}
		wg.Wait()
		for _, r := range results {
			if !bytes.Equal(r, results[0]) || len(r) != 1 || r[0] >= callers {
				t.Fatalf("callers got %v, want one of their values, the same for all", results)
			}
		}
	})
}
