package gqlgateway

import (
	"errors"
	"fmt"
)

// Reasons the pipeline turns a request away before graphql-go sees it: the
// values of the reason label of gqlgateway_guard_rejections_total. The set
// is fixed, so the label stays bounded whatever the traffic.
const (
	rejectBodySize      = "body_size"      // body (or GET query string) over the limit
	rejectNesting       = "nesting"        // brackets or JSON variables nest too deep
	rejectDepth         = "depth"          // fields nest deeper than MaxDepth
	rejectSelections    = "selections"     // more selections than MaxFields
	rejectNodes         = "nodes"          // more arguments, directives, values than MaxNodes
	rejectFragmentCycle = "fragment_cycle" // fragments spread each other in a loop
	rejectNotExecutable = "not_executable" // type-system definitions in a request
	rejectMalformed     = "malformed"      // parts the parser left out
)

// guardReasons lists every reason, so each series starts at zero.
var guardReasons = []string{rejectBodySize, rejectNesting, rejectDepth, rejectSelections,
	rejectNodes, rejectFragmentCycle, rejectNotExecutable, rejectMalformed}

// limitError is a limit the guard enforces, with the reason operators see in
// the metrics. It wraps errTooComplex, and its text is errTooComplex's
// followed by the sentence shown to the caller (see limitMessage).
type limitError struct {
	reason string
	detail string
}

// tooComplex returns a limitError for reason with a caller-safe sentence.
func tooComplex(reason, format string, args ...any) error {
	return &limitError{reason: reason, detail: fmt.Sprintf(format, args...)}
}

func (e *limitError) Error() string { return errTooComplex.Error() + ": " + e.detail }

func (e *limitError) Unwrap() error { return errTooComplex }

// guardReason names why the guard refused a document, or "" when err is not
// one of the guard's refusals (a duplicate fragment name is a plain
// validation error, for instance).
func guardReason(err error) string {
	var le *limitError
	switch {
	case errors.As(err, &le):
		return le.reason
	case errors.Is(err, errFragmentCycle):
		return rejectFragmentCycle
	case errors.Is(err, errNotExecutable):
		return rejectNotExecutable
	case errors.Is(err, errMalformed):
		return rejectMalformed
	}
	return ""
}
