package gctune

import (
	"os"
	"runtime/debug"
	"testing"
)

func TestApply(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for _, tc := range []struct {
		gogc string
		set  bool
		want int
	}{
		{"", false, DefaultPercent},
		{"150", true, 150},
		{"off", true, -1},
	} {
		t.Setenv("GOGC", tc.gogc) // restored after the test
		if !tc.set {
			if err := os.Unsetenv("GOGC"); err != nil {
				t.Fatal(err)
			}
		} else {
			debug.SetGCPercent(tc.want) // what the runtime read from GOGC at start
		}
		if got := Apply(); got != tc.want {
			t.Errorf("GOGC=%q: Apply() = %d, want %d", tc.gogc, got, tc.want)
		}
		if got := debug.SetGCPercent(tc.want); got != tc.want {
			t.Errorf("GOGC=%q: percent in effect %d, want %d", tc.gogc, got, tc.want)
		}
	}
}
