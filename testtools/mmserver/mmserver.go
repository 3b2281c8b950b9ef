// Package mmserver gives Go tests a real Mattermost server (API only, backed by
// PostgreSQL, both on loopback) and a few plain net/http helpers to set it up.
//
// It deliberately imports nothing from Mattermost: the server itself lives in
// the separate module testtools/mattermost and is built, started and stopped
// by scripts/mattermost.sh.
//
// Start decides where the server comes from:
//
//   - KIPINA_MM_URL set: use that already running server (for example one
//     started by hand with `scripts/mattermost.sh start /tmp/mm`, which prints
//     the URL). Its first user must be the admin created by CreateAdmin.
//   - KIPINA_MM_E2E unset: the test is skipped. A plain `go test ./...` on a
//     developer machine therefore stays fast and needs no PostgreSQL.
//   - KIPINA_MM_E2E=1: Start runs `scripts/mattermost.sh start DIR` on a
//     fresh temporary DIR and stops the server when the test ends.
//
// CI (.ci/run) sets KIPINA_MM_E2E=1, so there the suite never skips. The first
// start on a machine builds the server binary (several minutes on 2 cores);
// run `bash scripts/mattermost.sh build` beforehand, or give go test a
// -timeout long enough. A start with a cached binary takes roughly 15-30 s, so
// put several scenarios under one test (subtests) rather than one server each.
package mmserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Server is a running Mattermost server.
type Server struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:41234 (no trailing slash).
	URL string
	// Dir is the state directory when Start launched the server itself
	// (logs: Dir/mattermost.log, Dir/postgres.log); empty for KIPINA_MM_URL.
	Dir string

	client *http.Client
}

// Start returns a running Mattermost server for the test, or skips the test;
// see the package documentation.
func Start(t testing.TB) *Server {
	t.Helper()
	if u := strings.TrimRight(os.Getenv("KIPINA_MM_URL"), "/"); u != "" {
		return &Server{URL: u, client: newClient()}
	}
	if os.Getenv("KIPINA_MM_E2E") == "" {
		t.Skip("the Mattermost end-to-end suite needs a real server: run scripts/mattermost.sh " +
			"(start DIR, then set KIPINA_MM_URL to the printed URL) or set KIPINA_MM_E2E=1 " +
			"to let the test start one (CI sets KIPINA_MM_E2E=1)")
	}
	root, err := repoRoot()
	if err != nil {
		t.Fatalf("mmserver: %v", err)
	}
	dir := t.TempDir()
	script := filepath.Join(root, "scripts", "mattermost.sh")

	// Cleanups run last-registered first: stop the server, then show its
	// logs if the test failed, then remove t.TempDir (registered first).
	t.Cleanup(func() { showLogs(t, dir) })
	t.Cleanup(func() {
		out, err := exec.Command("bash", script, "stop", dir).CombinedOutput()
		if err != nil {
			t.Errorf("mmserver: %s stop: %v\n%s", script, err, out)
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "bash", script, "start", dir)
	cmd.Dir = root
	// Cleanups do not run when the test binary dies (go test -timeout,
	// Ctrl-C, a crash): the script then stops the server itself once this
	// process is gone, and its next start removes what such a run left.
	cmd.Env = append(os.Environ(), fmt.Sprintf("KIPINA_MM_OWNER_PID=%d", os.Getpid()))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	begin := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("mmserver: %s start: %v\n%s%s", script, err, stdout.String(), stderr.String())
	}
	u := ""
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "MM_URL="); ok {
			u = v
		}
	}
	if u == "" {
		t.Fatalf("mmserver: %s start printed no MM_URL\n%s", script, stderr.String())
	}
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.HasPrefix(line, "mattermost.sh:") { // build / install / startup notes
			t.Log(line)
		}
	}
	t.Logf("mmserver: Mattermost at %s (state in %s), started in %s", u, dir, time.Since(begin).Round(time.Second))
	return &Server{URL: u, Dir: dir, client: newClient()}
}

func newClient() *http.Client { return &http.Client{Timeout: 60 * time.Second} }

// logLines is how much of each log showLogs prints.
const logLines = 80

// showLogs prints the end of the server's logs when the test failed.
func showLogs(t testing.TB, dir string) {
	if !t.Failed() {
		return
	}
	for _, name := range []string{"mattermost.log", "postgres.log"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		t.Logf("mmserver: last lines of %s:\n%s", filepath.Join(dir, name), strings.Join(lines[max(0, len(lines)-logLines):], "\n"))
	}
}

// repoRoot walks up from the working directory (a test runs in its package
// directory) to the main module's root, the directory holding go.mod and
// scripts/mattermost.sh.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if fileExists(filepath.Join(dir, "go.mod")) && fileExists(filepath.Join(dir, "scripts", "mattermost.sh")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no repository root (go.mod + scripts/mattermost.sh) above the working directory")
		}
		dir = parent
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// APIError is a non-2xx answer of the Mattermost API.
type APIError struct {
	Method, Path string
	Status       int
	ID           string // Mattermost's error id, e.g. "app.user.save.username_exists.app_error"
	Message      string
	Body         string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d %s: %s", e.Method, e.Path, e.Status, e.ID, e.Message)
}

