package gqlgateway

import "net/http"

// writeExecuted sends the answer of an executed operation, "data" in the
// order of the query's selection set, and records the code that decided it
// for the request log and metrics.
func (g *Gateway) writeExecuted(w http.ResponseWriter, r *http.Request, status int,
	body executedBody, doc *document, vars map[string]any) {
	info := infoFrom(r.Context())
	order := doc.order
	if order == nil {
		order = requestOrder(doc.ast, doc.op, vars)
	}
	bp, err := encodeExecuted(body.Errors, body.Data, order)
	if err != nil {
		g.log.ErrorContext(r.Context(), "cannot encode a result", "err", err)
		info.answered(CodeInternal)
		writeBytes(w, r, http.StatusInternalServerError, internalErrorBody())
		return
	}
	info.answered(resultCode(body.Errors, status))
	writeBytes(w, r, status, *bp)
	releaseBuffer(bp)
}

// resultCode is the code that stands for an executed answer: the one that
// set its HTTP status, else the first error's, else "" for a clean success.
func resultCode(errs []wireError, status int) string {
	switch status {
	case http.StatusServiceUnavailable:
		return CodeServiceUnavailable
	case http.StatusTooManyRequests:
		return CodeRateLimited
	}
	if len(errs) == 0 {
		return ""
	}
	code, _ := errs[0].Extensions["code"].(string)
	return code
}
