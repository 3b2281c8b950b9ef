// Package email sends e-mail over SMTP: the outbound half of the "email"
// chat platform, through which companies outside the city's chat receive
// every message the bot has for them.
//
// A Sender holds the SMTP settings of the configuration (host, port,
// STARTTLS or implicit TLS, credentials read from the environment) and
// sends one Mail per connection with github.com/wneessen/go-mail. Each mail
// has a UTF-8 subject (encoded as RFC 2047 words when not ASCII), a
// plain-text part, an optional HTML alternative, attachments and a
// Message-ID derived from the outbox message (MessageID), so a retried
// delivery carries the same id and mail clients can discard the copy.
//
// Delivery errors are classified for the outbox: an SMTP reply of 5xx is
// permanent (the error wraps chat.ErrPermanent); a 4xx reply or a
// connection failure is transient and retried with backoff.
package email

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/configs"
	gomail "github.com/wneessen/go-mail"
)

// Attachment is a file sent with a mail (for example a meeting's .ics).
type Attachment struct {
	Name        string // file name shown to the reader
	ContentType string // MIME type; empty means guessed from Name
	Content     []byte
}

// Mail is one message to one recipient.
type Mail struct {
	To      string // a bare address, "anna@example.fi"
	Subject string // one line, any Unicode
	Text    string // the plain-text part, always sent
	HTML    string // an optional HTML alternative of Text
	// MessageID is the id without angle brackets (see MessageID); empty
	// lets the library make a random one.
	MessageID   string
	Attachments []Attachment
}

// Sender sends mail through one SMTP server.
type Sender struct {
	host      string
	port      int
	mode      string
	from      string
	user      string
	password  string
	helo      string
	timeout   time.Duration
	tlsConfig *tls.Config
	now       func() time.Time
}

// TLS modes of configs.SMTPSettings.TLS.
const (
	// StartTLS upgrades a plain connection (port 587) and refuses a server
	// that cannot: the default.
	StartTLS = "starttls"
	// ImplicitTLS speaks TLS from the first byte (port 465).
	ImplicitTLS = "tls"
	// NoTLS sends in the clear: only for a relay on the same host.
	NoTLS = "none"
)

// New builds a Sender from the settings; getenv reads the credentials
// from the variables the settings name (os.Getenv in production). A
// variable that is named but empty is an error.
func New(s configs.SMTPSettings, getenv func(string) string) (*Sender, error) {
	if s.Host == "" || s.From == "" {
		return nil, errors.New("email: host and from are needed")
	}
	if _, err := mail.ParseAddress(s.From); err != nil {
		return nil, fmt.Errorf("email: from %q: %w", s.From, err)
	}
	snd := &Sender{host: s.Host, port: s.Port, mode: strings.ToLower(s.TLS), from: s.From, helo: s.HELO, timeout: 30 * time.Second, now: time.Now}
	if snd.mode == "" {
		snd.mode = StartTLS
	}
	if snd.port == 0 {
		snd.port = map[string]int{StartTLS: 587, ImplicitTLS: 465, NoTLS: 25}[snd.mode]
	}
	for _, v := range []struct {
		env string
		dst *string
	}{{s.UsernameEnv, &snd.user}, {s.PasswordEnv, &snd.password}} {
		if v.env == "" {
			continue
		}
		if *v.dst = getenv(v.env); *v.dst == "" {
			return nil, fmt.Errorf("email: environment variable %s is empty", v.env)
		}
	}
	return snd, nil
}

// WithTLSConfig returns a copy of s that verifies the server with c (tests
// trust their own certificate with it).
func (s *Sender) WithTLSConfig(c *tls.Config) *Sender {
	cp := *s
	cp.tlsConfig = c
	return &cp
}

// From returns the sender address.
func (s *Sender) From() string { return s.from }

// Send delivers m. It returns nil once the server accepted the message,
// an error wrapping chat.ErrPermanent when the server refused it for good
// (5xx), and another error when a retry may succeed (4xx, no connection).
func (s *Sender) Send(ctx context.Context, m Mail) error {
	msg, err := s.build(m)
	if err != nil {
		return fmt.Errorf("email: %w: %w", chat.ErrPermanent, err)
	}
	opts := []gomail.Option{gomail.WithPort(s.port), gomail.WithTimeout(s.timeout)}
	switch s.mode {
	case ImplicitTLS:
		opts = append(opts, gomail.WithSSL())
	case NoTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.tlsConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(s.tlsConfig))
	} else {
		opts = append(opts, gomail.WithTLSConfig(&tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}))
	}
	if s.user != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(s.user), gomail.WithPassword(s.password))
	}
	if s.helo != "" {
		opts = append(opts, gomail.WithHELO(s.helo))
	}
	c, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return fmt.Errorf("email: client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return Classify(err)
	}
	return nil
}

// build turns m into a go-mail message.
func (s *Sender) build(m Mail) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	if err := msg.From(s.from); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	msg.Subject(oneLine(m.Subject))
	msg.SetDateWithValue(s.now())
	if m.MessageID != "" {
		msg.SetMessageIDWithValue(m.MessageID)
	} else {
		msg.SetMessageID()
	}
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	for _, a := range m.Attachments {
		var fo []gomail.FileOption
		if a.ContentType != "" {
			fo = append(fo, gomail.WithFileContentType(gomail.ContentType(a.ContentType)))
		}
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Content), fo...); err != nil {
			return nil, fmt.Errorf("attach %s: %w", a.Name, err)
		}
	}
	return msg, nil
}

// oneLine keeps a subject on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Classify maps an SMTP client error to the outbox's classes: a 5xx reply
// wraps chat.ErrPermanent; a 4xx reply, a timeout or a failed connection
// is returned as a plain (transient) error.
func Classify(err error) error {
	var se *gomail.SendError
	if errors.As(err, &se) {
		if code := se.ErrorCode(); code >= 500 && code < 600 {
			return fmt.Errorf("email: smtp %d: %w: %w", code, chat.ErrPermanent, err)
		}
		return fmt.Errorf("email: smtp %d (will retry): %w", se.ErrorCode(), err)
	}
	return fmt.Errorf("email: %w", err)
}

// MessageID derives the Message-ID (without angle brackets) of an outbox
// message from its unique id (today chat.Message.Key) and the sender's
// domain: the same message always gets the same id, so a delivery retried
// after a lost reply is recognised as a copy by mail clients. An empty id
// gives "".
func MessageID(outboxID, from string) string {
	if outboxID == "" {
		return ""
	}
	domain := "kipina.invalid"
	if a, err := mail.ParseAddress(from); err == nil {
		if i := strings.LastIndex(a.Address, "@"); i >= 0 {
			domain = a.Address[i+1:]
		}
	}
	sum := sha256.Sum256([]byte(outboxID))
	return hex.EncodeToString(sum[:16]) + "@" + domain
}
