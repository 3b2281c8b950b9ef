package mattermost

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kipina/kipina/bot/chat"
	"github.com/mattermost/mattermost/server/public/model"
)

// PropMessageID is the post prop holding a message's outbox message id (chat.SentFinder).
const PropMessageID = "kipina_message_id"

// MaxPostRunes is Mattermost's limit on a post's message.
const MaxPostRunes = 16383

// Dialog limits of Mattermost (v8).
const (
	maxTitle     = 24
	maxLabel     = 24
	maxHelp      = 150
	maxTextLen   = 150
	maxAreaLen   = 3000
	maxIntroText = 3000
)

var boldRE = regexp.MustCompile(`(^|[\s(>"'])\*([^*\s](?:[^*\n]*?[^*\s])?)\*($|[\s).,:;!?"'<])`)

// markdown turns the core's plain text (*bold*, line breaks) into
// Mattermost markdown (**bold**) within the post size limit. The mentions
// the bot built (chat.Mention) become "@" + user id; in all other text
// markup that could act is escaped (escapeMarkdown).
func markdown(s string) string {
	var b strings.Builder
	chat.Segments(s, func(t string) { b.WriteString(escapeMarkdown(t)) }, func(u string) {
		if model.IsValidId(u) {
			b.WriteString("@" + u)
		} else { // not a user id (an unresolved name someone typed): text
			b.WriteString(escapeMarkdown("@" + u))
		}
	})
	s = boldRE.ReplaceAllString(b.String(), "$1**$2**$3")
	return clip(s, MaxPostRunes)
}

