package web_test

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/web"
	"github.com/kipina/kipina/testtools/smtptest"
)

// client is a browser without JavaScript: cookies, no redirects followed
// automatically.
type client struct {
	t *testing.T
	c *http.Client
}

func newClient(t *testing.T) *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, c: &http.Client{Jar: jar, Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) do(method, u string, form url.Values) (int, string, http.Header) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Accept-Language", "en-GB,en;q=0.9")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

var (
	csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	formRe = regexp.MustCompile(`name="form" value="([^"]+)"`)
	linkRe = regexp.MustCompile(`http://127\.0\.0\.1:\d+/l/[A-Za-z0-9_.-]+`)
)

func field(t *testing.T, re *regexp.Regexp, page string) string {
	t.Helper()
	m := re.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no %s in page:\n%s", re, page)
	}
	return html.UnescapeString(m[1])
}

// mailLink returns the link in the n-th received mail's plain text.
func mailLink(t *testing.T, e *env, n int) string {
	t.Helper()
	m, err := e.SMTP.Wait(t, n, 20*time.Second).Parsed()
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(m.Body)
	if err != nil {
		t.Fatal(err)
	}
	u := linkRe.FindString(strings.ReplaceAll(string(b), "=\r\n", ""))
	if u == "" {
		t.Fatalf("no link in mail %q:\n%s", smtptest.Header(m, "Subject"), b)
	}
	return u
}

