package gqlgateway

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// appendOrdered appends v, a value of graphql-go's result (maps, []any and
// serialized scalars), as JSON, writing each object's members in the order
// o gives. Values of other types (custom scalars) go through encoding/json.
// The depth of v is bounded by the query's, which the guard has bounded.
func appendOrdered(buf []byte, v any, o *fieldOrder) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(buf, "null"...), nil
	case string:
		return appendJSONString(buf, v), nil
	case bool:
		return strconv.AppendBool(buf, v), nil
	case int:
		return strconv.AppendInt(buf, int64(v), 10), nil
	case map[string]any:
		return appendObject(buf, v, o)
	case []any:
		buf = append(buf, '[')
		for i, item := range v {
			if i > 0 {
				buf = append(buf, ',')
			}
			var err error
			if buf, err = appendOrdered(buf, item, o); err != nil {
				return buf, err
			}
		}
		return append(buf, ']'), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return buf, fmt.Errorf("encoding a %T result: %w", v, err)
	}
	return append(buf, b...), nil
}

// appendObject writes m's members in o's order. Members o does not know
// (there should be none) follow in name order, so nothing is ever lost.
func appendObject(buf []byte, m map[string]any, o *fieldOrder) ([]byte, error) {
	if o == nil {
		o = &fieldOrder{}
	}
	buf = append(buf, '{')
	written := 0
	var err error
	for i, k := range o.keys {
		v, ok := m[k]
		if !ok {
			continue // skipped, or a fragment that did not apply
		}
		if written > 0 {
			buf = append(buf, ',')
		}
		written++
		buf = append(appendJSONString(buf, k), ':')
		var sub *fieldOrder
		if o.sub != nil {
			sub = o.sub[i]
		}
		if buf, err = appendOrdered(buf, v, sub); err != nil {
			return buf, err
		}
	}
	if written < len(m) {
		var rest []string
		for k := range m {
			if !slices.Contains(o.keys, k) {
				rest = append(rest, k)
			}
		}
		slices.Sort(rest)
		for _, k := range rest {
			if written > 0 {
				buf = append(buf, ',')
			}
			written++
			buf = append(appendJSONString(buf, k), ':')
			if buf, err = appendOrdered(buf, m[k], nil); err != nil {
				return buf, err
			}
		}
	}
	return append(buf, '}'), nil
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string (RFC 8259 §7). Like
// encoding/json it escapes <, > and & (so a response can never be sniffed
// as HTML), U+2028 and U+2029, and replaces invalid UTF-8 with U+FFFD.
func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch c {
			case '"', '\\':
				buf = append(buf, '\\', c)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			buf = append(append(buf, s[start:i]...), `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			buf = append(append(buf, s[start:i]...), '\\', 'u', '2', '0', '2',
				hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(append(buf, s[start:]...), '"')
}

// maxPooledBuffer bounds the buffers kept for reuse, so one huge answer does
// not pin its memory for good.
const maxPooledBuffer = 64 << 10

var responseBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// encodeExecuted encodes an executed answer: "errors" first when there are
// any (the spec suggests it, for readers), then "data" in query order. The
// caller hands the buffer back with releaseBuffer once it is written.
func encodeExecuted(errs []wireError, data any, o *fieldOrder) (*[]byte, error) {
	bp := responseBuffers.Get().(*[]byte)
	buf := append((*bp)[:0], '{')
	if len(errs) > 0 {
		b, err := json.Marshal(errs)
		if err != nil {
			releaseBuffer(bp)
			return nil, fmt.Errorf("encoding errors: %w", err)
		}
		buf = append(append(append(buf, `"errors":`...), b...), ',')
	}
	buf = append(buf, `"data":`...)
	buf, err := appendOrdered(buf, data, o)
	if err != nil {
		releaseBuffer(bp)
		return nil, err
	}
	*bp = append(buf, '}')
	return bp, nil
}

func releaseBuffer(bp *[]byte) {
	if cap(*bp) <= maxPooledBuffer {
		responseBuffers.Put(bp)
	}
}
