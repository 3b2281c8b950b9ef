package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/followup"
	"github.com/kipina/kipina/bot/jury"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/storage"
	"regexp"
)

// browser starts a headless Chromium (Debian's package, installed by
// scripts/browser.sh) with a fresh profile, and returns a tab.
func browser(t *testing.T) context.Context {
	t.Helper()
	exe := os.Getenv("KIPINA_CHROMIUM")
	if exe == "" {
		var err error
		if exe, err = exec.LookPath("chromium"); err != nil {
			t.Skip("no chromium: run scripts/browser.sh (scripts/test.sh does)")
		}
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1024, 900),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true), chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("lang", "fi-FI"), chromedp.Flag("accept-lang", "fi-FI,fi"),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelT(); cancel(); cancelA() })
	return ctx
}

// axeSource reads axe-core as scripts/browser.sh installed it.
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("KIPINA_AXE")
	if path == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Skip("no KIPINA_AXE and no home directory")
		}
		matches, err := filepath.Glob(filepath.Join(home, ".cache/kipina/axe-core-*/node_modules/axe-core/axe.min.js"))
		if err != nil || len(matches) == 0 {
			t.Skip("no axe-core: run scripts/browser.sh (scripts/test.sh does)")
		}
		path = matches[len(matches)-1]
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type violation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// audit runs axe-core's WCAG 2.1 A and AA rules on the current page and
// fails the test on serious or critical violations (DevTools evaluation is
// not bound by the page's CSP, which forbids scripts).
func audit(t *testing.T, ctx context.Context, axe, page string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](axe)); err != nil {
		t.Fatalf("%s: inject axe: %v", page, err)
	}
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]violation](`axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
		.then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))})))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: axe: %v", page, err)
	}
	for _, v := range vs {
		msg := fmt.Sprintf("%s: axe %s (%s): %s at %v", page, v.ID, v.Impact, v.Help, v.Nodes)
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Error(msg)
		} else {
			t.Log(msg)
		}
	}
	t.Logf("%s: axe found %d violations", page, len(vs))
}

// artefacts is where screenshots go: $KIPINA_ARTIFACTS or a temporary
// directory that outlives the test.
func artefacts(t *testing.T) string {
	dir := os.Getenv("KIPINA_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "kipina-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(artefacts(t), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(png))
}

// setValue sets a field's value with the page's own DOM (as a person
// picking an option or clearing a field would end up with).
func setValue(sel, v string) chromedp.Action[chromedp.Void] {
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %q; e.dispatchEvent(new Event('change')); return 0 })()`, sel, v)
	return chromedp.Evaluate[chromedp.Void](js)
}

