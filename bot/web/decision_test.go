package web_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"context"
	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/followup"
	"github.com/kipina/kipina/bot/jury"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/storage"
	"github.com/kipina/kipina/testtools/smtptest"
	"html"
)

// applyHTTP applies to the demo event as addr through the page (a browser
// without JavaScript) and returns the client, signed in.
func applyHTTP(t *testing.T, e *env, addr string) *client {
	t.Helper()
	c := newClient(t)
	callURL := e.Web.CallURL(e.WS, e.Event)
	_, page, _ := c.do("GET", callURL, nil)
	csrf := field(t, csrfRe, page)
	if code, _, _ := c.do("POST", callURL, url.Values{"csrf": {csrf}, "email": {addr}}); code != http.StatusSeeOther {
		t.Fatalf("start: %d", code)
	}
	link := mailLink(t, e, e.SMTP.Attempts())
	code, _, h := c.do("POST", link, url.Values{"csrf": {csrf}})
	if code != http.StatusSeeOther {
		t.Fatalf("confirm link: %d", code)
	}
	_, page, _ = c.do("GET", e.Base+h.Get("Location"), nil)
	values := url.Values{"csrf": {csrf}, "form": {field(t, formRe, page)}, "company": {"Katuvalo Oy"}, "business_id": {"1572860-0"},
		"contact_name": {"Anna Virtanen"}, "email": {addr}, "target": {"health"}, "summary": {"Älykäs katuvalo, joka näkee liukkauden."},
		"maturity": {"prototype"}, "lang": {"en"}, "secrets": {"no"}, "consent": {"yes"}}
	if code, page, _ := c.do("POST", e.Base+"/forms", values); code != 200 || !strings.Contains(page, "H0001") {
		t.Fatalf("submit: %d:\n%s", code, page)
	}
	return c
}

// mailText returns the plain text of the n-th received mail (quoted-
// printable soft breaks joined) and its decoded subject.
func mailText(t *testing.T, e *env, n int) (subject, text string) {
	t.Helper()
	m, err := e.SMTP.Wait(t, n, 30*time.Second).Parsed()
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(m.Body)
	if err != nil {
		t.Fatal(err)
	}
	return smtptest.Header(m, "Subject"), string(b)
}

