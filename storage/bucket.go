package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Bucket is a typed bucket of records of type T, one per aggregate. It is a
// name and a type: declare one as a package variable next to the code that
// owns the records.
type Bucket[T any] struct{ name string }

// NewBucket names a bucket.
func NewBucket[T any](name string) Bucket[T] { return Bucket[T]{name: name} }

// Name returns the bucket's name.
func (b Bucket[T]) Name() string { return b.name }

// encode and decode are the one place records become bytes.
func encode(v any) ([]byte, error) { return json.Marshal(v) }

func decode(data []byte, v any) error { return json.Unmarshal(data, v) }

// Get reads the record at key; the error wraps ErrNotFound when absent.
func (b Bucket[T]) Get(tx *Tx, ws, key string) (T, error) {
	var v T
	bk, err := tx.bucket(ws, b.name)
	if err != nil {
		return v, err
	}
	var data []byte
	if bk != nil {
		data = bk.Get([]byte(key))
	}
	if data == nil {
		return v, fmt.Errorf("%s %q: %w", b.name, key, ErrNotFound)
	}
	if err := decode(data, &v); err != nil {
		return v, fmt.Errorf("%s %q: decode: %w", b.name, key, err)
	}
	return v, nil
}

// Has reports whether key exists; a bucket that cannot be read is an
// error, not "absent".
func (b Bucket[T]) Has(tx *Tx, ws, key string) (bool, error) {
	bk, err := tx.bucket(ws, b.name)
	if err != nil {
		return false, err
	}
	return bk != nil && bk.Get([]byte(key)) != nil, nil
}

// Put writes the record at key.
func (b Bucket[T]) Put(tx *Tx, ws, key string, v T) error {
	bk, err := tx.bucket(ws, b.name)
	if err != nil {
		return err
	}
	data, err := encode(v)
	if err != nil {
		return fmt.Errorf("%s %q: encode: %w", b.name, key, err)
	}
	return bk.Put([]byte(key), data)
}

// Delete removes key; deleting a missing key is not an error.
func (b Bucket[T]) Delete(tx *Tx, ws, key string) error {
	bk, err := tx.bucket(ws, b.name)
	if err != nil || bk == nil {
		return err
	}
	return bk.Delete([]byte(key))
}

// Scan calls fn for each record whose key has the prefix, in key order,
// until fn returns an error. Stop with ErrStop to end early without error.
func (b Bucket[T]) Scan(tx *Tx, ws, prefix string, fn func(key string, v T) error) error {
	return b.Range(tx, ws, prefix, prefixEnd(prefix), fn)
}

// Range calls fn for each record with from ≤ key < to (to "" = no end).
func (b Bucket[T]) Range(tx *Tx, ws, from, to string, fn func(key string, v T) error) error {
	bk, err := tx.bucket(ws, b.name)
	if err != nil || bk == nil {
		return err
	}
	c := bk.Cursor()
	for k, data := c.Seek([]byte(from)); k != nil; k, data = c.Next() {
		if to != "" && bytes.Compare(k, []byte(to)) >= 0 {
			break
		}
		var v T
		if err := decode(data, &v); err != nil {
			return fmt.Errorf("%s %q: decode: %w", b.name, k, err)
		}
		if err := fn(string(k), v); err != nil {
			if err == ErrStop {
				return nil
			}
			return err
		}
	}
	return nil
}

// All returns every record of the workspace in key order.
func (b Bucket[T]) All(tx *Tx, ws string) ([]T, error) {
	var out []T
	err := b.Scan(tx, ws, "", func(_ string, v T) error {
		out = append(out, v)
		return nil
	})
	return out, err
}

// ErrStop ends a Scan or Range early without error.
var ErrStop = fmt.Errorf("stop scan")

func prefixEnd(prefix string) string {
	p := []byte(prefix)
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] < 0xff {
			p[i]++
			return string(p[:i+1])
		}
	}
	return ""
}

// Lookup reads the record at key and reports whether it exists: a missing
// key is (zero, false, nil); a record that cannot be read or decoded is an
// error, never "absent".
func (b Bucket[T]) Lookup(tx *Tx, ws, key string) (T, bool, error) {
	v, err := b.Get(tx, ws, key)
	switch {
	case err == nil:
		return v, true, nil
	case errors.Is(err, ErrNotFound):
		return v, false, nil
	default:
		return v, false, err
	}
}

// Count returns how many keys have the prefix, without decoding a record:
// O(matching keys).
func (b Bucket[T]) Count(tx *Tx, ws, prefix string) (int, error) {
	bk, err := tx.bucket(ws, b.name)
	if err != nil || bk == nil {
		return 0, err
	}
	n := 0
	c := bk.Cursor()
	for k, _ := c.Seek([]byte(prefix)); k != nil && bytes.HasPrefix(k, []byte(prefix)); k, _ = c.Next() {
		n++
	}
	return n, nil
}

// Keys returns the keys k with from ≤ k < to (to "" = no end) in order,
// without decoding a record.
func (b Bucket[T]) Keys(tx *Tx, ws, from, to string) ([]string, error) {
	bk, err := tx.bucket(ws, b.name)
	if err != nil || bk == nil {
		return nil, err
	}
	var out []string
	c := bk.Cursor()
	for k, _ := c.Seek([]byte(from)); k != nil; k, _ = c.Next() {
		if to != "" && bytes.Compare(k, []byte(to)) >= 0 {
			break
		}
		out = append(out, string(k))
	}
	return out, nil
}