// do runs steps, failing the test on error.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// submit clicks a submit button and waits for the page it leads to,
// returning its HTTP status.
func submit(t *testing.T, ctx context.Context, sel string) int64 {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("submit %s: %v", sel, err)
	}
	return resp.Status
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// TestBrowserApply walks the applicant's path in a real headless Chromium
// against the real core: the call page in English, a bad e-mail address,
// the confirmation link from the captured e-mail, the form with a bad
// business ID and e-mail (errors by the fields and in the summary, whose
// links move focus to the fields), the corrected form, the stored
// application and its confirmation e-mail; then (browserDecisionAndSurvey)
// the organiser's terminal, the jury's decision by e-mail, the follow-up
// survey's answer link and comment form in the browser, and the answer in
// /kipina survey results. Every page is audited with axe-core.
func TestBrowserApply(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ctx := browser(t)
	axe := axeSource(t)
	e := start(t, jury.Module{}, followup.Module{})

	// The browser asks for Finnish; the applicant switches to English.
	do(t, ctx, "open call page", chromedp.Navigate(e.Web.CallURL(e.WS, e.Event)))
	if lang := eval[string](t, ctx, `document.documentElement.lang`); lang != "fi" {
		t.Errorf("first visit lang = %q, want fi (Accept-Language)", lang)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`a[hreflang="en"]`))); err != nil {
		t.Fatal(err)
	}
	if lang := eval[string](t, ctx, `document.documentElement.lang`); lang != "en" {
		t.Fatalf("after switch lang = %q", lang)
	}
	if h := text(t, ctx, "h2#apply"); h != "Apply" {
		t.Errorf("apply heading %q", h)
	}
	audit(t, ctx, axe, "call page")
	screenshot(t, ctx, "call-page.png")

	// A bad address: the error is by the field and in the summary.
	do(t, ctx, "type address", chromedp.SendKeys(chromedp.CSS("#email"), "anna@katuvalo"))
	if st := submit(t, ctx, `form button[type=submit]`); st != 422 {
		t.Errorf("bad address: status %d", st)
	}
	if inv := eval[string](t, ctx, `document.querySelector('#email').getAttribute('aria-invalid')`); inv != "true" {
		t.Errorf("#email aria-invalid = %q", inv)
	}
	if s := text(t, ctx, ".error-summary"); !strings.Contains(s, "E-mail address") {
		t.Errorf("summary %q", s)
	}
	audit(t, ctx, axe, "call page with error")
	do(t, ctx, "fix address", setValue("#email", ""), chromedp.SendKeys(chromedp.CSS("#email"), "anna@katuvalo.example"))
	submit(t, ctx, `form button[type=submit]`)
	if h := text(t, ctx, "h1"); h != "Check your e-mail" {
		t.Fatalf("after sending: %q", h)
	}
	audit(t, ctx, axe, "check your e-mail")

	// The link from the captured e-mail, then Continue.
	link := mailLink(t, e, 1)
	do(t, ctx, "open link", chromedp.Navigate(link))
	audit(t, ctx, axe, "confirm address")
	submit(t, ctx, `form button[type=submit]`)
	do(t, ctx, "form", chromedp.WaitVisible(chromedp.CSS("#f-business_id")))
	audit(t, ctx, axe, "application form")
	if v := eval[string](t, ctx, `document.querySelector('#f-email').value`); v != "anna@katuvalo.example" {
		t.Errorf("e-mail field prefilled with %q", v)
	}

	// The form with a bad business ID and a bad e-mail address.
	do(t, ctx, "fill form",
		chromedp.SendKeys(chromedp.CSS("#f-company"), "Katuvalo Oy"),
		chromedp.SendKeys(chromedp.CSS("#f-business_id"), "1572860-1"),
		chromedp.SendKeys(chromedp.CSS("#f-contact_name"), "Anna Virtanen"),
		setValue("#f-email", ""),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "anna(at)katuvalo"),
		setValue("#f-target", "health"),
		chromedp.SendKeys(chromedp.CSS("#f-summary"), "Älykäs katuvalo, joka näkee liukkauden ja kertoo siitä kunnossapidolle."),
		setValue("#f-maturity", "prototype"),
		chromedp.Click(chromedp.CSS("#f-consent-0")),
	)
	if st := submit(t, ctx, `form button[type=submit]`); st != 422 {
		t.Errorf("bad form: status %d", st)
	}
	for _, id := range []string{"f-business_id", "f-email"} {
		if inv := eval[string](t, ctx, `document.getElementById('`+id+`').getAttribute('aria-invalid')`); inv != "true" {
			t.Errorf("%s aria-invalid = %q", id, inv)
		}
		if msg := text(t, ctx, "#"+id+"-error"); msg == "" {
			t.Errorf("no error message by %s", id)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll('.error-summary a[href="#`+id+`"]').length`); n != 1 {
			t.Errorf("summary links to #%s %d times", id, n)
		}
	}
	if title := eval[string](t, ctx, `document.title`); !strings.HasPrefix(title, "Error:") {
		t.Errorf("title %q does not say there are errors", title)
	}
	if v := eval[string](t, ctx, `document.querySelector('#f-summary').value`); !strings.HasPrefix(v, "Älykäs") {
		t.Errorf("typed summary lost: %q", v)
	}
	screenshot(t, ctx, "form-errors.png")
	audit(t, ctx, axe, "application form with errors")

	// The summary's link takes the keyboard to the field.
	do(t, ctx, "follow summary link", chromedp.Click(chromedp.CSS(`.error-summary a[href="#f-business_id"]`)))
	if id := eval[string](t, ctx, `document.activeElement.id`); id != "f-business_id" {
		t.Errorf("focus after summary link on %q", id)
	}

	do(t, ctx, "correct form",
		setValue("#f-business_id", ""), chromedp.SendKeys(chromedp.CSS("#f-business_id"), "1572860-0"),
		setValue("#f-email", ""), chromedp.SendKeys(chromedp.CSS("#f-email"), "anna@katuvalo.example"),
	)
	if st := submit(t, ctx, `form button[type=submit]`); st != 200 {
		t.Errorf("submit: status %d", st)
	}
	if body := text(t, ctx, "main"); !strings.Contains(body, "H0001") {
		t.Fatalf("confirmation page: %q", body)
	}
	audit(t, ctx, axe, "confirmation")
	checkStored(t, e, "H0001", "anna@katuvalo.example")

	m, err := e.SMTP.Wait(t, 2, 30*time.Second).Parsed()
	if err != nil {
		t.Fatal(err)
	}
	if to := m.Header.Get("To"); !strings.Contains(to, "anna@katuvalo.example") {
		t.Errorf("confirmation e-mail to %q", to)
	}
	b, err := json.Marshal(m.Header)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("confirmation e-mail headers: %s", b)

	browserDecisionAndSurvey(t, ctx, axe, e)
}

// mailWith waits for the first mail from the n-th on whose raw text
// (quoted-printable soft breaks joined) contains want, and returns that
// text.
func mailWith(t *testing.T, e *env, n int, want string) string {
	t.Helper()
	for ; ; n++ {
		if m := strings.ReplaceAll(string(e.SMTP.Wait(t, n, 30*time.Second).Data), "=\r\n", ""); strings.Contains(m, want) {
			return m
		}
	}
}

// browserDecisionAndSurvey continues TestBrowserApply after the
// confirmed application H0001: the organiser sees it in the terminal,
// the jury accepts it, the decision arrives by e-mail, the organiser
// starts the follow-up, the survey goes out the morning after the event
// and the applicant answers it and leaves a comment in Chromium; the
// organiser reads both in /kipina survey results.
func browserDecisionAndSurvey(t *testing.T, ctx context.Context, axe string, e *env) {
	t.Helper()
	// The organisers' channel shows the application, marked ✉.
	notice := e.Bot.Cat.T("fi", "apply.notice", "App", "H0001", "Company", "Katuvalo Oy", "Event", "", "Target", "")
	notice, _, _ = strings.Cut(notice, " →")
	e.WaitFor(t, "── #kipina-organisers\n  ✉ "+notice)

	// The jury decides; the decision is an e-mail.
	e.Type(t, "/kipina shortlist kipina-2017 H0001\n", "H0001")
	confirm := e.Bot.Cat.T("fi", "jury.decide.confirm.button")
	out := e.Type(t, "/kipina decide kipina-2017\n", confirm)
	e.Type(t, bottest.Button(t, out, confirm)+"\n", "── ")
	decision := mailWith(t, e, 3, "Good news")
	if !strings.Contains(decision, "anna@katuvalo.example") {
		t.Errorf("decision mail not to the applicant:\n%s", decision)
	}

	// The follow-up: the preview's button starts it; the survey goes out
	// the morning after the event.
	startLabel := e.Bot.Cat.T("fi", "followup.start.button")
	out = e.Type(t, "/kipina followup start kipina-2017\n", startLabel)
	e.Type(t, bottest.Button(t, out[strings.LastIndex(out, "/kipina followup start"):], startLabel)+"\n", "jatkoseuranta alkoi")
	var ev round.Event
	if err := e.DB.View(func(tx *storage.Tx) (err error) { ev, err = round.LoadEvent(tx, e.WS, e.Event); return }); err != nil {
		t.Fatal(err)
	}
	e.Clock.Set(ev.Date.Add(48 * time.Hour))
	e.Bot.Tick(context.Background())
	survey := mailWith(t, e, e.SMTP.Attempts(), "How did we do?")
	four := regexp.MustCompile(`\n4:\r?\n(http://\S+)`).FindStringSubmatch(survey)
	if four == nil {
		t.Fatalf("no link 4 in the survey mail:\n%s", survey)
	}

	// The applicant follows the "4" link and answers on the page.
	do(t, ctx, "open survey link", chromedp.Navigate(four[1]))
	audit(t, ctx, axe, "survey answer")
	screenshot(t, ctx, "survey-link.png")
	if st := submit(t, ctx, `main form button[type=submit]`); st != 200 {
		t.Errorf("answer: status %d", st)
	}
	thanks := e.Bot.Cat.T("en", "followup.survey.thanks", "Score", 4)
	if body := text(t, ctx, "main"); !strings.Contains(body, thanks) {
		t.Fatalf("answer page lacks %q:\n%s", thanks, body)
	}
	audit(t, ctx, axe, "survey thanks")

	// The page offers a comment: a link, a confirming button, a form.
	commentLabel := e.Bot.Cat.T("en", "followup.comment.button")
	href := eval[string](t, ctx, fmt.Sprintf(`(() => { const a = [...document.querySelectorAll('main a')].find(a => a.textContent.trim() === %q); return a ? a.href : '' })()`, commentLabel))
	if href == "" {
		t.Fatalf("no %q link on the answer page:\n%s", commentLabel, text(t, ctx, "main"))
	}
	do(t, ctx, "follow comment link", chromedp.Navigate(href))
	submit(t, ctx, `main form button[type=submit]`)
	do(t, ctx, "comment form", chromedp.WaitVisible(chromedp.CSS("main textarea")))
	audit(t, ctx, axe, "comment form")
	do(t, ctx, "type comment", chromedp.SendKeys(chromedp.CSS("main textarea"), "Hyvät kohtaamiset, lisää aikaa keskusteluille."))
	if st := submit(t, ctx, `main form button[type=submit]`); st != 200 {
		t.Errorf("comment: status %d", st)
	}
	if want, body := e.Bot.Cat.T("en", "followup.comment.thanks"), text(t, ctx, "main"); !strings.Contains(body, want) {
		t.Fatalf("comment page lacks %q:\n%s", want, body)
	}
	screenshot(t, ctx, "survey-comment.png")

	// The organisers read the answer and the comment in chat.
	e.Type(t, "/kipina survey results kipina-2017\n", "Hyvät kohtaamiset")
}
