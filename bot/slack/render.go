package slack

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/kipina/kipina/bot/chat"
	"github.com/slack-go/slack"
)

// Slack's limits on what the adapter renders (characters).
const (
	maxTitle       = 24   // modal title, submit and close labels
	maxLabel       = 2000 // input block label and hint
	maxPlaceholder = 150
	maxOptionText  = 75
	maxOptionValue = 150
	maxOptions     = 100
	maxButtonText  = 75
	maxButtonValue = 2000
	maxSection     = 3000
	maxActions     = 25 // elements in an actions block
	maxMsgBlocks   = 50
	maxModalBlocks = 100
	maxFallback    = 4000 // the notification text of a message
)

// truncate cuts s to n characters, ending with an ellipsis when cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// cut cuts s to n characters without a mark (values, not text).
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

var (
	// escaper escapes the three characters Slack's mrkdwn gives meaning
	// (https://api.slack.com/reference/surfaces/formatting#escaping):
	// with them escaped no text can hold <@U…>, <!channel> or a link.
	escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	// mentionIn is Slack's <@U123> or <@U123|name>, <#C123|name> and
	// <https://…|label> in text a user typed.
	mentionIn = regexp.MustCompile(`<([@#!])([^>|]+)(?:\|[^>]*)?>|<([^>|@#!][^>|]*)(?:\|[^>]*)?>`)
	unescaper = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")
)

// mrkdwn turns the core's text (plain with *bold*) into Slack mrkdwn:
// special characters escaped, the mentions the bot built (chat.Mention)
// into <@U123>. An "@U123" or "<!channel>" in text a person typed stays
// text.
func mrkdwn(s string) string {
	var b strings.Builder
	chat.Segments(s, func(t string) { b.WriteString(escaper.Replace(t)) },
		func(u string) {
			if slackUserID.MatchString(u) {
				b.WriteString("<@" + u + ">")
			} else { // not a user id (an unresolved name someone typed): text
				b.WriteString(escaper.Replace("@" + u))
			}
		})
	return b.String()
}

// slackUserID is a Slack user id (U…, or W… on Enterprise Grid).
var slackUserID = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)

// plainText reads text a user typed: mentions become "@U123", channels
// "#C123", links their URL, entities decoded.
func plainText(s string) string {
	s = mentionIn.ReplaceAllStringFunc(s, func(m string) string {
		sub := mentionIn.FindStringSubmatch(m)
		switch {
		case sub[1] == "@":
			return "@" + sub[2]
		case sub[1] == "#":
			return "#" + sub[2]
		case sub[1] == "!":
			return "@" + sub[2] // <!here>, <!channel>
		default:
			return sub[3]
		}
	})
	return strings.TrimSpace(unescaper.Replace(s))
}

func plain(s string, n int) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, truncate(chat.PlainText(s), n), false, false)
}

// sections splits text into section blocks of at most maxSection
// characters, at line breaks where it can, never inside an entity, a
// mention, a link or a grapheme (see splitText).
func sections(text string) []slack.Block {
	var out []slack.Block
	text = mrkdwn(strings.TrimRight(text, "\n"))
	if text == "" {
		return nil
	}
	for _, part := range splitText(text, maxSection) {
		out = append(out, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, part, false, false), nil, nil))
	}
	return out
}

// messageBlocks renders a message: its text as sections, its controls as
// actions blocks of buttons and selects.
func messageBlocks(m chat.Message) []slack.Block {
	blocks := sections(m.Text)
	var elems []slack.BlockElement
	flush := func() {
		if len(elems) > 0 {
			blocks = append(blocks, slack.NewActionBlock("", elems...))
			elems = nil
		}
	}
	for _, c := range m.Controls {
		if len(elems) == maxActions {
			flush()
		}
		elems = append(elems, controlElement(c))
	}
	flush()
	if len(blocks) > maxMsgBlocks {
		blocks = blocks[:maxMsgBlocks]
	}
	return blocks
}

func controlElement(c chat.Control) slack.BlockElement {
	if c.Kind == chat.Select {
		opts := options(c.Options)
		sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain(c.Label, maxPlaceholder), c.ID, opts...)
		if o := find(opts, c.Value); o != nil {
			sel.InitialOption = o
		}
		return sel
	}
	b := slack.NewButtonBlockElement(c.ID, cut(c.Value, maxButtonValue), plain(c.Label, maxButtonText))
	switch c.Style {
	case "primary":
		b.Style = slack.StylePrimary
	case "danger":
		b.Style = slack.StyleDanger
	}
	return b
}

func options(in []chat.Option) []*slack.OptionBlockObject {
	out := make([]*slack.OptionBlockObject, 0, min(len(in), maxOptions))
	for _, o := range in[:min(len(in), maxOptions)] {
		out = append(out, slack.NewOptionBlockObject(cut(o.Value, maxOptionValue), plain(o.Label, maxOptionText), nil))
	}
	return out
}

func find(opts []*slack.OptionBlockObject, value string) *slack.OptionBlockObject {
	for _, o := range opts {
		if value != "" && o.Value == value {
			return o
		}
	}
	return nil
}

