// Package gctune sets the garbage collector's default for the services'
// binaries.
package gctune

import (
	"os"
	"runtime/debug"
)

// DefaultPercent is the heap growth, in percent of the live heap, that
// starts a collection when GOGC is not set. Both services keep a live heap
// of about 10 MB under load and allocate per request, so Go's default of
// 100 spends 5–10% of their CPU collecting; at 400 the resident size stays
// under 60 MB at full load (scripts/bench) and the collector's share is a
// quarter of that. GOGC and GOMEMLIMIT in the environment still rule.
const DefaultPercent = 400

// Apply sets DefaultPercent unless GOGC is set, and returns the percent in
// effect (-1: collection off).
func Apply() int {
	if _, set := os.LookupEnv("GOGC"); set {
		current := debug.SetGCPercent(100)
		debug.SetGCPercent(current)
		return current
	}
	debug.SetGCPercent(DefaultPercent)
	return DefaultPercent
}
