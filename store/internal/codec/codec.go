// Package codec turns store records into compact bytes and back. Every
// backend stores the same bytes, so a record reads alike whichever backend
// wrote it, and round-trips exactly: times come back in UTC to the
// nanosecond (zero times stay zero), and empty slices come back nil.
//
// Records do not repeat what the storage key already holds (a key's Client
// ID, a token's Client ID and hash, an audit entry's ID). Decoding never
// panics: truncated, oversized or trailing data is reported as ErrCorrupt.
package codec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// ErrCorrupt means stored bytes are not a record this package wrote.
var ErrCorrupt = errors.New("corrupt record")

// appendString writes s with its length in front.
func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendBytes writes v with its length in front.
func appendBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// appendStrings writes the count of ss and then each string.
func appendStrings(b []byte, ss []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(ss)))
	for _, s := range ss {
		b = appendString(b, s)
	}
	return b
}

// AppendTime writes t as whole seconds and nanoseconds since the Unix epoch,
// which covers every time.Time, the zero time included.
func AppendTime(b []byte, t time.Time) []byte {
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

// DecodeTime reads a time written alone by AppendTime.
func DecodeTime(b []byte) (time.Time, error) {
	r := reader{b: b}
	t := r.time()
	return t, r.finish()
}

// reader consumes an encoded record; the first problem sticks in err and
// every later read returns zero values.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
	}
}

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) == 0 {
		r.fail("truncated")
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) fixed(n int) []byte {
	if r.err != nil {
		return nil
	}
	if len(r.b) < n {
		r.fail("truncated")
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) uint64be() uint64 {
	if v := r.fixed(8); v != nil {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("bad unsigned number")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("bad signed number")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// length reads a length and checks that at least that many bytes follow,
// so a corrupt length cannot trigger a huge allocation.
func (r *reader) length() int {
	n := r.uvarint()
	if r.err == nil && n > uint64(len(r.b)) {
		r.fail("length %d exceeds the %d bytes left", n, len(r.b))
		return 0
	}
	return int(n)
}

func (r *reader) string() string {
	return string(r.fixed(r.length()))
}

// bytes returns a copy, nil when empty, so callers never alias storage.
func (r *reader) bytes() []byte {
	v := r.fixed(r.length())
	if len(v) == 0 {
		return nil
	}
	return bytes.Clone(v)
}

// strings returns nil for an empty list.
func (r *reader) strings() []string {
	n := r.length() // every string takes at least one byte
	if n == 0 {
		return nil
	}
	ss := make([]string, n)
	for i := range ss {
		ss[i] = r.string()
	}
	if r.err != nil {
		return nil
	}
	return ss
}

func (r *reader) time() time.Time {
	sec := r.varint()
	nsec := r.uvarint()
	if r.err != nil {
		return time.Time{}
	}
	if nsec >= uint64(time.Second) {
		r.fail("nanoseconds %d out of range", nsec)
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}

// finish reports the first problem, or trailing bytes nobody read.
func (r *reader) finish() error {
	if r.err == nil && len(r.b) > 0 {
		r.fail("%d trailing bytes", len(r.b))
	}
	return r.err
}

// version checks the leading format byte of a record.
func (r *reader) version(want byte) {
	if v := r.byte(); r.err == nil && v != want {
		r.fail("unknown format %d", v)
	}
}
