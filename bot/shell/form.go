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
	line = strings.TrimSpace(line)
	switch {
	case line == "":
		return cur, true
	case line == "-":
		return "", true
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

func (a *Adapter) chooseField(fd chat.Field, cur string) (string, bool) {
	return a.choose(fd.Options, fd.Kind == chat.SelectMany, cur)
}

// choose reads an option by number or value; several, separated by commas,
// when many.
func (a *Adapter) choose(opts []chat.Option, many bool, cur string) (string, bool) {
	for i, o := range opts {
		a.printf("      %d) %s\n", i+1, o.Label)
	}
	prompt := "> "
	if cur != "" {
		prompt = fmt.Sprintf("[%s] > ", cur)
	}
	line, err := a.readLine(prompt)
	if err != nil || strings.TrimSpace(line) == ":cancel" {
		return "", false
	}
	line = strings.TrimSpace(line)
	if line == "" {
		return cur, true
	}
	var picked []string
	for _, part := range strings.Split(line, ",") {
		part = strings.TrimSpace(part)
		if n, err := strconv.Atoi(part); err == nil && n >= 1 && n <= len(opts) {
			part = opts[n-1].Value
		}
		picked = append(picked, part)
		if !many {
			break
		}
	}
	return strings.Join(picked, ","), true
}
