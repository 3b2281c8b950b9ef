// Package shell is the terminal adapter: the default when no chat platform
// is configured, and the harness of scenario tests.
//
// A person plays several users by switching (":as nina"); slash commands
// are typed as in chat ("/kipina help"); forms are asked field by field
// with their help and errors; buttons and options are chosen by number. It
// reads from a pipe as well as a terminal, echoing each line it reads from
// a pipe so a transcript reads like a conversation.
package shell

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/internal/private"
)

// Adapter is the shell platform.
type Adapter struct {
	in  *bufio.Reader
	out io.Writer
	ws  string
	// Echo prints each input line after the prompt (for pipes).
	Echo bool
	// T translates the adapter's own texts for a user (set by the caller to
	// the bot's catalog and the user's language).
	T func(u chat.UserRef, id string, kv ...any) string
	// AfterLine runs after each handled line: the caller delivers due
	// messages there, so output follows input in order.
	AfterLine func(ctx context.Context)
	// Advance moves a fake clock (":wait 3d"); nil when the clock is real.
	Advance func(d time.Duration)
	// FileDir is where uploaded files are saved.
	FileDir string
	// Intro, when set, gives the lines printed after the welcome for the
	// user the session starts as (the demo's web page), in their language
	// and as things stand when Run starts.
	Intro func(u chat.UserRef) []string

	mu       sync.Mutex
	user     string
	controls []pressable
	posts    int
	pending  string // a command typed in a form, run once the form is left
}

type pressable struct {
	ref  chat.MessageRef
	to   chat.Address
	ctrl chat.Control
}

var _ chat.Platform = (*Adapter)(nil)
var _ chat.Ephemeral = (*Adapter)(nil)
var _ chat.FileUploader = (*Adapter)(nil)

// New returns an adapter reading in and writing out, for workspace ws,
// starting as user.
func New(in io.Reader, out io.Writer, ws, user string) *Adapter {
	return &Adapter{in: bufio.NewReader(in), out: out, ws: ws, user: user,
		T: func(_ chat.UserRef, id string, _ ...any) string { return id }}
}

// Name returns "shell".
func (a *Adapter) Name() string { return "shell" }

func (a *Adapter) me() chat.UserRef {
	a.mu.Lock()
	defer a.mu.Unlock()
	return chat.UserRef{Platform: "shell", Workspace: a.ws, User: a.user}
}

func (a *Adapter) t(id string, kv ...any) string { return a.T(a.me(), id, kv...) }

func (a *Adapter) printf(format string, args ...any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	fmt.Fprintf(a.out, format, args...)
}

// Note prints text on a line of its own, between the conversation's
// lines (the demo's e-mails are announced with it).
func (a *Adapter) Note(text string) {
	a.printf("\n%s\n", strings.TrimRight(text, "\n"))
}

