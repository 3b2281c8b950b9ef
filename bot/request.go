package bot

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/reqid"
	"github.com/kipina/kipina/storage"
)

// Request is one event on its way through the router, with who sent it,
// their roles and language.
type Request struct {
	Env    *Env
	Event  chat.Event
	Origin chat.Origin
	User   chat.UserRef
	WS     *Workspace
	// Lang is the language to answer in.
	Lang  string
	Roles Roles
	// Name is the command's, action's or form's id; Args the command's
	// arguments after its name, or the id's part after the prefix.
	Name string
	Args []string
	// ID is the request's id (package reqid): logged as "req" on the
	// request's log line, carried in the handler's context, and stored
	// with every outbox message the request's transactions enqueue.
	ID string
}

// Log returns the logger with the request's id (req=ID): for a handler's
// own log lines.
func (r *Request) Log() *slog.Logger { return r.Env.Log.With(reqid.Key, r.ID) }

// T returns a message in the request's language.
func (r *Request) T(id string, kv ...any) string { return r.Env.Cat.T(r.Lang, id, kv...) }

// Now returns the bot's clock reading.
func (r *Request) Now() time.Time { return r.Env.Now() }

// Reply answers privately with a message from the locale files.
func (r *Request) Reply(id string, kv ...any) (chat.Response, error) {
	return chat.Response{Reply: &chat.Message{Text: r.T(id, kv...)}}, nil
}

// ReplyText answers privately with text already in the user's language.
func (r *Request) ReplyText(text string) (chat.Response, error) {
	return chat.Response{Reply: &chat.Message{Text: text}}, nil
}

// Respond returns resp with no error: for handlers that build their own
// answer (a form, an update of the clicked message).
func Respond(resp chat.Response) (chat.Response, error) { return resp, nil }

// internal is the one polite answer to a failure.
func (r *Request) internal() chat.Response {
	return chat.Response{Reply: &chat.Message{Text: r.T("error.internal")}}
}

// FieldErrors turns problems into an answer that keeps the form open with
// an error per field, in the user's language.
func (r *Request) FieldErrors(p map[string]chat.Problem) (chat.Response, error) {
	errs := make(map[string]string, len(p))
	for field, pr := range p {
		kv := make([]any, 0, 2*len(pr.Data))
		for k, v := range pr.Data {
			kv = append(kv, k, v)
		}
		errs[field] = r.T(pr.ID, kv...)
	}
	return chat.Response{Errors: errs}, nil
}

// Values returns a form submission's values (nil for other events).
func (r *Request) Values() map[string]string {
	if f, ok := r.Event.(*chat.FormSubmit); ok {
		return f.Values
	}
	return nil
}

// Update runs fn in a store transaction; messages it enqueued carry the
// request's id and are delivered once it commits.
func (r *Request) Update(fn func(tx *storage.Tx) error) error {
	return r.Env.Update(func(tx *storage.Tx) error { return fn(tx.ForRequest(r.ID)) })
}

// Batch is Update through the store's group commit (Env.Batch): fn may
// run more than once and must be idempotent within its transaction.
func (r *Request) Batch(fn func(tx *storage.Tx) error) error {
	return r.Env.Batch(func(tx *storage.Tx) error { return fn(tx.ForRequest(r.ID)) })
}

// Audit records who did what to subject, in tx.
func (r *Request) Audit(tx *storage.Tx, action, subject, detail string) error {
	return tx.Audit(r.WS.ID, storage.AuditEntry{Who: r.User.String(), Action: action, Subject: subject, Detail: detail})
}

// SendFile enqueues msg, which carries a file (a chart), to the person who
// asked, in a direct message, under the outbox key ws/parts…/user/hash:
// parts name what is sent (e.g. "chart", "results", the event) and hash is
// of the file and text, so asking again for the same sends nothing twice
// while changed content is sent. Where the asker's platform takes no files
// (no chat.FileUploader) nothing is enqueued and SendFile returns false:
// the text answer is all they get. The error is a failed store write.
func (r *Request) SendFile(msg chat.Message, parts ...string) (bool, error) {
	if msg.File == nil {
		return false, errors.New("send file: the message has no file")
	}
	p, ok := r.Env.Platform(r.User.Platform)
	if !ok {
		return false, nil
	}
	if _, can := p.(chat.FileUploader); !can {
		return false, nil
	}
	h := sha256.New()
	h.Write(msg.File.Content)
	h.Write([]byte{0})
	h.Write([]byte(msg.Text))
	key := outbox.NewKey(r.WS.ID, append(parts, r.User.User, hex.EncodeToString(h.Sum(nil)[:8]))...)
	var added bool
	err := r.Update(func(tx *storage.Tx) (err error) {
		added, err = outbox.Enqueue(tx, key, chat.DM(r.User), msg)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("send file %s: %w", msg.File.Name, err)
	}
	return added, nil
}
