package gqlgateway

import (
	"errors"
	"fmt"
	"maps"
)

// Error codes the gateway puts in extensions.code. Clients branch on them,
// so they never change meaning.
const (
	CodeUnauthenticated    = "UNAUTHENTICATED"
	CodeForbidden          = "FORBIDDEN"
	CodeInvalidClient      = "INVALID_CLIENT"
	CodeServiceUnavailable = "SERVICE_UNAVAILABLE"
	CodeRateLimited        = "RATE_LIMITED"
	CodeBadUserInput       = "BAD_USER_INPUT"
	CodeNotFound           = "NOT_FOUND"
	CodeConflict           = "CONFLICT"
	CodeInternal           = "INTERNAL_SERVER_ERROR"
	CodeBadRequest         = "BAD_REQUEST"
	CodeParseFailed        = "GRAPHQL_PARSE_FAILED"
	CodeValidationFailed   = "GRAPHQL_VALIDATION_FAILED"
	CodeTooComplex         = "QUERY_TOO_COMPLEX"
	CodePayloadTooLarge    = "PAYLOAD_TOO_LARGE"
	CodeMethodNotAllowed   = "METHOD_NOT_ALLOWED"
	CodeUnsupportedMedia   = "UNSUPPORTED_MEDIA_TYPE"
)

// Error is a resolver error whose message is safe to show to the caller and
// whose Code lands in extensions.code. Resolvers, including those of fields
// added with Config.QueryFields, return it unwrapped: graphql-go finds the
// extensions only by a direct type assertion, and the gateway replaces the
// text of any other error with a generic one so internals never leak.
type Error struct {
	Code    string
	Message string
}

// NewError returns an Error with the given code and safe message.
func NewError(code, message string) *Error { return &Error{Code: code, Message: message} }

// Error returns the safe message, which graphql-go shows as is.
func (e *Error) Error() string { return e.Message }

// Extensions gives graphql-go the error's extensions member.
func (e *Error) Extensions() map[string]any { return map[string]any{"code": e.Code} }

// requestError is a failure before execution: it decides the HTTP status
// and becomes the one entry of "errors", with no "data" member.
type requestError struct {
	status  int
	code    string
	message string
	// header holds extra response headers (Allow, WWW-Authenticate, …).
	header map[string]string
	// details, when set, are the errors sent instead of message alone
	// (validation reports each problem with its location).
	details []wireError
	// reason, when set, says which guard limit refused the request, for
	// gqlgateway_guard_rejections_total (see guard_reason.go).
	reason string
}

func (e *requestError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.status, e.code, e.message)
}

func reqErr(status int, code, format string, args ...any) *requestError {
	return &requestError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

func (e *requestError) with(name, value string) *requestError {
	c := *e
	c.header = maps.Clone(e.header)
	if c.header == nil {
		c.header = make(map[string]string, 1)
	}
	c.header[name] = value
	return &c
}

// because returns a copy of e that counts as a guard rejection for reason.
func (e *requestError) because(reason string) *requestError {
	c := *e
	c.reason = reason
	return &c
}

// errTooComplex is the sentinel behind every limit the guard enforces.
var errTooComplex = errors.New("document exceeds a limit")
