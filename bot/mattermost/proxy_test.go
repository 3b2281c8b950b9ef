package mattermost

import (
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// patience bounds the end-to-end test's waits for something the server or
// the bot does in the background. Only a wait: on an idle machine each is
// over in a second or two, but a loaded 2-core CI machine can take minutes
// (the outbox backs off up to a minute after a run of failures).
const patience = 3 * time.Minute

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	begin := time.Now()
	for !ok() {
		if time.Since(begin) > patience {
			t.Fatalf("waited %s for %s", patience, what)
		}
		time.Sleep(250 * time.Millisecond)
	}
	if d := time.Since(begin); d > 10*time.Second {
		t.Logf("waited %s for %s", d.Round(time.Millisecond), what)
	}
}

// proxy is a TCP proxy that can drop all its connections and refuse new
// ones, as if the server had gone away.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool // both ends of every open pair
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); p.setDown(true) })
	go p.accept()
	return p
}

func (p *proxy) url() string { return "http://" + p.ln.Addr().String() }

func (p *proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.pipe(c)
	}
}

// pipe connects c to the target until either side closes.
func (p *proxy) pipe(c net.Conn) {
	if p.isDown() {
		c.Close()
		return
	}
	up, err := net.DialTimeout("tcp", p.target, 10*time.Second)
	if err != nil {
		c.Close()
		return
	}
	// Register under the lock and check again: a setDown(true) while we
	// were dialling must not leave this pair open through the outage.
	p.mu.Lock()
	if p.down {
		p.mu.Unlock()
		c.Close()
		up.Close()
		return
	}
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, c); up.Close(); done <- struct{}{} }()
	go func() { io.Copy(c, up); c.Close(); done <- struct{}{} }()
	<-done
	<-done
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

func (p *proxy) isDown() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.down
}

// setDown takes the server away (dropping every connection) or brings it
// back.
func (p *proxy) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for c := range p.conns {
			c.Close()
		}
		clear(p.conns)
	}
}

// restore brings the server back and waits until a fresh connection
// through the proxy reaches it (the bot's next request gets through).
func (p *proxy) restore(t *testing.T) {
	t.Helper()
	p.setDown(false)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	waitFor(t, "the proxy to reach the server again", func() bool {
		resp, err := client.Get(p.url() + "/api/v4/system/ping")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}
