package email

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/internal/private"
)

// Folder is a mailer that sends nothing: it writes each mail as an RFC
// 5322 file (<dir>/<time>-<n>.eml, readable by any mail client, private to
// the bot's user) and tells Notify about it. The terminal demo uses it so
// that a newcomer can apply on the web page without an SMTP server; the
// files are the exact messages a Sender would have sent.
type Folder struct {
	dir string
	s   *Sender
	// Notify, when set, is called after each mail is written, with the
	// file's path.
	Notify func(m Mail, path string)

	mu sync.Mutex
	n  int
}

// NewFolder returns a Folder writing into dir (created private, 0700)
// with sender from, such as "Kipinä <kipina@localhost>"; now dates the
// mails (time.Now when nil).
func NewFolder(dir, from string, now func() time.Time) (*Folder, error) {
	if now == nil {
		now = time.Now
	}
	s, err := New(configs.SMTPSettings{Host: "localhost", TLS: NoTLS, From: from}, func(string) string { return "" })
	if err != nil {
		return nil, err
	}
	s.now = now
	if err := private.Dir(dir); err != nil {
		return nil, fmt.Errorf("email folder: %w", err)
	}
	return &Folder{dir: dir, s: s}, nil
}

// From returns the sender address.
func (f *Folder) From() string { return f.s.from }

// Dir returns the folder's directory.
func (f *Folder) Dir() string { return f.dir }

// Send writes m to a new file. A mail that cannot be built is a permanent
// error (wrapping chat.ErrPermanent), like Sender.Send; a failed write is
// returned as it is.
func (f *Folder) Send(_ context.Context, m Mail) error {
	msg, err := f.s.build(m)
	if err != nil {
		return fmt.Errorf("email: %w: %w", chat.ErrPermanent, err)
	}
	var b strings.Builder
	if _, err := msg.WriteTo(&b); err != nil {
		return fmt.Errorf("email: write: %w", err)
	}
	f.mu.Lock()
	f.n++
	name := fmt.Sprintf("%s-%03d.eml", f.s.now().UTC().Format("20060102T150405"), f.n)
	f.mu.Unlock()
	path := filepath.Join(f.dir, name)
	if err := private.WriteFile(path, []byte(b.String())); err != nil {
		return fmt.Errorf("email: %w", err)
	}
	if f.Notify != nil {
		f.Notify(m, path)
	}
	return nil
}
