package chat

import (
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// FieldKind is the kind of a form field.
type FieldKind string

// The field kinds every adapter renders.
const (
	ShortText  FieldKind = "text"
	LongText   FieldKind = "textarea"
	Email      FieldKind = "email"
	URL        FieldKind = "url"
	Number     FieldKind = "number"
	SelectOne  FieldKind = "select"
	SelectMany FieldKind = "multiselect"
	YesNo      FieldKind = "yesno"
	Date       FieldKind = "date"
)

// Limits every adapter can render.
const (
	// DateLayout is how a date field's value is written.
	DateLayout = "2006-01-02"
	// MaxShortLen and MaxLongLen bound short and long text fields
	// (Mattermost's text element takes 150 characters, a textarea 3000).
	MaxShortLen = 150
	MaxLongLen  = 3000
	// MaxLabelLen bounds form titles, field labels and button labels on
	// both Slack and Mattermost.
	MaxLabelLen = 24
)

// Form is a dialog described once and rendered as a Slack modal, a
// Mattermost interactive dialog or terminal prompts. ID routes the
// submission (Slack callback_id, Mattermost callback_id); State travels
// with it unchanged (≤ MaxStateLen).
type Form struct {
	ID     string  `json:"id"`
	Title  string  `json:"title"`
	Submit string  `json:"submit"`
	Intro  string  `json:"intro,omitempty"`
	State  string  `json:"state,omitempty"`
	Fields []Field `json:"fields"`
}

// Field is one input. ID is the Slack block_id and action_id and the
// Mattermost element name, so errors map back on every platform.
type Field struct {
	ID          string    `json:"id"`
	Kind        FieldKind `json:"kind"`
	Label       string    `json:"label"`
	Help        string    `json:"help,omitempty"`
	Placeholder string    `json:"placeholder,omitempty"`
	Optional    bool      `json:"optional,omitempty"`
	Value       string    `json:"value,omitempty"`
	Options     []Option  `json:"options,omitempty"`
	MaxLen      int       `json:"max_len,omitempty"`
}

// Limit returns the field's maximum length in characters.
func (f Field) Limit() int {
	switch {
	case f.MaxLen > 0:
		return f.MaxLen
	case f.Kind == LongText:
		return MaxLongLen
	default:
		return MaxShortLen
	}
}

// Problem is why a value was refused, as a message id and data for the
// locale files; the core turns it into the user's language.
type Problem struct {
	ID   string
	Data map[string]any
}

// Check cleans values in place and validates them against the fields'
// kinds: encoding, required, length, e-mail, URL, number, date and option
// membership. Cleaning (Clean: NFKC, no control or invisible characters;
// multi-line only for LongText) applies to every value in the map, so the
// caller stores what was checked. It returns a problem per field id
// (field.encoding for invalid UTF-8, whose value becomes ""); flows add
// their own checks on top.
func (f *Form) Check(values map[string]string) map[string]Problem {
	out := map[string]Problem{}
	long := map[string]bool{}
	for _, fd := range f.Fields {
		long[fd.ID] = fd.Kind == LongText
	}
	for k, v := range values {
		c, err := Clean(v, long[k] || !f.has(k))
		if err != nil {
			if f.has(k) {
				out[k] = Problem{ID: "field.encoding"}
			}
			c = ""
		}
		values[k] = c
	}
	for _, fd := range f.Fields {
		if _, bad := out[fd.ID]; bad {
			continue
		}
		v := strings.TrimSpace(values[fd.ID])
		if v == "" {
			if !fd.Optional && fd.Kind != YesNo {
				out[fd.ID] = Problem{ID: "field.required"}
			}
			continue
		}
		if n := utf8.RuneCountInString(v); n > fd.Limit() {
			out[fd.ID] = Problem{ID: "field.too_long", Data: map[string]any{"Max": fd.Limit(), "Count": n}}
			continue
		}
		if p, bad := checkKind(fd, v); bad {
			out[fd.ID] = p
		}
	}
	return out
}

func (f *Form) has(id string) bool {
	for _, fd := range f.Fields {
		if fd.ID == id {
			return true
		}
	}
	return false
}

func checkKind(fd Field, v string) (Problem, bool) {
	switch fd.Kind {
	case Email:
		a, err := mail.ParseAddress(v)
		if err != nil || a.Address != v || !strings.Contains(v[strings.LastIndex(v, "@")+1:], ".") {
			return Problem{ID: "field.email"}, true
		}
	case URL:
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return Problem{ID: "field.url"}, true
		}
	case Number:
		if _, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64); err != nil {
			return Problem{ID: "field.number"}, true
		}
	case Date:
		if _, err := ParseDate(v); err != nil {
			return Problem{ID: "field.date"}, true
		}
	case YesNo:
		if v != "yes" && v != "no" {
			return Problem{ID: "field.yesno"}, true
		}
	case SelectOne:
		if !hasOption(fd.Options, v) {
			return Problem{ID: "field.option"}, true
		}
	case SelectMany:
		for _, x := range strings.Split(v, ",") {
			if !hasOption(fd.Options, strings.TrimSpace(x)) {
				return Problem{ID: "field.option"}, true
			}
		}
	}
	return Problem{}, false
}

func hasOption(opts []Option, v string) bool {
	for _, o := range opts {
		if o.Value == v {
			return true
		}
	}
	return false
}

// ParseDate reads a date as 2006-01-02 or the Finnish 2.1.2006.
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{DateLayout, "2.1.2006", "02.01.2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("date %q: want YYYY-MM-DD or D.M.YYYY", s)
}

// Validate reports what is wrong with the form's own description: ids too
// long or repeated, state too large, selects without options. Adapters and
// tests call it; a form that fails it is a bug, not user input.
func (f *Form) Validate() error {
	if f.ID == "" || len(f.ID) > MaxIDLen {
		return fmt.Errorf("form %q: id must be 1..%d characters", f.ID, MaxIDLen)
	}
	if len(f.State) > MaxStateLen {
		return fmt.Errorf("form %s: state is %d bytes, max %d", f.ID, len(f.State), MaxStateLen)
	}
	seen := map[string]bool{}
	for _, fd := range f.Fields {
		if fd.ID == "" || len(fd.ID) > MaxIDLen || seen[fd.ID] {
			return fmt.Errorf("form %s: field id %q empty, too long or repeated", f.ID, fd.ID)
		}
		seen[fd.ID] = true
		if (fd.Kind == SelectOne || fd.Kind == SelectMany) && len(fd.Options) == 0 {
			return fmt.Errorf("form %s: field %s has no options", f.ID, fd.ID)
		}
	}
	return nil
}
