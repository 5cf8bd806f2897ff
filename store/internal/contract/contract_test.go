package contract

import (
	"testing"
	"time"

	"github.com/positiveaction/tokens/store"
)

func TestLimit(t *testing.T) {
	for _, c := range []struct{ in, want int }{
		{-1, DefaultLimit}, {0, DefaultLimit}, {1, 1}, {MaxLimit, MaxLimit}, {MaxLimit + 1, MaxLimit},
	} {
		if got := Limit(store.Page{Limit: c.in}); got != c.want {
			t.Errorf("Limit(%d) = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestPagerStopsOneItemPastTheLimit(t *testing.T) {
	p := NewPager[int](store.Page{Limit: 2})
	for i := range 5 {
		if full := p.Add(i); full != (i == 2) {
			t.Fatalf("Add(%d) = %v", i, full)
		}
		if i == 2 {
			break
		}
	}
	items, next := p.Page(func(last int) string { return string(rune('a' + last)) })
	if len(items) != 2 || next != "b" {
		t.Errorf("Page = %v, %q; want [0 1], \"b\"", items, next)
	}
	last := NewPager[int](store.Page{Limit: 2})
	last.Add(0)
	if items, next := last.Page(nil); len(items) != 1 || next != "" {
		t.Errorf("last Page = %v, %q; want [0], \"\"", items, next)
	}
}

func TestWithDefaults(t *testing.T) {
	o := WithDefaults(store.Options{})
	if o.OpTimeout != 2*time.Second || o.AuditRetention != 90*24*time.Hour {
		t.Errorf("WithDefaults = %+v", o)
	}
	o = WithDefaults(store.Options{OpTimeout: time.Second, AuditRetention: time.Hour})
	if o.OpTimeout != time.Second || o.AuditRetention != time.Hour {
		t.Errorf("WithDefaults changed set options: %+v", o)
	}
}

func TestChecks(t *testing.T) {
	good := store.Token{ClientID: "c", Hash: []byte{1}, ExpiresAt: time.Now().Add(time.Hour)}
	if err := CheckToken(good); err != nil {
		t.Errorf("CheckToken(good) = %v", err)
	}
	bad := []store.Token{
		{Hash: []byte{1}, ExpiresAt: good.ExpiresAt},
		{ClientID: "c", ExpiresAt: good.ExpiresAt},
		{ClientID: "c", Hash: []byte{1}},
		{ClientID: "c", Hash: []byte{1}, ExpiresAt: time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tk := range bad {
		if CheckToken(tk) == nil {
			t.Errorf("CheckToken(%+v) passed", tk)
		}
	}
	for _, id := range []string{"", "a{b}", "}"} {
		if CheckKey(store.Key{ClientID: id}) == nil {
			t.Errorf("CheckKey with Client ID %q passed", id)
		}
	}
	if CheckWindow("", time.Minute) == nil || CheckWindow("n", 0) == nil {
		t.Error("CheckWindow passed an empty name or a zero window")
	}
}
