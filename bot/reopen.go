package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/storage"
)

// pendingForm is a form that could not be opened, kept for its owner to
// open again with a button.
type pendingForm struct {
	User    chat.UserRef `json:"user"`
	Form    chat.Form    `json:"form"`
	Created time.Time    `json:"created"`
}

// reopenTTL is how long a "open the form again" button works.
const reopenTTL = 24 * time.Hour

var pendingForms = storage.NewBucket[pendingForm]("pending-forms")

// tokenLen is the length of a kept form's token: 12 random bytes in
// lower-case hex.
const tokenLen = 24

// ReopenID is the id of the button that opens a kept form again
// ("form-reopen:<token>"). Its field is a token formFailed made: anything
// else (another length, a character outside lower-case hex) is read as
// stale.
var ReopenID = NewIDCodec("form-reopen", 1, func(token string) []string { return []string{token} },
	func(f []string) (string, bool) { return f[0], isToken(f[0]) })

// isToken reports whether s is tokenLen lower-case hex digits.
func isToken(s string) bool {
	if len(s) != tokenLen {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// formFailed keeps a form the platform could not open and answers with a
// button that opens it again (ReopenID).
func (b *Bot) formFailed(r *Request, e *chat.FormFailed) (chat.Response, error) {
	var tok [tokenLen / 2]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return chat.Response{}, fmt.Errorf("form token: %w", err)
	}
	token := hex.EncodeToString(tok[:])
	err := r.Update(func(tx *storage.Tx) error {
		return pendingForms.Put(tx, r.WS.ID, token, pendingForm{User: r.User, Form: e.Form, Created: b.Now()})
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("keep the form: %w", err)
	}
	return chat.Response{Reply: &chat.Message{
		Text:     r.T("form.not_opened", "Title", e.Form.Title),
		Controls: []chat.Control{r.Button(ReopenID.ID(token), "form.reopen.button")},
	}}, nil
}

// formReopen opens a kept form for the person it was made for.
func formReopen(_ context.Context, r *Request) (chat.Response, error) {
	token, err := ReopenID.Of(r)
	if err != nil {
		return chat.Response{}, err
	}
	var pf pendingForm
	var ok bool
	if err := r.Env.DB.View(func(tx *storage.Tx) (err error) {
		pf, ok, err = pendingForms.Lookup(tx, r.WS.ID, token)
		return err
	}); err != nil {
		return chat.Response{}, err
	}
	if !ok || pf.User != r.User || r.Now().Sub(pf.Created) > reopenTTL {
		return chat.Response{}, Refuse("error.stale")
	}
	return Respond(chat.Response{Form: &pf.Form})
}