// readLine prompts and reads one line; io.EOF at the end of input.
func (a *Adapter) readLine(prompt string) (string, error) {
	a.printf("%s", prompt)
	if line, ok := a.takePending(); ok {
		a.printf("%s\n", line)
		return line, nil
	}
	line, err := a.in.ReadString('\n')
	if err != nil && (err != io.EOF || line == "") {
		if a.Echo || prompt != "" {
			a.printf("\n")
		}
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if a.Echo {
		a.printf("%s\n", line)
	}
	return line, nil
}

// Connected reports true: the terminal is always there. It implements
// chat.Connected.
func (a *Adapter) Connected() bool { return true }

// Run reads lines until the input ends or ctx is done.
func (a *Adapter) Run(ctx context.Context, h chat.Handler) error {
	a.printf("%s\n", a.t("shell.welcome", "User", a.me().User))
	if a.Intro != nil {
		for _, l := range a.Intro(a.me()) {
			a.printf("%s\n", l)
		}
	}
	return a.loop(ctx, h)
}

// Script handles the lines of input as if typed, then returns: scenario
// tests feed a conversation in steps through one adapter.
func (a *Adapter) Script(ctx context.Context, h chat.Handler, input string) error {
	a.in = bufio.NewReader(strings.NewReader(input))
	return a.loop(ctx, h)
}

func (a *Adapter) loop(ctx context.Context, h chat.Handler) error {
	for ctx.Err() == nil {
		line, err := a.readLine(a.me().User + "> ")
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if a.line(ctx, h, strings.TrimSpace(line)) {
			return nil
		}
		if a.AfterLine != nil {
			a.AfterLine(ctx)
		}
	}
	return ctx.Err()
}

// line handles one input line; it returns true to quit.
func (a *Adapter) line(ctx context.Context, h chat.Handler, line string) bool {
	origin := chat.Origin{User: a.me(), Channel: "shell", Trigger: "shell"}
	switch {
	case line == "" || strings.HasPrefix(line, "#"):
	case line == ":quit" || line == ":q":
		return true
	case line == ":help":
		a.printf("%s\n", a.t("shell.help"))
	case strings.HasPrefix(line, ":as"):
		name := strings.TrimPrefix(strings.TrimSpace(strings.TrimPrefix(line, ":as")), "@")
		if name == "" {
			a.printf("%s\n", a.t("shell.as_usage"))
			break
		}
		a.mu.Lock()
		a.user = name
		a.mu.Unlock()
		a.printf("%s\n", a.t("shell.now_as", "User", name))
	case strings.HasPrefix(line, ":wait"):
		a.wait(strings.TrimSpace(strings.TrimPrefix(line, ":wait")))
	case strings.HasPrefix(line, "/kipina"):
		a.respond(ctx, h, origin, h.Handle(ctx, &chat.Command{Origin: origin, Text: strings.TrimSpace(strings.TrimPrefix(line, "/kipina"))}), chat.MessageRef{})
	case strings.HasPrefix(line, "/"):
		a.printf("%s\n", a.t("shell.only_kipina"))
	default:
		if n, err := strconv.Atoi(line); err == nil {
			a.press(ctx, h, origin, n)
			break
		}
		a.respond(ctx, h, origin, h.Handle(ctx, &chat.Text{Origin: origin, Text: line}), chat.MessageRef{})
	}
	return false
}

func (a *Adapter) wait(arg string) {
	if a.Advance == nil {
		a.printf("%s\n", a.t("shell.no_fake_clock"))
		return
	}
	d, err := ParseWait(arg)
	if err != nil {
		a.printf("%s\n", a.t("shell.wait_usage"))
		return
	}
	a.Advance(d)
	a.printf("%s\n", a.t("shell.waited", "Duration", arg))
}

// ParseWait reads a duration such as 90m, 2h, 3d or 2w.
func ParseWait(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n := len(s); n > 1 {
		unit := map[byte]time.Duration{'d': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[s[n-1]]
		if unit > 0 {
			k, err := strconv.Atoi(s[:n-1])
			if err != nil || k < 0 || k > 3660 {
				return 0, fmt.Errorf("wait %q: want a number of days or weeks", s)
			}
			return time.Duration(k) * unit, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("wait %q: want e.g. 90m, 2h, 3d or 2w", s)
	}
	return d, nil
}

// press clicks control number n.
func (a *Adapter) press(ctx context.Context, h chat.Handler, o chat.Origin, n int) {
	a.mu.Lock()
	if n < 1 || n > len(a.controls) {
		a.mu.Unlock()
		a.printf("%s\n", a.t("shell.no_such_button", "N", n))
		return
	}
	p := a.controls[n-1]
	a.mu.Unlock()
	value := p.ctrl.Value
	if p.ctrl.Kind == chat.Select {
		v, ok := a.choose(p.ctrl.Options, false, "")
		if !ok {
			return
		}
		value = v
	}
	resp := h.Handle(ctx, &chat.Action{Origin: o, Message: p.ref, ActionID: p.ctrl.ID, Value: value})
	a.respond(ctx, h, o, resp, p.ref)
}

// respond shows a response: a private reply, a form to fill in, or an
// update of the message an action came from.
func (a *Adapter) respond(ctx context.Context, h chat.Handler, o chat.Origin, r chat.Response, from chat.MessageRef) {
	if r.Update != nil {
		a.show("~ "+a.t("shell.updated"), *r.Update, chat.Address{Platform: "shell", Workspace: a.ws, User: o.User.User}, from)
	}
	if r.Reply != nil {
		a.show("", *r.Reply, chat.DM(o.User), chat.MessageRef{})
	}
	if r.Form != nil {
		a.fill(ctx, h, o, *r.Form)
	}
}

// show prints a message with numbered controls.
func (a *Adapter) show(header string, m chat.Message, to chat.Address, ref chat.MessageRef) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if header != "" {
		fmt.Fprintf(a.out, "%s\n", header)
	}
	fmt.Fprintf(a.out, "%s\n", indent(chat.PlainText(m.Text)))
	var buttons []string
	for _, c := range m.Controls {
		a.controls = append(a.controls, pressable{ref: ref, to: to, ctrl: c})
		buttons = append(buttons, fmt.Sprintf("[%d] %s", len(a.controls), chat.PlainText(c.Label)))
	}
	if len(buttons) > 0 {
		fmt.Fprintf(a.out, "  %s\n", strings.Join(buttons, "  "))
	}
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ")
}

// Post prints a message to a channel or a user.
func (a *Adapter) Post(_ context.Context, to chat.Address, m chat.Message) (chat.MessageRef, error) {
	a.mu.Lock()
	a.posts++
	ref := chat.MessageRef{Channel: to.Channel + to.User, ID: strconv.Itoa(a.posts)}
	a.mu.Unlock()
	a.show(header(to), m, to, ref)
	return ref, nil
}

func header(to chat.Address) string {
	if to.Channel != "" {
		return "── #" + to.Channel
	}
	return "── @" + to.User
}

// Update prints the new text of a message.
func (a *Adapter) Update(_ context.Context, to chat.Address, ref chat.MessageRef, m chat.Message) error {
	a.show(header(to)+" (~"+ref.ID+")", m, to, ref)
	return nil
}

// PostEphemeral prints a message only the user sees.
func (a *Adapter) PostEphemeral(ctx context.Context, to chat.Address, u chat.UserRef, m chat.Message) error {
	_, err := a.Post(ctx, chat.DM(u), m)
	return err
}

// Upload saves a file in FileDir and says where. The file is readable
// only by the bot's user (0600) in a folder only it can list (0700); without
// FileDir, a folder of the user's own under the system's temporary folder.
func (a *Adapter) Upload(_ context.Context, to chat.Address, f chat.File, comment string) error {
	dir := a.FileDir
	if dir == "" {
		dir = filepath.Join(os.TempDir(), fmt.Sprintf("kipina-%d", os.Getuid()))
	}
	path := filepath.Join(dir, filepath.Base(f.Name))
	if err := private.WriteFile(path, f.Content); err != nil {
		return err
	}
	a.show(header(to), chat.Message{Text: comment + "\n" + path}, to, chat.MessageRef{})
	return nil
}