// Call sends a JSON request to path (e.g. "/api/v4/users/me") with the token
// as bearer token ("" for none) and decodes a 2xx JSON answer into out (nil to
// ignore it). A non-2xx answer is returned as *APIError. It returns the
// response headers.
func (s *Server) Call(method, path, token string, in, out any) (http.Header, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.URL+path, body)
	if err != nil {
		return nil, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("X-Requested-With", "XMLHttpRequest")
	client := s.client
	if client == nil {
		client = newClient()
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.Header, err
	}
	if resp.StatusCode/100 != 2 {
		e := &APIError{Method: method, Path: path, Status: resp.StatusCode, Body: string(raw)}
		var m struct {
			ID      string `json:"id"`
			Message string `json:"message"`
		}
		if json.Unmarshal(raw, &m) == nil {
			e.ID, e.Message = m.ID, m.Message
		}
		return resp.Header, e
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.Header, fmt.Errorf("%s %s: decoding %q: %w", method, path, raw, err)
		}
	}
	return resp.Header, nil
}

// Transient reports whether err, from Call, may go away by itself: a network
// error or a 5xx answer. A loaded server briefly answers 500 when its
// database queries time out or its connections are being replaced.
func Transient(err error) bool {
	if err == nil {
		return false
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Status >= 500
	}
	// The request or the answer failed on the way (refused, reset, timeout).
	var urlErr *url.Error
	var netErr net.Error
	return errors.As(err, &urlErr) || errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF)
}

// ReadPatience is how long Get keeps retrying a transient failure.
const ReadPatience = 2 * time.Minute

// Get is Call for a GET (a read, safe to repeat) that retries transient
// failures (see Transient) with backoff for up to ReadPatience. Other errors,
// such as a 403 or 404, return at once.
func (s *Server) Get(path, token string, out any) error {
	deadline := time.Now().Add(ReadPatience)
	wait := 250 * time.Millisecond
	for {
		_, err := s.Call("GET", path, token, nil, out)
		if !Transient(err) || time.Now().Add(wait).After(deadline) {
			return err
		}
		time.Sleep(wait)
		wait = min(2*wait, 5*time.Second)
	}
}

// MustGet is Get that fails the test on any error.
func (s *Server) MustGet(t testing.TB, path, token string, out any) {
	t.Helper()
	if err := s.Get(path, token, out); err != nil {
		t.Fatalf("mmserver: %v (retried transient failures for up to %s)", err, ReadPatience)
	}
}

// WaitHealthy waits until the server answers the enhanced health check
// (GET /api/v4/system/ping?get_server_status=true: it writes to and deletes
// from the database and checks the file store) with status OK, for up to
// within. Call it after disturbing the server, before asserting on it.
func (s *Server) WaitHealthy(t testing.TB, within time.Duration) {
	t.Helper()
	begin := time.Now()
	wait := 250 * time.Millisecond
	for {
		var st map[string]any
		_, err := s.Call("GET", "/api/v4/system/ping?get_server_status=true", "", nil, &st)
		if err == nil && st["status"] == "OK" && st["database_status"] == "OK" {
			if d := time.Since(begin); d > 5*time.Second {
				t.Logf("mmserver: server healthy again after %s", d.Round(time.Millisecond))
			}
			return
		}
		if err == nil {
			err = fmt.Errorf("ping answered %v", st)
		}
		if time.Since(begin) > within {
			t.Fatalf("mmserver: the server is not healthy after %s: %v", within, err)
		}
		time.Sleep(wait)
		wait = min(2*wait, 2*time.Second)
	}
}

// MustCall is Call that fails the test on any error.
func (s *Server) MustCall(t testing.TB, method, path, token string, in, out any) http.Header {
	t.Helper()
	h, err := s.Call(method, path, token, in, out)
	if err != nil {
		t.Fatalf("mmserver: %v", err)
	}
	return h
}

// User is the part of a Mattermost user the helpers need.
type User struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Roles    string `json:"roles"`
	IsBot    bool   `json:"is_bot"`
}

// CreateAdmin creates the system administrator and returns a session token
// for it. On a fresh server the first user created becomes system admin, so
// call CreateAdmin before any other helper. If the user exists already (a
// reused KIPINA_MM_URL server) it just logs in, and fails the test if that
// user is not a system admin.
func (s *Server) CreateAdmin(t testing.TB, username, password string) (token string) {
	t.Helper()
	s.createUser(t, "", username, password)
	token = s.Login(t, username, password)
	var me User
	s.MustGet(t, "/api/v4/users/me", token, &me)
	if !strings.Contains(" "+me.Roles+" ", " system_admin ") {
		t.Fatalf("mmserver: %q is not a system admin (roles %q): CreateAdmin must create the server's first user", username, me.Roles)
	}
	return token
}

