package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/locale"
)

type lockedOut struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedOut) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedOut) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestDemoWebPage: the terminal demo serves the demo event's page on a
// loopback address, says where under the welcome line, and the page is
// there once the organiser opens the call (a newcomer's first steps).
func TestDemoWebPage(t *testing.T) {
	in, typed := io.Pipe()
	out, errs := &lockedOut{}, &lockedOut{}
	done := make(chan int, 1)
	go func() {
		done <- run(context.Background(), []string{"run", "--data", filepath.Join(t.TempDir(), "data"), "--web", "127.0.0.1:0"}, in, out, errs)
	}()
	wait := func(re *regexp.Regexp) []string {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if m := re.FindStringSubmatch(out.String()); m != nil {
				return m
			}
		}
		t.Fatalf("no %s in:\n%s\n%s", re, out.String(), errs.String())
		return nil
	}
	page := wait(regexp.MustCompile(`(http://127\.0\.0\.1:\d+/demo/calls/kipina-2017)`))[1]
	if _, err := io.WriteString(typed, "/kipina call open kipina-2017\n"); err != nil {
		t.Fatal(err)
	}
	wait(regexp.MustCompile(regexp.QuoteMeta(page) + `\n  \[1\]`)) // the preview, with the page's link
	if _, err := io.WriteString(typed, "1\n"); err != nil {
		t.Fatal(err)
	}
	wait(regexp.MustCompile(regexp.QuoteMeta(page) + `\n  \[2\]`)) // the call posted, with its Apply button
	resp, err := http.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || !strings.Contains(string(body), "Kipinä 2017") {
		t.Errorf("page %d (%v):\n%s", resp.StatusCode, err, body)
	}
	typed.Close()
	if code := <-done; code != 0 {
		t.Errorf("exit %d: %s", code, errs.String())
	}
}

// TestDemoWebLine: the demo's line about the web page is in the reader's
// language and says to open the call first only while it is not open
// (a newcomer who ran the README's walkthrough and starts again).
func TestDemoWebLine(t *testing.T) {
	cat := locale.MustLoad()
	data := filepath.Join(t.TempDir(), "data")
	session := func(input string) string {
		t.Helper()
		var out, errs lockedOut
		if code := run(context.Background(), []string{"run", "--data", data, "--web", "127.0.0.1:0"}, strings.NewReader(input), &out, &errs); code != 0 {
			t.Fatalf("exit %d: %s", code, errs.String())
		}
		return out.String()
	}
	has := func(out, lang, id string) bool {
		for _, p := range bottest.Pieces(cat, lang, id, []string{"URL", "Dir"}, "Event", "kipina-2017") {
			if !strings.Contains(out, p) {
				return false
			}
		}
		return true
	}
	t.Run("a first start says to open the call, in Finnish", func(t *testing.T) {
		out := session("/kipina lang en\n/kipina call open kipina-2017\n1\n")
		if !has(out, "fi", "shell.web") {
			t.Errorf("no fi shell.web in:\n%s", out)
		}
	})
	t.Run("the next start is in English and knows the call is open", func(t *testing.T) {
		out := session("")
		if !has(out, "en", "shell.web.open") || has(out, "en", "shell.web") || has(out, "fi", "shell.web") {
			t.Errorf("want only en shell.web.open in:\n%s", out)
		}
	})
}

// TestREADMEWalkthrough runs scripts/walkthrough.txt and checks that every
// line of the README's terminal transcript (but those shortened with …)
// is what the bot prints, in order: the README shows what really happens.
func TestREADMEWalkthrough(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "## Trying it in the terminal")
	_, block, _ := strings.Cut(section, "```text\n")
	block, _, _ = strings.Cut(block, "```")
	script, err := os.ReadFile("../../scripts/walkthrough.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out, errs lockedOut
	if code := run(context.Background(), []string{"run", "--data", filepath.Join(t.TempDir(), "data"), "--web", "127.0.0.1:0"}, strings.NewReader(string(script)), &out, &errs); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	// The port and the demo's dates (offsets from today) vary.
	port := regexp.MustCompile(`127\.0\.0\.1:\d+`)
	date := regexp.MustCompile(`\d{1,2} [A-Z][a-z]{2} \d{4}( \d{1,2}:\d{2})?`)
	clean := func(s string) string { return date.ReplaceAllString(port.ReplaceAllString(s, "HOST"), "DATE") }
	got := clean(out.String())
	// What a person types comes in order; within the answer to one line,
	// the reply and the channel posts the outbox delivers may come in
	// either order, so each other line is looked for in its turn's output.
	typed := regexp.MustCompile(`(?m)^(nina|anna)> `)
	turnOf := func(s string) string {
		if loc := typed.FindStringIndex(s[1:]); loc != nil {
			return s[:loc[0]+1]
		}
		return s
	}
	rest, turn := got, got
	for _, line := range strings.Split(block, "\n") {
		if line == "" || strings.HasPrefix(line, "$") || strings.Contains(line, "…") {
			continue
		}
		if typed.MatchString(line) {
			i := strings.Index(rest, clean(line)+"\n")
			if i < 0 {
				t.Fatalf("README line not typed (in order):\n%s\noutput:\n%s", line, got)
			}
			rest = rest[i:]
			turn = turnOf(rest)
			continue
		}
		if !strings.Contains(turn, clean(line)+"\n") {
			t.Fatalf("README line not printed in its turn:\n%s\noutput:\n%s", line, got)
		}
	}
}