var (
	// mdEscaper backslash-escapes what starts a link, an image, an
	// autolink or inline HTML, and the backslash itself (CommonMark
	// backslash escapes, which Mattermost's renderer follows).
	mdEscaper = strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`, "<", `\<`, ">", `\>`, "`", "\\`")
	// atRE is an "@" where Mattermost would read a mention: at the start
	// or after a character that is not part of a word, before a name.
	atRE = regexp.MustCompile(`(^|[^\p{L}\p{N}_])@([\p{L}\p{N}_])`)
)

// escapeMarkdown makes text a person may have typed show as typed:
// links, images, autolinks and code escaped, and a zero-width space after
// each "@" that would start a mention (@channel, @all, @here, @name), so
// that nobody is notified. A bare URL still shows as a link: it shows
// where it goes.
func escapeMarkdown(s string) string {
	s = mdEscaper.Replace(s)
	return atRE.ReplaceAllString(s, "$1@\u200b$2")
}

// clip cuts s to n runes, ending with "…" when it cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// actionID is the Mattermost id of the i-th control of a post: the server
// routes clicks by ids of letters and digits only, so the core's id travels
// in the signed context instead.
func actionID(i int) string { return "kipina" + strconv.Itoa(i) }

// audience is who may click a post's controls and for how long: a post
// shown to one person (a direct message, an ephemeral post, a command's
// answer) binds its controls to that user; a channel post leaves user
// empty. ttl is the controls' lifetime (Options.ActionTTL for posts,
// Options.EphemeralTTL for what vanishes on reload).
type audience struct {
	user string
	ttl  time.Duration
}

// inChannel is the audience of a post in a channel: anyone there, for
// ActionTTL.
func (a *Adapter) inChannel() audience { return audience{ttl: a.opts.ActionTTL} }

// dmTo is the audience of a direct message to user.
func (a *Adapter) dmTo(user string) audience { return audience{user: user, ttl: a.opts.ActionTTL} }

// onlyFor is the audience of an ephemeral post or a command's answer.
func (a *Adapter) onlyFor(user string) audience {
	return audience{user: user, ttl: a.opts.EphemeralTTL}
}

// attachments renders the controls of m as one attachment of actions
// whose contexts are signed for ws, channel and the audience.
func (a *Adapter) attachments(ws, channel string, to audience, m chat.Message) []*model.MessageAttachment {
	if len(m.Controls) == 0 {
		return nil
	}
	att := &model.MessageAttachment{}
	for i, c := range m.Controls {
		pa := &model.PostAction{
			Id: actionID(i), Name: chat.PlainText(c.Label), Type: model.PostActionTypeButton,
			Integration: &model.PostActionIntegration{
				URL:     a.opts.CallbackURL + PathAction,
				Context: a.sign.signAction(action{ID: c.ID, Value: c.Value, Workspace: ws, Channel: channel, User: to.user}, to.ttl),
			},
		}
		switch c.Style {
		case "primary":
			pa.Style = "primary"
		case "danger":
			pa.Style = "danger"
		}
		if c.Kind == chat.Select {
			pa.Type = model.PostActionTypeSelect
			for _, o := range c.Options {
				pa.Options = append(pa.Options, &model.PostActionOptions{Text: chat.PlainText(o.Label), Value: o.Value})
			}
		}
		att.Actions = append(att.Actions, pa)
	}
	return []*model.MessageAttachment{att}
}

// post renders m for channel of workspace ws, its controls for the
// audience.
func (a *Adapter) post(ws, channel string, to audience, m chat.Message) *model.Post {
	p := &model.Post{ChannelId: channel, Message: markdown(m.Text)}
	p.SetProps(a.props(ws, channel, to, m))
	return p
}

// props are a post's props: the controls, the outbox message id, and group
// mentions (@channel, @all, @here) switched off: the bot never notifies a
// whole channel.
func (a *Adapter) props(ws, channel string, to audience, m chat.Message) model.StringInterface {
	props := model.StringInterface{model.PostPropsGroupHighlightDisabled: true}
	if att := a.attachments(ws, channel, to, m); att != nil {
		props[model.PostPropsAttachments] = att
	}
	if m.ID != "" {
		props[PropMessageID] = m.ID
	}
	return props
}

// dialog renders a form as an interactive dialog whose state is signed
// for the user it opens for.
func (a *Adapter) dialog(ws, user string, f chat.Form) model.Dialog {
	d := model.Dialog{
		CallbackId:       f.ID,
		Title:            clip(f.Title, maxTitle),
		IntroductionText: clip(markdown(f.Intro), maxIntroText),
		SubmitLabel:      f.Submit,
		State:            a.sign.signState(ws, user, f.ID, f.State, a.opts.DialogTTL),
	}
	for _, fd := range f.Fields {
		d.Elements = append(d.Elements, element(fd))
	}
	return d
}

// element renders one field. Kinds the 2024 servers lack fall back to text
// fields the core validates: multi-select takes comma-separated choices
// listed in the help text, a date takes YYYY-MM-DD.
func element(fd chat.Field) model.DialogElement {
	e := model.DialogElement{
		DisplayName: clip(fd.Label, maxLabel), Name: fd.ID, Type: "text",
		Default: fd.Value, Placeholder: fd.Placeholder, HelpText: fd.Help, Optional: fd.Optional,
		MaxLength: min(fd.Limit(), maxTextLen),
	}
	switch fd.Kind {
	case chat.Email, chat.URL, chat.Number:
		e.SubType = string(fd.Kind)
	case chat.LongText:
		e.Type, e.MaxLength = "textarea", min(fd.Limit(), maxAreaLen)
	case chat.ShortText:
		if fd.Limit() > maxTextLen {
			e.Type, e.MaxLength = "textarea", min(fd.Limit(), maxAreaLen)
		}
	case chat.SelectOne:
		e.Type, e.MaxLength = "select", 0
		for _, o := range fd.Options {
			e.Options = append(e.Options, &model.PostActionOptions{Text: o.Label, Value: o.Value})
		}
	case chat.YesNo:
		// A checkbox; never required, or the client would demand a tick.
		e.Type, e.MaxLength, e.Optional = "bool", 0, true
		e.Default = strconv.FormatBool(fd.Value == "yes")
		if e.Placeholder == "" {
			e.Placeholder = fd.Label
		}
	case chat.SelectMany:
		var labels []string
		for _, o := range fd.Options {
			labels = append(labels, o.Label)
		}
		e.HelpText = strings.TrimSpace(fd.Help + " (" + strings.Join(labels, ", ") + ")")
		if e.Placeholder == "" {
			e.Placeholder = "a, b, …"
		}
		e.MaxLength = maxTextLen
	case chat.Date:
		if e.Placeholder == "" {
			e.Placeholder = "YYYY-MM-DD"
		}
	}
	e.HelpText = clip(e.HelpText, maxHelp)
	return e
}

// values turns a dialog submission into the core's values: text as typed,
// a checkbox as yes/no, numbers as text, a multi-select's typed labels or
// values as option values joined with commas.
func values(f *chat.Form, sub map[string]any) map[string]string {
	out := make(map[string]string, len(sub))
	for k, v := range sub {
		switch v := v.(type) {
		case nil:
		case string:
			out[k] = v
		case bool:
			out[k] = map[bool]string{true: "yes", false: "no"}[v]
		case float64:
			out[k] = strconv.FormatFloat(v, 'f', -1, 64)
		default:
			out[k] = fmt.Sprint(v)
		}
	}
	if f == nil {
		return out
	}
	for _, fd := range f.Fields {
		switch fd.Kind {
		case chat.YesNo:
			if out[fd.ID] == "" {
				out[fd.ID] = "no"
			}
		case chat.SelectMany:
			out[fd.ID] = choices(fd.Options, out[fd.ID])
		}
	}
	return out
}

// choices maps comma-separated labels or values to option values; what
// matches no option stays as typed, for the core to refuse.
func choices(opts []chat.Option, typed string) string {
	var out []string
	for _, x := range strings.Split(typed, ",") {
		x = strings.TrimSpace(x)
		if x == "" {
			continue
		}
		for _, o := range opts {
			if strings.EqualFold(x, o.Value) || strings.EqualFold(x, o.Label) {
				x = o.Value
				break
			}
		}
		out = append(out, x)
	}
	return strings.Join(out, ",")
}
