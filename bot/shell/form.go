package shell

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/kipina/kipina/bot/chat"
)

// fill asks a form's fields one by one, submits it, and asks again only
// the fields that came back with errors, keeping everything else typed.
func (a *Adapter) fill(ctx context.Context, h chat.Handler, o chat.Origin, f chat.Form) {
	values := map[string]string{}
	for _, fd := range f.Fields {
		if fd.Value != "" {
			values[fd.ID] = fd.Value
		}
	}
	a.printf("══ %s ══\n", f.Title)
	if f.Intro != "" {
		a.printf("%s\n", indent(chat.PlainText(f.Intro)))
	}
	a.printf("%s\n", a.t("shell.form_hint"))
	ask := f.Fields
	for {
		for i, fd := range ask {
			v, ok := a.askField(fd, values[fd.ID], i+1, len(ask))
			if !ok {
				a.printf("%s\n", a.t("shell.form_cancelled"))
				return
			}
			values[fd.ID] = v
		}
		a.printf("→ %s\n", f.Submit)
		resp := h.Handle(ctx, &chat.FormSubmit{Origin: o, FormID: f.ID, State: f.State, Values: values})
		if len(resp.Errors) == 0 {
			a.respond(ctx, h, o, resp, chat.MessageRef{})
			return
		}
		ask = ask[:0:0]
		for _, fd := range f.Fields {
			if msg, bad := resp.Errors[fd.ID]; bad {
				a.printf("  ✗ %s: %s\n", fd.Label, msg)
				ask = append(ask, fd)
			}
		}
		if len(ask) == 0 { // errors on no known field: show them and stop
			for id, msg := range resp.Errors {
				a.printf("  ✗ %s: %s\n", id, msg)
			}
			return
		}
	}
}

// askField reads one field. Enter keeps the current value; "-" clears an
// optional one; ":cancel" abandons the form.
func (a *Adapter) askField(fd chat.Field, cur string, n, total int) (string, bool) {
	mark := ""
	if !fd.Optional {
		mark = "*"
	}
	a.printf("[%d/%d] %s%s\n", n, total, fd.Label, mark)
	if fd.Help != "" {
		a.printf("      %s\n", fd.Help)
	}
	switch fd.Kind {
	case chat.SelectOne, chat.SelectMany:
		return a.chooseField(fd, cur)
	case chat.YesNo:
		opts := []chat.Option{{Value: "yes", Label: a.t("button.yes")}, {Value: "no", Label: a.t("button.no")}}
		fd.Options = opts
		return a.chooseField(fd, cur)
	}
	prompt := "> "
	if cur != "" {
		prompt = fmt.Sprintf("[%s] > ", short(cur))
	}
	line, err := a.readLine(prompt)
	if err != nil || strings.TrimSpace(line) == ":cancel" {
		return "", false
	}
	if looksLikeCommand(line) {
		if a.leaveForm(line) {
			return "", false
		}
		return a.askField(fd, cur, n, total)
	}
	line = strings.TrimSpace(line)
	switch {
	case line == "":
		return cur, true
	case line == "-":
		return "", true
	}
	if msg := a.refuse(fd, line); msg != "" {
		a.printf("  ✗ %s\n", msg)
		return a.askField(fd, cur, n, total)
	}
	// A long text may continue over lines ending in a backslash.
	for fd.Kind == chat.LongText && strings.HasSuffix(line, `\`) {
		more, err := a.readLine("… ")
		if err != nil {
			break
		}
		line = strings.TrimSuffix(line, `\`) + "\n" + strings.TrimSpace(more)
	}
	return line, true
}

func short(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// chooseField reads a choice and checks it at once: a number out of range
// or a word that is no option is refused with the catalogue's message and
// asked again; a command asks whether to leave the form.
func (a *Adapter) chooseField(fd chat.Field, cur string) (string, bool) {
	read := a.choose
	for {
		v, ok := read(fd.Options, fd.Kind == chat.SelectMany, cur)
		read = a.pick // the options stay on screen
		if !ok {
			return "", false
		}
		if looksLikeCommand(v) {
			if a.leaveForm(v) {
				return "", false
			}
			continue
		}
		if v == cur {
			return v, true
		}
		if msg := a.refuse(fd, v); msg != "" {
			a.printf("  ✗ %s\n", msg)
			continue
		}
		return v, true
	}
}

// choose reads an option by number or value; several, separated by commas,
// when many.
func (a *Adapter) choose(opts []chat.Option, many bool, cur string) (string, bool) {
	for i, o := range opts {
		a.printf("      %d) %s\n", i+1, o.Label)
	}
	return a.pick(opts, many, cur)
}

// labelsOf writes a choice's current value as people read it: the labels
// of its options ("Prototyyppi", "kyllä"), not their codes ("prototype",
// "yes"), several joined with ", " (issue 15). A value that is no option
// is shown as it is.
func labelsOf(opts []chat.Option, cur string) string {
	parts := strings.Split(cur, ",")
	for i, p := range parts {
		for _, o := range opts {
			if o.Value == strings.TrimSpace(p) {
				parts[i] = o.Label
			}
		}
	}
	return strings.Join(parts, ", ")
}

// pick reads the answer to a choice whose options are already shown.
func (a *Adapter) pick(opts []chat.Option, many bool, cur string) (string, bool) {
	prompt := "> "
	if cur != "" {
		prompt = fmt.Sprintf("[%s] > ", labelsOf(opts, cur))
	}
	line, err := a.readLine(prompt)
	if err != nil || strings.TrimSpace(line) == ":cancel" {
		return "", false
	}
	line = strings.TrimSpace(line)
	if line == "" {
		return cur, true
	}
	if looksLikeCommand(line) {
		return line, true
	}
	var picked []string
	for _, part := range strings.Split(line, ",") {
		part = strings.TrimSpace(part)
		if n, err := strconv.Atoi(part); err == nil && n >= 1 && n <= len(opts) {
			part = opts[n-1].Value
		}
		for _, o := range opts { // an option typed by its label ("kyllä")
			if strings.EqualFold(part, o.Label) {
				part = o.Value
			}
		}
		picked = append(picked, part)
		if !many {
			break
		}
	}
	return strings.Join(picked, ","), true
}