// TestWebApplicantInChat: a web application reaches the organisers'
// channel on the workspace's chat platform, marked ✉; organisers see the
// channel in /kipina apps and /kipina app, re-send the links and change
// the address (both audited); after the jury decides, the decision
// arrives by e-mail over SMTP at the new address.
func TestWebApplicantInChat(t *testing.T) {
	e := start(t, jury.Module{}, followup.Module{})
	applyHTTP(t, e, "anna@katuvalo.example")
	// Mails so far: the confirmation link and the application's receipt.
	e.SMTP.Wait(t, 2, 30*time.Second)

	notice := e.Bot.Cat.T("fi", "apply.notice", "App", "H0001", "Company", "Katuvalo Oy", "Event", "", "Target", "")
	notice, _, _ = strings.Cut(notice, " →")
	e.WaitFor(t, "── #kipina-organisers\n  ✉ "+notice)

	e.Type(t, "/kipina apps\n", "• ✉ H0001 Katuvalo Oy")
	e.Type(t, "/kipina app H0001\n", e.Bot.Cat.T("fi", "app.via.email", "Address", "anna@katuvalo.example"))

	// Re-send: a mail with fresh Edit and Withdraw links.
	e.Type(t, "/kipina app resend H0001\n", e.Bot.Cat.T("fi", "app.resent", "Via", "✉", "App", "H0001"))
	subj, text := mailText(t, e, 3)
	if !strings.Contains(subj, "H0001") || len(linkRe.FindAllString(strings.ReplaceAll(text, "=\r\n", ""), -1)) < 2 {
		t.Errorf("re-sent mail %q:\n%s", subj, text)
	}

	// A new address: the application moves to it and it gets the links.
	e.Type(t, "/kipina app email H0001 ville@katuvalo.example\n", e.Bot.Cat.T("fi", "app.email.changed", "Via", "✉", "App", "H0001", "Address", "ville@katuvalo.example"))
	if to := e.SMTP.Wait(t, 4, 30*time.Second).To[0]; to != "ville@katuvalo.example" {
		t.Errorf("links after the change went to %s", to)
	}
	checkStored(t, e, "H0001", "ville@katuvalo.example")
	out := e.Type(t, "/kipina app H0001\n", e.Bot.Cat.T("fi", "history.app.email"))
	bottest.Must(t, out, "@nina "+e.Bot.Cat.T("fi", "history.app.resend"), "@nina "+e.Bot.Cat.T("fi", "history.app.email"))

	// The jury decides: the decision is an e-mail to the new address.
	e.Type(t, "/kipina shortlist kipina-2017 H0001\n", "H0001")
	out = e.Type(t, "/kipina decide kipina-2017\n", e.Bot.Cat.T("fi", "jury.decide.confirm.button"))
	e.Type(t, bottest.Button(t, out, e.Bot.Cat.T("fi", "jury.decide.confirm.button"))+"\n", "── ")
	var decision smtptest.Message
	for n := 5; decision.Data == nil; n++ {
		m := e.SMTP.Wait(t, n, 30*time.Second)
		if strings.Contains(string(m.Data), bottest.UpTo(e.Bot.Cat, "en", "jury.decision.accepted.dm", "Company")) {
			decision = m
		}
	}
	if decision.To[0] != "ville@katuvalo.example" {
		t.Errorf("decision to %v", decision.To)
	}
	good := regexp.QuoteMeta(strings.SplitN(e.Bot.Cat.T("en", "jury.decision.accepted.dm", "Company", "Katuvalo Oy"), "!", 2)[0])
	m, err := decision.Parsed()
	if err != nil {
		t.Fatal(err)
	}
	if s := smtptest.Header(m, "Subject"); !regexp.MustCompile(good).MatchString(s) {
		t.Errorf("decision subject %q, want %s", s, good)
	}

	// The follow-up survey the morning after the event reaches the web
	// applicant by e-mail; its "4" link lands on a page that records the
	// answer and offers a comment, which is a form on the page.
	var ev round.Event
	if err := e.DB.View(func(tx *storage.Tx) (err error) { ev, err = round.LoadEvent(tx, e.WS, e.Event); return }); err != nil {
		t.Fatal(err)
	}
	startLabel := e.Bot.Cat.T("fi", "followup.start.button")
	out = e.Type(t, "/kipina followup start kipina-2017\n", startLabel)
	e.Type(t, bottest.Button(t, out[strings.LastIndex(out, "/kipina followup start"):], startLabel)+"\n",
		bottest.UpTo(e.Bot.Cat, "fi", "followup.started", "Count", "Event", ev.NameIn("fi")))
	// The survey's question after the event's name, up to the first
	// character quoted-printable would encode: the mail's raw text.
	question := strings.TrimLeft(bottest.After(e.Bot.Cat, "en", "followup.survey.prompt", "Event"), "*!_ ")
	if i := strings.IndexFunc(question, func(r rune) bool { return r > 126 || r == '=' }); i >= 0 {
		question = question[:i]
	}
	if len(question) < 10 {
		t.Fatalf("survey question %q too short to find the mail by", question)
	}
	e.Clock.Set(ev.Date.Add(48 * time.Hour))
	e.Bot.Tick(context.Background())
	var survey string
	for n := e.SMTP.Attempts(); survey == ""; n++ {
		if m := strings.ReplaceAll(string(e.SMTP.Wait(t, n, 30*time.Second).Data), "=\r\n", ""); strings.Contains(m, question) {
			survey = m
		}
	}
	four := regexp.MustCompile(`\n4:\r?\n(http://\S+)`).FindStringSubmatch(survey)
	if four == nil {
		t.Fatalf("no link 4 in the survey mail:\n%s", survey)
	}
	c := newClient(t)
	code, page, _ := c.do("GET", four[1], nil)
	if code != 200 {
		t.Fatalf("survey link: %d:\n%s", code, page)
	}
	code, page, _ = c.do("POST", four[1], url.Values{"csrf": {field(t, csrfRe, page)}})
	thanks := e.Bot.Cat.T("en", "followup.survey.thanks", "Score", 4)
	if code != 200 || !strings.Contains(html.UnescapeString(page), thanks) {
		t.Fatalf("answer page %d, want %q:\n%s", code, thanks, page)
	}
	comment := regexp.MustCompile(`<a href="(/l/[^"]+)">` + regexp.QuoteMeta(e.Bot.Cat.T("en", "followup.comment.button")) + `</a>`).FindStringSubmatch(page)
	if comment == nil {
		t.Fatalf("no comment link on the answer page:\n%s", page)
	}
	_, page, _ = c.do("GET", e.Base+html.UnescapeString(comment[1]), nil)
	code, page, _ = c.do("POST", e.Base+html.UnescapeString(comment[1]), url.Values{"csrf": {field(t, csrfRe, page)}})
	if code != 200 || !strings.Contains(page, "<textarea") {
		t.Fatalf("comment form %d:\n%s", code, page)
	}
	code, page, _ = c.do("POST", e.Base+"/forms", url.Values{"csrf": {field(t, csrfRe, page)}, "form": {field(t, formRe, page)},
		"comment": {"Hyvät kohtaamiset, lisää aikaa keskusteluille."}})
	if want := e.Bot.Cat.T("en", "followup.comment.thanks"); code != 200 || !strings.Contains(html.UnescapeString(page), want) {
		t.Fatalf("comment sent: %d, want %q:\n%s", code, want, page)
	}
	// The organisers read the answer and the comment in chat.
	e.Type(t, "/kipina survey results kipina-2017\n", "Hyvät kohtaamiset")
}
