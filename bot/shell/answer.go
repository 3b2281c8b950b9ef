package shell

import (
	"strings"

	"github.com/kipina/kipina/bot/chat"
)

// looksLikeCommand reports whether a line typed as a form answer is more
// likely a command: it starts with "/" (a bot command) or ":" (a shell
// command), other than ":cancel", which the form reads itself.
func looksLikeCommand(line string) bool {
	line = strings.TrimSpace(line)
	return line != ":cancel" && (strings.HasPrefix(line, "/") || strings.HasPrefix(line, ":"))
}

// leaveForm asks whether a command typed inside a form means to leave it.
// On yes the line is kept to run once the form is left, and it returns
// true; on no (or anything else) the field is asked again.
func (a *Adapter) leaveForm(line string) bool {
	a.printf("%s\n", a.t("shell.leave_form", "Line", strings.TrimSpace(line)))
	reply, err := a.readLine(a.t("shell.leave_form.prompt") + " ")
	if err != nil {
		return true
	}
	if !a.yes(reply) {
		return false
	}
	a.mu.Lock()
	a.pending = strings.TrimSpace(line)
	a.mu.Unlock()
	return true
}

// yes reports whether a reply to a yes/no question is yes: the option
// number 1, or the start of "yes" in the user's language or in English.
func (a *Adapter) yes(reply string) bool {
	r := strings.ToLower(strings.TrimSpace(reply))
	if r == "" {
		return false
	}
	if r == "1" {
		return true
	}
	for _, w := range []string{strings.ToLower(a.t("button.yes")), "yes"} {
		if strings.HasPrefix(w, r) {
			return true
		}
	}
	return false
}

// refuse checks one answer as it is typed, with the same rules and
// messages a submitted form gets (chat.Form.Check): a choice that is not
// an option, a number that is not one, an e-mail or a date that is not
// one. It returns the message to show, or "" when the answer is fine. An
// empty answer is left to the submit (required fields).
func (a *Adapter) refuse(fd chat.Field, v string) string {
	if strings.TrimSpace(v) == "" {
		return ""
	}
	f := chat.Form{Fields: []chat.Field{fd}}
	p, bad := f.Check(map[string]string{fd.ID: v})[fd.ID]
	if !bad {
		return ""
	}
	var kv []any
	for k, x := range p.Data {
		kv = append(kv, k, x)
	}
	return a.t(p.ID, kv...)
}

// takePending returns the line kept by leaveForm, once.
func (a *Adapter) takePending() (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	line := a.pending
	a.pending = ""
	return line, line != ""
}
