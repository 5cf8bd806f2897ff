package gqlgateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// gqlRequest is a GraphQL-over-HTTP request, decoded and checked.
type gqlRequest struct {
	Query         string
	OperationName string
	Variables     map[string]any
}

// decodeRequest reads a GET or POST request as GraphQL over HTTP says,
// within the body limit. Variables must be a JSON object (or absent or null)
// and nest no deeper than maxNesting.
func decodeRequest(w http.ResponseWriter, r *http.Request, maxBody int64,
	maxNesting int) (gqlRequest, *requestError) {
	if r.Method == http.MethodGet {
		return decodeGet(r, maxBody, maxNesting)
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return gqlRequest{}, reqErr(http.StatusUnsupportedMediaType, CodeUnsupportedMedia,
			"send the request as application/json")
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return gqlRequest{}, reqErr(http.StatusUnsupportedMediaType, CodeUnsupportedMedia,
			"only the utf-8 charset is supported")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return gqlRequest{}, reqErr(http.StatusRequestEntityTooLarge, CodePayloadTooLarge,
				"the request body is larger than %d bytes", maxBody).because(rejectBodySize)
		}
		return gqlRequest{}, reqErr(http.StatusBadRequest, CodeBadRequest,
			"the request body could not be read")
	}
	return decodeBody(body, maxNesting)
}

// decodeBody decodes a POST body: {"query","operationName","variables"}.
func decodeBody(body []byte, maxNesting int) (gqlRequest, *requestError) {
	var wire struct {
		Query         *string         `json:"query"`
		OperationName *string         `json:"operationName"`
		Variables     json.RawMessage `json:"variables"`
	}
	if err := checkJSONNesting(body, maxNesting); err != nil {
		return gqlRequest{}, err
	}
	if err := json.Unmarshal(body, &wire); err != nil {
		return gqlRequest{}, reqErr(http.StatusBadRequest, CodeBadRequest,
			"the body is not a JSON object with a string query")
	}
	req := gqlRequest{}
	if wire.OperationName != nil {
		req.OperationName = *wire.OperationName
	}
	if wire.Query == nil || strings.TrimSpace(*wire.Query) == "" {
		return gqlRequest{}, reqErr(http.StatusBadRequest, CodeBadRequest, "query is required")
	}
	req.Query = *wire.Query
	vars, rerr := decodeVariables(wire.Variables)
	if rerr != nil {
		return gqlRequest{}, rerr
	}
	req.Variables = vars
	return req, nil
}

func decodeGet(r *http.Request, maxBody int64, maxNesting int) (gqlRequest, *requestError) {
	if int64(len(r.URL.RawQuery)) > maxBody {
		return gqlRequest{}, reqErr(http.StatusRequestURITooLong, CodePayloadTooLarge,
			"the query string is longer than %d bytes", maxBody).because(rejectBodySize)
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return gqlRequest{}, reqErr(http.StatusBadRequest, CodeBadRequest,
			"the query string is malformed")
	}
	req := gqlRequest{Query: q.Get("query"), OperationName: q.Get("operationName")}
	if strings.TrimSpace(req.Query) == "" {
		return gqlRequest{}, reqErr(http.StatusBadRequest, CodeBadRequest, "query is required")
	}
	if v := q.Get("variables"); v != "" {
		raw := []byte(v)
		if err := checkJSONNesting(raw, maxNesting); err != nil {
			return gqlRequest{}, err
		}
		vars, rerr := decodeVariables(raw)
		if rerr != nil {
			return gqlRequest{}, rerr
		}
		req.Variables = vars
	}
	return req, nil
}

// decodeVariables accepts a JSON object, or nothing, or null.
func decodeVariables(raw json.RawMessage) (map[string]any, *requestError) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	notObject := reqErr(http.StatusBadRequest, CodeBadRequest, "variables must be a JSON object")
	if raw[0] != '{' {
		return nil, notObject
	}
	var vars map[string]any
	if err := json.Unmarshal(raw, &vars); err != nil {
		return nil, notObject
	}
	return vars, nil
}

// checkJSONNesting fails when JSON nests objects and arrays deeper than max.
// graphql-go coerces variables recursively, so their depth is bounded like
// the document's.
func checkJSONNesting(b []byte, max int) *requestError {
	depth, inString := 0, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			if depth > max {
				return reqErr(http.StatusBadRequest, CodeTooComplex,
					"the JSON nests deeper than %d", max).because(rejectNesting)
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}