// CreateUser creates a regular user (or finds the existing one) and returns its id.
func (s *Server) CreateUser(t testing.TB, adminToken, username, password string) (userID string) {
	t.Helper()
	return s.createUser(t, adminToken, username, password)
}

func (s *Server) createUser(t testing.TB, token, username, password string) string {
	t.Helper()
	var u User
	_, err := s.Call("POST", "/api/v4/users", token, map[string]any{
		"username": username,
		"password": password,
		"email":    username + "@kipina.test",
	}, &u)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest && strings.Contains(apiErr.ID, "exist") {
		if token == "" {
			return "" // CreateAdmin logs in next anyway
		}
		s.MustGet(t, "/api/v4/users/username/"+url.PathEscape(username), token, &u)
		return u.ID
	}
	if err != nil {
		t.Fatalf("mmserver: creating user %q: %v", username, err)
	}
	return u.ID
}

// Login logs a user in and returns its session token.
func (s *Server) Login(t testing.TB, username, password string) (token string) {
	t.Helper()
	h := s.MustCall(t, "POST", "/api/v4/users/login", "", map[string]string{
		"login_id": username,
		"password": password,
	}, nil)
	token = h.Get("Token")
	if token == "" {
		t.Fatalf("mmserver: login of %q returned no Token header", username)
	}
	return token
}

// CreateTeam creates an open team (or finds the existing one) and returns its id.
// name: lower-case letters, digits and dashes.
func (s *Server) CreateTeam(t testing.TB, adminToken, name, displayName string) (teamID string) {
	t.Helper()
	var team struct {
		ID string `json:"id"`
	}
	_, err := s.Call("POST", "/api/v4/teams", adminToken, map[string]string{
		"name":         name,
		"display_name": displayName,
		"type":         "O",
	}, &team)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest && strings.Contains(apiErr.ID, "exist") {
		s.MustGet(t, "/api/v4/teams/name/"+url.PathEscape(name), adminToken, &team)
		return team.ID
	}
	if err != nil {
		t.Fatalf("mmserver: creating team %q: %v", name, err)
	}
	return team.ID
}

// AddToTeam adds a user (or bot) to a team; adding a member again is harmless.
func (s *Server) AddToTeam(t testing.TB, adminToken, teamID, userID string) {
	t.Helper()
	s.MustCall(t, "POST", "/api/v4/teams/"+teamID+"/members", adminToken, map[string]string{
		"team_id": teamID,
		"user_id": userID,
	}, nil)
}

// ChannelID returns the id of a team's channel by name, e.g. "town-square".
func (s *Server) ChannelID(t testing.TB, token, teamID, name string) string {
	t.Helper()
	var ch struct {
		ID string `json:"id"`
	}
	s.MustGet(t, "/api/v4/teams/"+teamID+"/channels/name/"+url.PathEscape(name), token, &ch)
	return ch.ID
}

// CreateBot creates a bot account owned by the admin (or finds the existing
// one) and a fresh personal access token for it.
func (s *Server) CreateBot(t testing.TB, adminToken, username string) (botUserID, accessToken string) {
	t.Helper()
	var bot struct {
		UserID string `json:"user_id"`
	}
	_, err := s.Call("POST", "/api/v4/bots", adminToken, map[string]string{
		"username":     username,
		"display_name": username,
	}, &bot)
	botUserID = bot.UserID
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest && strings.Contains(apiErr.ID, "exist") {
		var u User
		s.MustGet(t, "/api/v4/users/username/"+url.PathEscape(username), adminToken, &u)
		botUserID = u.ID
	} else if err != nil {
		t.Fatalf("mmserver: creating bot %q: %v", username, err)
	}
	var tok struct {
		Token string `json:"token"`
	}
	s.MustCall(t, "POST", "/api/v4/users/"+botUserID+"/tokens", adminToken, map[string]string{
		"description": "kipina test token",
	}, &tok)
	if tok.Token == "" {
		t.Fatalf("mmserver: no access token returned for bot %q", username)
	}
	return botUserID, tok.Token
}

// SetRoles replaces a user's (or bot's) system roles, e.g.
// "system_user system_admin". Bots start as plain system_user.
func (s *Server) SetRoles(t testing.TB, adminToken, userID, roles string) {
	t.Helper()
	s.MustCall(t, "PUT", "/api/v4/users/"+userID+"/roles", adminToken, map[string]string{"roles": roles}, nil)
}

// SetTeamRoles replaces a member's roles in a team, e.g. "team_user team_admin".
// A bot needs team_admin (or system_admin) to create slash commands for the
// team: plain members lack manage_slash_commands on a default server.
func (s *Server) SetTeamRoles(t testing.TB, adminToken, teamID, userID, roles string) {
	t.Helper()
	s.MustCall(t, "PUT", "/api/v4/teams/"+teamID+"/members/"+userID+"/roles", adminToken, map[string]string{"roles": roles}, nil)
}
