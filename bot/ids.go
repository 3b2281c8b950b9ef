package bot

import (
	"fmt"
	"slices"
	"strings"
)

// IDCodec builds and reads the ids of one kind of control or form: its
// registered prefix, then its fields, each after a ":" ("withdraw:H0001",
// "jury-score:kipina-2017:H0002"). Building and parsing live together, so
// a handler reads typed fields instead of r.Args[2]. Ids stay within
// chat.MaxIDLen.
type IDCodec[T any] struct {
	prefix string
	fields int
	encode func(T) []string
	decode func([]string) (T, bool)
}

// NewIDCodec returns the codec of prefix with n fields. decode is called
// only with n non-empty fields and reports whether they are well formed.
func NewIDCodec[T any](prefix string, n int, encode func(T) []string, decode func([]string) (T, bool)) IDCodec[T] {
	return IDCodec[T]{prefix: prefix, fields: n, encode: encode, decode: decode}
}

// StringID is the codec of an id with one field (an application or event
// id).
func StringID(prefix string) IDCodec[string] {
	return NewIDCodec(prefix, 1, func(s string) []string { return []string{s} },
		func(f []string) (string, bool) { return f[0], true })
}

// Prefix is what the router registers.
func (c IDCodec[T]) Prefix() string { return c.prefix }

// ID builds the id of v. It panics on a field holding ":", which would be
// read back as two: ids are built from ids the bot made, never from text a
// person typed.
func (c IDCodec[T]) ID(v T) string {
	fields := c.encode(v)
	for _, f := range fields {
		if strings.Contains(f, ":") {
			panic(fmt.Sprintf("id %s: field %q holds ':'", c.prefix, f))
		}
	}
	return strings.Join(append([]string{c.prefix}, fields...), ":")
}

// Of reads the fields of the request's action or form id. A malformed id
// (an old button, a forged click) is refused as stale.
func (c IDCodec[T]) Of(r *Request) (T, error) {
	prefix, rest, ok := strings.Cut(r.Name, ":")
	var zero T
	if !ok || prefix != c.prefix {
		return zero, Refuse("error.stale")
	}
	fields := strings.Split(rest, ":")
	if len(fields) != c.fields || slices.Contains(fields, "") {
		return zero, Refuse("error.stale")
	}
	v, ok := c.decode(fields)
	if !ok {
		return zero, Refuse("error.stale")
	}
	return v, nil
}
