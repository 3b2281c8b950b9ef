package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
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
	wait(regexp.MustCompile(regexp.QuoteMeta(page) + `\n  \[1\]`)) // the call posted, with the page's link
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