// yesNoLabels are the yes/no choices by the first letters of a Slack
// locale; a yes/no field with two options uses their labels instead.
var yesNoLabels = map[string][2]string{"fi": {"Kyllä", "Ei"}, "sv": {"Ja", "Nej"}, "en": {"Yes", "No"}}

// modal renders a form as a modal: an optional intro section and one input
// block per field, block_id = action_id = field id.
func modal(f chat.Form, locale string) slack.ModalViewRequest {
	v := slack.ModalViewRequest{
		Type: slack.VTModal, Title: plain(f.Title, maxTitle), CallbackID: f.ID,
		PrivateMetadata: f.State,
	}
	if f.Submit != "" {
		v.Submit = plain(f.Submit, maxTitle)
	} else if len(f.Fields) > 0 {
		v.Submit = plain("OK", maxTitle)
	}
	var blocks []slack.Block
	if f.Intro != "" {
		blocks = append(blocks, sections(f.Intro)...)
	}
	for _, fd := range f.Fields {
		if len(blocks) == maxModalBlocks {
			break
		}
		in := slack.NewInputBlock(fd.ID, plain(fd.Label, maxLabel), nil, fieldElement(fd, locale))
		if fd.Help != "" {
			in.Hint = plain(fd.Help, maxLabel)
		}
		in.Optional = fd.Optional
		blocks = append(blocks, in)
	}
	v.Blocks = slack.Blocks{BlockSet: blocks}
	return v
}

func fieldElement(fd chat.Field, locale string) slack.BlockElement {
	var ph *slack.TextBlockObject
	if fd.Placeholder != "" {
		ph = plain(fd.Placeholder, maxPlaceholder)
	}
	switch fd.Kind {
	case chat.Email:
		e := slack.NewEmailTextInputBlockElement(ph, fd.ID)
		e.InitialValue = fd.Value
		return e
	case chat.URL:
		e := slack.NewURLTextInputBlockElement(ph, fd.ID)
		e.InitialValue = fd.Value
		return e
	case chat.Number:
		e := slack.NewNumberInputBlockElement(ph, fd.ID, true)
		e.InitialValue = strings.ReplaceAll(fd.Value, ",", ".")
		return e
	case chat.SelectOne:
		opts := options(fd.Options)
		e := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, ph, fd.ID, opts...)
		e.InitialOption = find(opts, fd.Value)
		return e
	case chat.SelectMany:
		opts := options(fd.Options)
		e := slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeStatic, ph, fd.ID, opts...)
		for _, v := range strings.Split(fd.Value, ",") {
			if o := find(opts, strings.TrimSpace(v)); o != nil {
				e.InitialOptions = append(e.InitialOptions, o)
			}
		}
		return e
	case chat.YesNo:
		labels := yesNoLabels["fi"]
		if l, ok := yesNoLabels[strings.ToLower(cut(locale, 2))]; ok {
			labels = l
		}
		if len(fd.Options) == 2 {
			labels = [2]string{fd.Options[0].Label, fd.Options[1].Label}
		}
		opts := options([]chat.Option{{Value: "yes", Label: labels[0]}, {Value: "no", Label: labels[1]}})
		e := slack.NewRadioButtonsBlockElement(fd.ID, opts...)
		e.InitialOption = find(opts, fd.Value)
		return e
	case chat.Date:
		e := slack.NewDatePickerBlockElement(fd.ID)
		e.Placeholder = ph
		if t, err := chat.ParseDate(fd.Value); err == nil && fd.Value != "" {
			e.InitialDate = t.Format(chat.DateLayout)
		}
		return e
	default: // ShortText, LongText and kinds this adapter does not know
		e := slack.NewPlainTextInputBlockElement(ph, fd.ID)
		e.InitialValue = cut(fd.Value, fd.Limit())
		e.MaxLength = min(fd.Limit(), chat.MaxLongLen)
		e.Multiline = fd.Kind == chat.LongText
		return e
	}
}

// submittedValues reads a view's state: each block's value by block id
// (= field id); a multi-select's values joined with commas, a date as
// YYYY-MM-DD, a yes/no as "yes" or "no".
func submittedValues(v view) map[string]string {
	out := map[string]string{}
	for blockID, byAction := range v.State.Values {
		for _, a := range byAction {
			out[blockID] = a.value()
		}
	}
	return out
}

// value is the value of an input or a control, whatever its type.
func (a blockValue) value() string {
	switch {
	case a.Type == string(slack.METDatepicker):
		return a.SelectedDate
	case len(a.SelectedOptions) > 0 || a.Type == slack.MultiOptTypeStatic:
		vals := make([]string, 0, len(a.SelectedOptions))
		for _, o := range a.SelectedOptions {
			vals = append(vals, o.Value)
		}
		return strings.Join(vals, ",")
	case a.SelectedOption.Value != "":
		return a.SelectedOption.Value
	default:
		return a.Value
	}
}

// fieldLabels reads the labels of a submitted view's input blocks.
func fieldLabels(v view) map[string]string {
	out := map[string]string{}
	for _, b := range v.Blocks {
		if b.Type == "input" {
			out[b.BlockID] = b.Label.Text
		}
	}
	return out
}
