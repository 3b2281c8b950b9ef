package web_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/privacy"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/storage"
	"github.com/kipina/kipina/testtools/smtptest"
)

// attachments returns the attached files of a received mail by name,
// decoded.
func attachments(t *testing.T, m smtptest.Message) map[string][]byte {
	t.Helper()
	pm, err := m.Parsed()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	var walk func(h textproto.MIMEHeader, body io.Reader)
	walk = func(h textproto.MIMEHeader, body io.Reader) {
		mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
		if err != nil {
			mt = "text/plain"
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				walk(p.Header, p)
			}
		}
		_, dp, err := mime.ParseMediaType(h.Get("Content-Disposition"))
		if err != nil || dp["filename"] == "" {
			return
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		if strings.EqualFold(h.Get("Content-Transfer-Encoding"), "base64") {
			if b, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(b)), "")); err != nil {
				t.Fatal(err)
			}
		}
		out[dp["filename"]] = b
	}
	walk(textproto.MIMEHeader(pm.Header), pm.Body)
	return out
}

// export returns the one privacy export attached to a mail.
func export(t *testing.T, m smtptest.Message) []byte {
	t.Helper()
	for name, b := range attachments(t, m) {
		if strings.HasPrefix(name, "kipina-privacy-") && strings.HasSuffix(name, ".json") {
			return b
		}
	}
	t.Fatalf("no export attached to the mail to %v", m.To)
	return nil
}

// TestBrowserOwnData: an applicant who applied on the web page opens a
// link from their e-mail in Chromium and presses "Send me my data": the
// export arrives over SMTP at the address on file, holds their application
// and none of another applicant's. A forged link and an expired one get a
// clear page and send nothing; a used link still mails the export to its
// own address.
func TestBrowserOwnData(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ctx := browser(t)
	axe := axeSource(t)
	e := start(t, privacy.Module{})
	const anna, bob = "anna@katuvalo.example", "bob@betoni.example"
	applyHTTP(t, e, anna)
	e.SMTP.Wait(t, 2, 30*time.Second) // the confirmation link and the receipt
	err := e.DB.Update(func(tx *storage.Tx) error {
		owner := chat.UserRef{Platform: "email", Workspace: e.WS, User: bob}
		return round.Put(tx, e.WS, round.Application{ID: "H0002", Event: e.Event, Owner: owner, State: round.Submitted,
			Company: "Bobin Betoni Oy", BusinessID: "0112038-9", Contact: "Bob Betoni", Email: bob, Summary: "Hiilineutraali betoni siltoihin", Lang: "fi"})
	})
	if err != nil {
		t.Fatal(err)
	}
	cat := e.Bot.Cat
	verify := mailLink(t, e, 1)
	_, receipt := mailText(t, e, 2)
	// Every mail's footer links to the data page.
	found := linkRe.FindAllString(strings.ReplaceAll(receipt, "=\r\n", ""), -1)
	link := ""
	if len(found) > 0 {
		link = found[len(found)-1]
	}
	if link == "" {
		t.Fatalf("no link in the receipt:\n%s", receipt)
	}

	do(t, ctx, "open receipt link", chromedp.Navigate(link))
	if got := text(t, ctx, "section.data h2"); got != cat.T("fi", "web.data.heading") {
		t.Errorf("data section heading %q", got)
	}
	audit(t, ctx, axe, "link page with data button")
	screenshot(t, ctx, "own-data-button.png")
	if st := submit(t, ctx, `section.data button[type=submit]`); st != 200 {
		t.Errorf("send my data: status %d", st)
	}
	m := e.SMTP.Wait(t, 3, 30*time.Second)
	if len(m.To) != 1 || m.To[0] != anna {
		t.Errorf("export mailed to %v, want %s", m.To, anna)
	}
	data := export(t, m)
	var doc struct {
		Applications []string         `json:"applications"`
		Records      []privacy.Record `json:"records"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("export: %v\n%s", err, data)
	}
	if len(doc.Applications) != 1 || doc.Applications[0] != "H0001" {
		t.Errorf("exported applications %v, want [H0001]", doc.Applications)
	}
	for _, want := range []string{"Katuvalo Oy", "Anna Virtanen", "Älykäs katuvalo", anna} {
		if !strings.Contains(string(data), want) {
			t.Errorf("export lacks %q", want)
		}
	}
	for _, not := range []string{"Bobin Betoni", "Bob Betoni", bob, "H0002"} {
		if strings.Contains(string(data), not) {
			t.Errorf("anna's export holds bob's %q", not)
		}
	}
	want := cat.T("fi", "privacy.mailed", "Count", len(doc.Records), "Address", anna)
	if body := text(t, ctx, "main"); !strings.Contains(body, want) {
		t.Errorf("page after sending lacks %q:\n%s", want, body)
	}
	audit(t, ctx, axe, "data sent")

	// A forged link: a clear page, nothing sent.
	sent := e.SMTP.Attempts()
	forged := strings.Replace(link, "/l/", "/l/x", 1)
	if resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(forged)); err != nil || resp.Status != http.StatusBadRequest {
		t.Errorf("forged link page: %v %v", resp, err)
	}
	if body := text(t, ctx, "main"); !strings.Contains(body, cat.T("fi", "web.link.bad")) {
		t.Errorf("forged link page:\n%s", body)
	}
	c := newClient(t)
	_, page, _ := c.do("GET", link, nil)
	csrf := field(t, csrfRe, page)
	code, page, _ := c.do("POST", strings.Replace(forged, "/l/", "/d/", 1), url.Values{"csrf": {csrf}})
	if code != http.StatusBadRequest || !strings.Contains(page, cat.T("en", "web.link.bad")) {
		t.Errorf("forged data request: %d\n%s", code, page)
	}
	if n := e.SMTP.Attempts(); n != sent {
		t.Errorf("%d mails sent for a forged link", n-sent)
	}

	// The used confirmation link still proves the mailbox: the export
	// goes to that address, not to one added to the request.
	code, page, _ = c.do("GET", verify, nil)
	if code != http.StatusGone || !strings.Contains(page, cat.T("en", "web.data.button")) {
		t.Errorf("used link page: %d\n%s", code, page)
	}
	code, page, _ = c.do("POST", strings.Replace(verify, "/l/", "/d/", 1), url.Values{"csrf": {csrf}, "email": {bob}, "address": {bob}})
	if code != http.StatusOK || !strings.Contains(page, anna) {
		t.Errorf("data by the used link: %d\n%s", code, page)
	}
	if m := e.SMTP.Wait(t, sent+1, 30*time.Second); len(m.To) != 1 || m.To[0] != anna || strings.Contains(string(export(t, m)), "Bobin Betoni") {
		t.Errorf("export by the used link mailed to %v", m.To)
	}

	// An expired link: a clear page, nothing sent.
	sent = e.SMTP.Attempts()
	e.Clock.Advance(61 * 24 * time.Hour)
	code, page, _ = c.do("POST", strings.Replace(link, "/l/", "/d/", 1), url.Values{"csrf": {csrf}})
	if code != http.StatusGone || !strings.Contains(page, cat.T("en", "web.link.expired")) {
		t.Errorf("expired data request: %d\n%s", code, page)
	}
	if n := e.SMTP.Attempts(); n != sent {
		t.Errorf("%d mails sent for an expired link", n-sent)
	}
}
