// Package limitstest checks an HTTP server of the bot against misuse at
// the wire: a connection that never finishes its body is closed, and a
// body past the limit is refused.
package limitstest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Wait is how long Unfinished waits for the server to close the
// connection before failing: a bound that only a server without a read
// timeout reaches, not a measure of speed.
const Wait = 20 * time.Second

// Unfinished sends a request to addr that declares a body of 1000 bytes and
// sends 10, then expects the server to close the connection (with or
// without an answer) before Wait.
func Unfinished(t *testing.T, addr, path string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"user_id\"", path)
	c.SetReadDeadline(time.Now().Add(Wait))
	_, err = io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("%s: connection with an unfinished body still open after %v", path, Wait)
	}
}

// Oversized posts a body of size bytes (declared, and sent in chunks of
// unknown length when chunked) to base+path and expects 413.
func Oversized(t *testing.T, base, path string, size int, chunked bool) {
	t.Helper()
	// A JSON string that never ends: a decoder reads on until the limit.
	body := io.Reader(strings.NewReader(`{"text":"` + strings.Repeat("a", size)))
	if chunked {
		body = bufio.NewReader(body) // no length known: Transfer-Encoding: chunked
	}
	r, err := http.NewRequest(http.MethodPost, base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		// The server may close the connection while the client still writes.
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("%s: %d-byte body (chunked %v): status %d, want 413", path, size, chunked, resp.StatusCode)
	}
}