// TestApplyWithoutBrowser walks the path as plain HTTP, then checks that
// each kind of abuse is refused.
func TestApplyWithoutBrowser(t *testing.T) {
	e := start(t)
	c := newClient(t)
	callURL := e.Web.CallURL(e.WS, e.Event)

	code, page, h := c.do("GET", callURL, nil)
	if code != 200 || !strings.Contains(page, `<html lang="en">`) || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Fatalf("call page %d, CSP %q:\n%s", code, h.Get("Content-Security-Policy"), page)
	}
	csrf := field(t, csrfRe, page)

	t.Run("missing CSRF token is refused", func(t *testing.T) {
		code, _, _ := c.do("POST", callURL, url.Values{"email": {"x@example.fi"}})
		if code != http.StatusForbidden {
			t.Errorf("status %d, want 403", code)
		}
		if n := e.SMTP.Attempts(); n != 0 {
			t.Errorf("%d mails sent", n)
		}
	})
	t.Run("oversized body is refused", func(t *testing.T) {
		code, _, _ := c.do("POST", callURL, url.Values{"csrf": {csrf}, "email": {strings.Repeat("a", web.MaxBody)}})
		if code != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 413", code)
		}
	})
	t.Run("honeypot sends nothing", func(t *testing.T) {
		code, _, _ := c.do("POST", callURL, url.Values{"csrf": {csrf}, "email": {"bot@example.fi"}, "homepage": {"http://spam"}})
		if code != 200 || e.SMTP.Attempts() != 0 {
			t.Errorf("status %d, %d mails", code, e.SMTP.Attempts())
		}
	})
	t.Run("bad address", func(t *testing.T) {
		code, page, _ := c.do("POST", callURL, url.Values{"csrf": {csrf}, "email": {"anna@"}})
		if code != http.StatusUnprocessableEntity || !strings.Contains(page, `aria-invalid="true"`) || !strings.Contains(page, `href="#email"`) {
			t.Errorf("status %d:\n%s", code, page)
		}
	})

	code, _, h = c.do("POST", callURL, url.Values{"csrf": {csrf}, "email": {"Anna@Katuvalo.example"}})
	if code != http.StatusSeeOther || strings.Contains(h.Get("Location"), "anna") {
		t.Fatalf("start: %d to %q", code, h.Get("Location"))
	}
	link := mailLink(t, e, 1)
	if strings.Contains(strings.ToLower(link), "anna") || strings.Contains(link, "katuvalo") {
		t.Errorf("personal data in link %s", link)
	}

	t.Run("forged link is refused", func(t *testing.T) {
		forged := link[:len(link)-3] + "AAA"
		if code, _, _ := c.do("GET", forged, nil); code != http.StatusBadRequest {
			t.Errorf("GET forged: %d", code)
		}
		if code, _, _ := c.do("POST", forged, url.Values{"csrf": {csrf}}); code != http.StatusBadRequest {
			t.Errorf("POST forged: %d", code)
		}
	})

	code, _, _ = c.do("GET", link, nil) // a mail scanner's fetch changes nothing
	if code != 200 {
		t.Fatalf("landing %d", code)
	}
	code, page, _ = c.do("GET", link, nil)
	if code != 200 || !strings.Contains(page, "Continue") {
		t.Fatalf("landing again %d:\n%s", code, page)
	}
	code, _, h = c.do("POST", link, url.Values{"csrf": {csrf}})
	if code != http.StatusSeeOther || !strings.HasSuffix(h.Get("Location"), "/apply") {
		t.Fatalf("follow: %d %q", code, h.Get("Location"))
	}
	t.Run("replayed link is refused", func(t *testing.T) {
		if code, page, _ := c.do("POST", link, url.Values{"csrf": {csrf}}); code != http.StatusGone || !strings.Contains(page, "already used") {
			t.Errorf("replay: %d", code)
		}
	})

	code, page, _ = c.do("GET", e.Base+h.Get("Location"), nil)
	if code != 200 || !strings.Contains(page, `name="business_id"`) || !strings.Contains(page, `value="anna@katuvalo.example"`) {
		t.Fatalf("form %d:\n%s", code, page)
	}
	form := field(t, formRe, page)
	values := url.Values{"csrf": {csrf}, "form": {form}, "company": {"Katuvalo Oy"}, "business_id": {"1572860-1"}, "contact_name": {"Anna Virtanen"},
		"email": {"anna@katuvalo.example"}, "target": {"health"}, "summary": {"Älykäs katuvalo, joka näkee liukkauden."}, "maturity": {"prototype"},
		"lang": {"en"}, "secrets": {"no"}, "consent": {"yes"}}
	code, page, _ = c.do("POST", e.Base+"/forms", values)
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, `href="#f-business_id"`) || !strings.Contains(page, `id="f-business_id-error"`) {
		t.Fatalf("bad business id: %d:\n%s", code, page)
	}
	values.Set("business_id", "1572860-0")
	values.Set("form", field(t, formRe, page))
	code, page, _ = c.do("POST", e.Base+"/forms", values)
	if code != 200 || !strings.Contains(page, "H0001") {
		t.Fatalf("submit: %d:\n%s", code, page)
	}
	confirm, err := e.SMTP.Wait(t, 2, 30*time.Second).Parsed()
	if err != nil {
		t.Fatal(err)
	}
	if to := confirm.Header.Get("To"); !strings.Contains(to, "anna@katuvalo.example") {
		t.Errorf("confirmation to %q", to)
	}
	t.Logf("confirmation subject: %s", smtptest.Header(confirm, "Subject"))
	checkStored(t, e, "H0001", "anna@katuvalo.example")

	t.Run("expired link is refused", func(t *testing.T) {
		code, _, _ := c.do("POST", callURL, url.Values{"csrf": {csrf}, "email": {"ville@example.fi"}})
		if code != http.StatusSeeOther {
			t.Fatalf("start: %d", code)
		}
		link := mailLink(t, e, 3)
		e.Clock.Advance(web.VerifyTTL + time.Minute)
		if code, _, _ := c.do("POST", link, url.Values{"csrf": {csrf}}); code != http.StatusGone {
			t.Errorf("expired: %d, want 410", code)
		}
		// The sweep removes the expired records (both confirmation links);
		// the link stays refused.
		if n, err := e.Web.SweepLinks(); err != nil || n != 2 {
			t.Errorf("swept %d (%v), want 2", n, err)
		}
		if n, err := e.Web.SweepLinks(); err != nil || n != 0 {
			t.Errorf("swept again %d (%v), want 0", n, err)
		}
		if code, _, _ := c.do("POST", link, url.Values{"csrf": {csrf}}); code != http.StatusGone {
			t.Errorf("expired after sweep: %d, want 410", code)
		}
	})
}
