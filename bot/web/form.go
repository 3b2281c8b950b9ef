package web

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kipina/kipina/bot/chat"
)

// formView is a chat.Form as an HTML form.
type formView struct {
	Token  string
	Submit string
	Intro  []string
	Fields []fieldView
}

// fieldView is one field. Group fields (yes/no, multi-select) are a
// fieldset of radio buttons or checkboxes with a legend.
type fieldView struct {
	ID, Name, Kind, Label, Help, Error   string
	Input, Value, Placeholder, InputMode string
	Autocomplete, Described              string
	MaxLen                               int
	Optional, Group                      bool
	Options                              []optionView
}

type optionView struct {
	ID, Name, Type, Value, Label string
	Selected, Invalid            bool
}

// fieldID is the HTML id of a field's input (or first choice): the error
// summary links to it.
func fieldID(id string) string { return "f-" + id }

// reserved form names the page uses itself; a chat field with one of
// these ids would clash.
var reserved = map[string]bool{"csrf": true, "form": true, "homepage": true}

// formValues reads a submission's values for f's fields: a multi-select's
// checked boxes joined with commas, as chat.FormSubmit wants.
func formValues(f *chat.Form, post url.Values) map[string]string {
	out := map[string]string{}
	for _, fd := range f.Fields {
		if fd.Kind == chat.SelectMany {
			out[fd.ID] = strings.Join(post[fd.ID], ",")
			continue
		}
		out[fd.ID] = post.Get(fd.ID)
	}
	return out
}

// formPage builds the view of f with the given values (nil: the fields'
// own) and errors by field id; it fills the error summary of v in field
// order, each entry linking to its field.
func (a *Adapter) formPage(v *view, f *chat.Form, token string, values, errs map[string]string) {
	fv := &formView{Token: token, Submit: f.Submit, Intro: paragraphs(f.Intro)}
	if fv.Submit == "" {
		fv.Submit = v.T("web.link.send.button")
	}
	shown := map[string]bool{}
	for _, fd := range f.Fields {
		if reserved[fd.ID] {
			continue
		}
		val := fd.Value
		if values != nil {
			val = values[fd.ID]
		}
		x := fieldView{ID: fieldID(fd.ID), Name: fd.ID, Kind: string(fd.Kind), Label: fd.Label, Help: fd.Help, Error: errs[fd.ID],
			Value: val, Placeholder: fd.Placeholder, MaxLen: fd.Limit(), Optional: fd.Optional}
		switch fd.Kind {
		case chat.Email:
			x.Input, x.Autocomplete = "email", "email"
		case chat.URL:
			x.Input, x.Autocomplete = "url", "url"
		case chat.Number:
			x.Input, x.InputMode = "text", "decimal"
		case chat.Date:
			x.Input = "date"
		case chat.YesNo:
			x.Group, x.Optional = true, fd.Optional
			for i, o := range []chat.Option{{Value: "yes", Label: v.T("web.yes")}, {Value: "no", Label: v.T("web.no")}} {
				x.Options = append(x.Options, optionView{ID: choiceID(fd.ID, i), Name: fd.ID, Type: "radio", Value: o.Value, Label: o.Label,
					Selected: val == o.Value, Invalid: x.Error != ""})
			}
		case chat.SelectMany:
			x.Group = true
			chosen := strings.Split(val, ",")
			for i, o := range fd.Options {
				x.Options = append(x.Options, optionView{ID: choiceID(fd.ID, i), Name: fd.ID, Type: "checkbox", Value: o.Value, Label: o.Label,
					Selected: slices.Contains(chosen, o.Value), Invalid: x.Error != ""})
			}
		case chat.SelectOne:
			for _, o := range fd.Options {
				x.Options = append(x.Options, optionView{Value: o.Value, Label: o.Label, Selected: val == o.Value})
			}
		default:
			x.Input = "text"
			if fd.ID == "company" || fd.ID == "contact_name" {
				x.Autocomplete = map[string]string{"company": "organization", "contact_name": "name"}[fd.ID]
			}
		}
		var desc []string
		if x.Help != "" {
			desc = append(desc, x.ID+"-hint")
		}
		if x.Error != "" {
			desc = append(desc, x.ID+"-error")
			href := "#" + x.ID
			if x.Group && len(x.Options) > 0 {
				href = "#" + x.Options[0].ID
			}
			v.Errors = append(v.Errors, summaryItem{Href: href, Label: fd.Label, Message: x.Error})
			shown[fd.ID] = true
		}
		x.Described = strings.Join(desc, " ")
		fv.Fields = append(fv.Fields, x)
	}
	// Errors about something that is not a field (or a reserved one) are
	// listed without a link.
	var rest []string
	for id := range errs {
		if !shown[id] {
			rest = append(rest, id)
		}
	}
	slices.Sort(rest)
	for _, id := range rest {
		v.Errors = append(v.Errors, summaryItem{Message: errs[id]})
	}
	v.Form = fv
}

func choiceID(field string, i int) string { return fieldID(field) + "-" + strconv.Itoa(i) }
