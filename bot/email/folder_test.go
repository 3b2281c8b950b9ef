package email_test

import (
	"context"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kipina/kipina/bot/email"
)

// TestFolder: a mail written to the folder is the RFC 5322 message a
// Sender would send (encoded Finnish subject, the text part), in a
// private file, and Notify hears of it.
func TestFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mail")
	f, err := email.NewFolder(dir, "Kipinä <kipina@localhost>", nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	f.Notify = func(m email.Mail, path string) { got = append(got, m.To+" "+path) }
	if err := f.Send(context.Background(), email.Mail{To: "anna@example.fi", Subject: "Vahvista sähköpostiosoitteesi", Text: "Linkki: http://127.0.0.1:8080/l/x"}); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil || len(files) != 1 || len(got) != 1 || !strings.HasSuffix(got[0], files[0]) {
		t.Fatalf("files %v, notified %v (%v)", files, got, err)
	}
	st, err := os.Stat(files[0])
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v (%v)", st.Mode(), err)
	}
	r, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	m, err := mail.ReadMessage(r)
	if err != nil {
		t.Fatal(err)
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil || subj != "Vahvista sähköpostiosoitteesi" || m.Header.Get("To") != "<anna@example.fi>" {
		t.Errorf("subject %q to %q (%v)", subj, m.Header.Get("To"), err)
	}
	if err := f.Send(context.Background(), email.Mail{To: "not an address"}); err == nil {
		t.Error("bad address accepted")
	}
}
