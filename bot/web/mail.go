package web

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/mail"
	"regexp"
	"strings"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/email"
	"github.com/kipina/kipina/storage"
)

// outboxID is the id the Message-ID of an outbox message is derived
// from: the message's unique id, made when it was enqueued (so a retry
// keeps its Message-ID and no two stores ever repeat one).
func outboxID(to chat.Address, m chat.Message) string {
	if m.ID == "" {
		return ""
	}
	return to.Workspace + "/" + m.ID
}

// Post sends m as an e-mail to to.User (an address). Its controls become
// signed links to the page (valid web.link_days; one link per button, one
// per select leading to a page of its options); its file is attached. The
// footer links to the page where the addressee can have everything stored
// about them sent to this address (linkData). The
// words around the core's text are in the language the person last used
// on the page, else the workspace's. A channel address, an unknown
// workspace or a malformed address is a permanent error; SMTP errors are
// classified by package email.
func (a *Adapter) Post(ctx context.Context, to chat.Address, m chat.Message) (chat.MessageRef, error) {
	info, ok := a.ws[to.Workspace]
	switch {
	case to.Channel != "":
		return chat.MessageRef{}, fmt.Errorf("email has no channels (%s): %w", to, chat.ErrPermanent)
	case !ok:
		return chat.MessageRef{}, fmt.Errorf("workspace %s has no web page: %w", to.Workspace, chat.ErrPermanent)
	}
	addr := strings.ToLower(to.User)
	if p, err := mail.ParseAddress(addr); err != nil || p.Address != addr {
		return chat.MessageRef{}, fmt.Errorf("%q is not an e-mail address: %w", to.User, chat.ErrPermanent)
	}
	ref := chat.MessageRef{Channel: addr, ID: email.MessageID(outboxID(to, m), a.mail.From())}
	lang := info.lang
	type link struct{ label, url string }
	var ls []link
	var dataURL string
	err := a.db.Update(func(tx *storage.Tx) error {
		switch p, err := people.Get(tx, to.Workspace, addr); {
		case err == nil && p.Lang != "":
			lang = p.Lang
		case err != nil && !errors.Is(err, storage.ErrNotFound):
			return err
		}
		cls, err := a.controlLinks(tx, to.Workspace, addr, lang, ref, m.Controls)
		if err != nil {
			return err
		}
		for _, l := range cls {
			ls = append(ls, link{l.Label, a.URL(l.Href)})
		}
		path, err := a.newLink(tx, to.Workspace, Link{Kind: linkData, Address: addr, Lang: lang, Expires: a.now().Add(a.linkTTL)})
		dataURL = a.URL(path)
		return err
	})
	if err != nil {
		return chat.MessageRef{}, fmt.Errorf("store links: %w", err)
	}
	days := int(a.linkTTL.Hours() / 24)
	var text, htm strings.Builder
	text.WriteString(plain(m.Text))
	htm.WriteString(`<!DOCTYPE html><html lang="` + lang + `"><head><meta charset="utf-8"></head><body style="font-family:sans-serif;line-height:1.5;color:#1b1b1b">`)
	for _, p := range paragraphs(m.Text) {
		htm.WriteString("<p>" + strings.ReplaceAll(html.EscapeString(p), "\n", "<br>") + "</p>")
	}
	if len(ls) > 0 {
		text.WriteString("\n\n" + a.cat.T(lang, "web.mail.links") + "\n")
		htm.WriteString("<p>" + html.EscapeString(a.cat.T(lang, "web.mail.links")) + "</p><ul>")
		for _, l := range ls {
			text.WriteString("\n" + l.label + ":\n" + l.url + "\n")
			htm.WriteString(`<li><a href="` + html.EscapeString(l.url) + `">` + html.EscapeString(l.label) + "</a></li>")
		}
		htm.WriteString("</ul>")
	}
	footer := a.cat.T(lang, "web.mail.footer", "Days", a.cat.T(lang, "web.mail.days", "Count", days)) // each count its own plural
	data := a.cat.T(lang, "web.mail.data")
	text.WriteString("\n\n-- \n" + footer + "\n" + data + ":\n" + dataURL + "\n")
	htm.WriteString(`<p style="color:#4a4a4a;font-size:90%">` + html.EscapeString(footer) + `<br><a href="` + html.EscapeString(dataURL) + `">` +
		html.EscapeString(data) + "</a></p></body></html>")
	out := email.Mail{To: addr, Subject: subject(m.Text), Text: text.String(), HTML: htm.String(), MessageID: ref.ID}
	if f := m.File; f != nil {
		out.Attachments = []email.Attachment{{Name: f.Name, Content: f.Content, ContentType: contentType(f.Name)}}
	}
	if err := a.mail.Send(ctx, out); err != nil {
		return chat.MessageRef{}, err
	}
	return ref, nil
}

// Update does nothing: a sent e-mail cannot be rewritten. The page that
// answered an action already showed the core's update.
func (a *Adapter) Update(context.Context, chat.Address, chat.MessageRef, chat.Message) error {
	return nil
}

var bold = regexp.MustCompile(`\*([^*\n]+)\*`)

// plain drops chat formatting (*bold*) from text.
func plain(s string) string { return bold.ReplaceAllString(s, "$1") }

// subject is the first non-empty line of the message, at most 100
// characters.
func subject(text string) string {
	for _, line := range strings.Split(plain(text), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			if r := []rune(line); len(r) > 100 {
				return string(r[:99]) + "…"
			}
			return line
		}
	}
	return "Kipinä"
}

func contentType(name string) string {
	switch {
	case strings.HasSuffix(name, ".ics"):
		return "text/calendar; charset=utf-8; method=PUBLISH"
	case strings.HasSuffix(name, ".pdf"):
		return "application/pdf"
	case strings.HasSuffix(name, ".xlsx"):
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case strings.HasSuffix(name, ".csv"):
		return "text/csv; charset=utf-8"
	}
	return ""
}

// Upload sends f as an attachment of an e-mail whose text is comment
// (chat.FileUploader: the outbox hands files only to uploaders). The
// outbox does not pass the message's key or controls with a file, so such
// a mail has a random Message-ID and no links.
func (a *Adapter) Upload(ctx context.Context, to chat.Address, f chat.File, comment string) error {
	_, err := a.Post(ctx, to, chat.Message{Text: comment, File: &f})
	return err
}

var _ chat.FileUploader = (*Adapter)(nil)

// controlLinks stores a signed link for each of a message's controls,
// addressed to addr (valid web.link_days): one per button, one per select
// leading to a page of its options. It returns their paths and labels.
func (a *Adapter) controlLinks(tx *storage.Tx, ws, addr, lang string, ref chat.MessageRef, cs []chat.Control) ([]linkView, error) {
	var out []linkView
	for _, c := range cs {
		l := Link{Kind: linkAction, Address: addr, Action: c.ID, Value: c.Value, Label: c.Label, Message: ref, Lang: lang, Expires: a.now().Add(a.linkTTL)}
		label := c.Label
		if c.Kind == chat.Select {
			l.Kind, l.Options = linkSelect, c.Options
			label = a.cat.T(lang, "web.mail.choose", "Label", c.Label)
		}
		path, err := a.newLink(tx, ws, l)
		if err != nil {
			return nil, err
		}
		out = append(out, linkView{Href: path, Label: label})
	}
	return out, nil
}
