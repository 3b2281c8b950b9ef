package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/storage"
)

// Link kinds.
const (
	linkVerify = "verify" // proves an address, then opens the application form
	linkAction = "action" // a button of an e-mail: dispatches a chat.Action
	linkSelect = "select" // a select of an e-mail: a page with its options
	linkData   = "data"   // the footer of every e-mail: "Send me my data" (datapage.go)
)

// Link is what a link in an e-mail stands for. The URL carries only the
// workspace and the record's random nonce, signed; the record (with the
// address) stays in the store. Used is set when a state-changing link is
// followed, so a replay is refused.
type Link struct {
	Kind    string          `json:"kind"`
	Address string          `json:"address"` // the verified or addressed e-mail, lower-case
	Event   string          `json:"event,omitempty"`
	Action  string          `json:"action,omitempty"` // chat action id
	Value   string          `json:"value,omitempty"`
	Label   string          `json:"label,omitempty"`
	Options []chat.Option   `json:"options,omitempty"`
	Message chat.MessageRef `json:"message"`
	Lang    string          `json:"lang,omitempty"`
	Expires time.Time       `json:"expires"`
	Used    time.Time       `json:"used,omitzero"`
	Created time.Time       `json:"created"`
}

// links holds Link records by nonce, per workspace.
var links = storage.NewBucket[Link]("web_links")

// person is what the page remembers of an address: the language chosen
// on the page, for the words the e-mails add around the core's text.
type person struct {
	Lang string `json:"lang"`
}

var people = storage.NewBucket[person]("web_people")

// linkToken is the signed body of a link URL.
type linkToken struct {
	W string `json:"w"` // workspace
	N string `json:"n"` // nonce
}

func nonce() (string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// newLink stores l and returns its URL path (/l/<token>).
func (a *Adapter) newLink(tx *storage.Tx, ws string, l Link) (string, error) {
	n, err := nonce()
	if err != nil {
		return "", err
	}
	l.Created = a.now()
	if err := links.Put(tx, ws, n, l); err != nil {
		return "", err
	}
	tok, err := a.sign.seal("link", linkToken{W: ws, N: n}, l.Expires.Sub(a.now()))
	if err != nil {
		return "", err
	}
	return "/l/" + tok, nil
}

// readLink checks a link token and loads its record: ErrBadSignature,
// ErrExpired, ErrUsed, or a store error.
func (a *Adapter) readLink(token string) (linkToken, Link, error) {
	var t linkToken
	if err := a.sign.open("link", token, &t); err != nil {
		return t, Link{}, err
	}
	var l Link
	err := a.db.View(func(tx *storage.Tx) (err error) { l, err = links.Get(tx, t.W, t.N); return })
	if errors.Is(err, storage.ErrNotFound) {
		return t, l, ErrBadSignature
	}
	if err != nil {
		return t, l, fmt.Errorf("read link: %w", err)
	}
	if !a.now().Before(l.Expires) {
		return t, l, ErrExpired
	}
	if !l.Used.IsZero() {
		return t, l, ErrUsed
	}
	return t, l, nil
}

// useLink marks a link used in one transaction, refusing a second use.
func (a *Adapter) useLink(t linkToken) (Link, error) {
	var l Link
	err := a.db.Update(func(tx *storage.Tx) (err error) {
		if l, err = links.Get(tx, t.W, t.N); err != nil {
			return err
		}
		if !l.Used.IsZero() {
			return ErrUsed
		}
		if !a.now().Before(l.Expires) {
			return ErrExpired
		}
		l.Used = a.now()
		return links.Put(tx, t.W, t.N, l)
	})
	return l, err
}

// releaseLink makes a link usable again: the action it dispatched changed
// nothing (it only opened a form).
func (a *Adapter) releaseLink(t linkToken) error {
	return a.db.Update(func(tx *storage.Tx) error {
		l, err := links.Get(tx, t.W, t.N)
		if err != nil {
			return err
		}
		l.Used = time.Time{}
		return links.Put(tx, t.W, t.N, l)
	})
}

// SweepInterval is how often Run removes expired link records.
const SweepInterval = time.Hour

// SweepLinks removes the link records that have expired (their signed
// tokens expire with them, so nothing can use them any more) and returns
// how many it removed. Run calls it every SweepInterval.
func (a *Adapter) SweepLinks() (int, error) {
	now := a.now()
	n := 0
	err := a.db.Update(func(tx *storage.Tx) error {
		for ws := range a.ws {
			var old []string
			err := links.Scan(tx, ws, "", func(k string, l Link) error {
				if !now.Before(l.Expires) {
					old = append(old, k)
				}
				return nil
			})
			if err != nil {
				return err
			}
			for _, k := range old {
				if err := links.Delete(tx, ws, k); err != nil {
					return err
				}
			}
			n += len(old)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sweep links: %w", err)
	}
	return n, nil
}

// sweepLoop sweeps expired links until ctx ends.
func (a *Adapter) sweepLoop(ctx context.Context) {
	t := time.NewTicker(SweepInterval)
	defer t.Stop()
	for {
		if n, err := a.SweepLinks(); err != nil {
			a.log.Error("sweep links", "err", err)
		} else if n > 0 {
			a.log.Info("expired links removed", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
