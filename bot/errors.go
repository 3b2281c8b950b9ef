package bot

import (
	"errors"
	"fmt"
)

// Refusal is a handler's answer that refuses what a person asked: a
// catalogue message id and its arguments, rendered by the core in the
// person's language. It is an expected outcome, not a failure, and is not
// logged as one.
type Refusal struct {
	ID   string
	Args []any
}

// Refuse returns a Refusal with message id and key/value arguments, as
// Request.T takes them.
func Refuse(id string, kv ...any) error { return &Refusal{ID: id, Args: kv} }

func (e *Refusal) Error() string { return fmt.Sprintf("refused: %s %v", e.ID, e.Args) }

// AsRefusal returns the refusal err carries, if any.
func AsRefusal(err error) (*Refusal, bool) {
	var ref *Refusal
	ok := errors.As(err, &ref)
	return ref, ok
}
