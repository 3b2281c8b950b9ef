package email_test

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strings"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/email"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/testtools/smtptest"
)

func sender(t *testing.T, srv *smtptest.Server) *email.Sender {
	t.Helper()
	env := map[string]string{"SMTP_USER": smtptest.User, "SMTP_PASS": smtptest.Password}
	s, err := email.New(configs.SMTPSettings{Host: srv.Host, Port: srv.Port, TLS: "starttls", From: "Kipinä <kipina@tampere.example>",
		UsernameEnv: "SMTP_USER", PasswordEnv: "SMTP_PASS"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return s.WithTLSConfig(srv.ClientTLS)
}

var ics = []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:Kipinä-tapaaminen\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")

// TestSendMIME sends a decision with an .ics attachment over STARTTLS with
// AUTH and reads back its structure: multipart/mixed holding a
// multipart/alternative (plain text, HTML) and the text/calendar file.
func TestSendMIME(t *testing.T) {
	srv := smtptest.Start(t)
	s := sender(t, srv)
	id := email.MessageID("decision/demo/H0001", s.From())
	err := s.Send(context.Background(), email.Mail{
		To: "anna@katuvalo.example", Subject: "Päätös: hakemuksesi H0001 hyväksyttiin",
		Text: "Hei Anna,\nhakemuksesi on hyväksytty. Tervetuloa Kipinään!", HTML: "<p>Hei Anna,<br>hakemuksesi on hyväksytty.</p>",
		MessageID: id, Attachments: []email.Attachment{{Name: "kipina.ics", ContentType: "text/calendar", Content: ics}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(t, 1, 10*time.Second)
	if got.From != "kipina@tampere.example" || len(got.To) != 1 || got.To[0] != "anna@katuvalo.example" {
		t.Errorf("envelope = %s -> %v", got.From, got.To)
	}
	m, err := got.Parsed()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("headers", func(t *testing.T) {
		raw := m.Header.Get("Subject")
		if !strings.HasPrefix(raw, "=?UTF-8?") {
			t.Errorf("subject not RFC 2047 encoded: %q", raw)
		}
		if got := smtptest.Header(m, "Subject"); got != "Päätös: hakemuksesi H0001 hyväksyttiin" {
			t.Errorf("subject = %q", got)
		}
		if got := m.Header.Get("Message-Id"); got != "<"+id+">" {
			t.Errorf("Message-ID = %q, want <%s>", got, id)
		}
		if !strings.HasSuffix(id, "@tampere.example") {
			t.Errorf("id %q not in the sender's domain", id)
		}
		if smtptest.Header(m, "From") != "\"Kipinä\" <kipina@tampere.example>" && smtptest.Header(m, "From") != "Kipinä <kipina@tampere.example>" {
			t.Errorf("From = %q", smtptest.Header(m, "From"))
		}
		if m.Header.Get("Date") == "" || m.Header.Get("Auto-Submitted") != "auto-generated" {
			t.Errorf("Date %q, Auto-Submitted %q", m.Header.Get("Date"), m.Header.Get("Auto-Submitted"))
		}
	})
	t.Run("structure", func(t *testing.T) {
		mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
		if err != nil || mt != "multipart/mixed" {
			t.Fatalf("top = %s %v", mt, err)
		}
		parts := readParts(t, multipart.NewReader(m.Body, params["boundary"]))
		if len(parts) != 2 {
			t.Fatalf("mixed has %d parts", len(parts))
		}
		altType, altParams, _ := mime.ParseMediaType(parts[0].header.Get("Content-Type"))
		if altType != "multipart/alternative" {
			t.Fatalf("first part = %s", altType)
		}
		alt := readParts(t, multipart.NewReader(strings.NewReader(parts[0].body), altParams["boundary"]))
		if len(alt) != 2 || !strings.HasPrefix(alt[0].header.Get("Content-Type"), "text/plain; charset=UTF-8") ||
			!strings.HasPrefix(alt[1].header.Get("Content-Type"), "text/html") {
			t.Fatalf("alternative parts: %+v", alt)
		}
		if !strings.Contains(alt[0].body, "hakemuksesi on hyväksytty") {
			t.Errorf("plain text = %q", alt[0].body)
		}
		att := parts[1]
		if ct := att.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") {
			t.Errorf("attachment type %q", ct)
		}
		if cd := att.header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") || !strings.Contains(cd, "kipina.ics") {
			t.Errorf("attachment disposition %q", cd)
		}
		if att.body != string(ics) {
			t.Errorf("attachment = %q", att.body)
		}
	})
}

type part struct {
	header interface{ Get(string) string }
	body   string
}

// readParts reads a multipart body; multipart.Reader decodes
// quoted-printable parts, and base64 ones are decoded here.
func readParts(t *testing.T, r *multipart.Reader) []part {
	t.Helper()
	var out []part
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		body := string(b)
		if p.Header.Get("Content-Transfer-Encoding") == "base64" {
			body = decodeBase64(t, body)
		}
		out = append(out, part{header: p.Header, body: body})
	}
}

// TestDeliveryErrors: a 4xx reply is transient and the next try succeeds
// with the same Message-ID; a 5xx is permanent.
func TestDeliveryErrors(t *testing.T) {
	srv := smtptest.Start(t)
	s := sender(t, srv)
	m := email.Mail{To: "ville@example.fi", Subject: "Muistutus", Text: "Hei", MessageID: email.MessageID("reminder/demo/1", s.From())}

	srv.Fail(451)
	err := s.Send(context.Background(), m)
	if err == nil || errors.Is(err, chat.ErrPermanent) {
		t.Fatalf("451: err = %v, want a transient error", err)
	}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("retry: %v", err)
	}
	got, err := srv.Wait(t, 1, 10*time.Second).Parsed()
	if err != nil {
		t.Fatal(err)
	}
	if got.Header.Get("Message-Id") != "<"+m.MessageID+">" {
		t.Errorf("retried Message-ID = %q", got.Header.Get("Message-Id"))
	}

	srv.Fail(550)
	if err := s.Send(context.Background(), m); !errors.Is(err, chat.ErrPermanent) {
		t.Fatalf("550: err = %v, want chat.ErrPermanent", err)
	}
	if n := srv.Attempts(); n != 3 {
		t.Errorf("attempts = %d, want 3", n)
	}
}

func TestNoServerIsTransient(t *testing.T) {
	s, err := email.New(configs.SMTPSettings{Host: "127.0.0.1", Port: 1, From: "k@example.fi"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Send(ctx, email.Mail{To: "a@example.fi", Subject: "x", Text: "x"}); err == nil || errors.Is(err, chat.ErrPermanent) {
		t.Fatalf("refused connection: err = %v, want transient", err)
	}
}

func TestNewRefusesEmptyCredential(t *testing.T) {
	_, err := email.New(configs.SMTPSettings{Host: "h", From: "k@example.fi", UsernameEnv: "U", PasswordEnv: "P"}, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "U") {
		t.Fatalf("err = %v", err)
	}
}

func TestMessageID(t *testing.T) {
	a, b := email.MessageID("k1", "Kipinä <kipina@tampere.fi>"), email.MessageID("k1", "kipina@tampere.fi")
	if a != b || !strings.HasSuffix(a, "@tampere.fi") || email.MessageID("k2", "kipina@tampere.fi") == a || email.MessageID("", "x@y.z") != "" {
		t.Errorf("ids %q %q", a, b)
	}
}
