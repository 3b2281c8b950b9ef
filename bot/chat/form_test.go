package chat

import (
	"testing"
	"unicode/utf8"
)

var testForm = Form{ID: "f", Fields: []Field{
	{ID: "name", Kind: ShortText},
	{ID: "mail", Kind: Email},
	{ID: "web", Kind: URL, Optional: true},
	{ID: "n", Kind: Number, Optional: true},
	{ID: "d", Kind: Date, Optional: true},
	{ID: "pick", Kind: SelectOne, Options: []Option{{Value: "a"}, {Value: "b"}}},
	{ID: "many", Kind: SelectMany, Optional: true, Options: []Option{{Value: "a"}, {Value: "b"}}},
	{ID: "yn", Kind: YesNo},
	{ID: "long", Kind: LongText, Optional: true, MaxLen: 10},
}}

func TestCheck(t *testing.T) {
	ok := map[string]string{"name": "Acme", "mail": "a@acme.fi", "pick": "a", "yn": "no"}
	for _, c := range []struct {
		field, value, want string
	}{
		{"name", "", "field.required"},
		{"name", "   ", "field.required"},
		{"mail", "a@acme", "field.email"},
		{"mail", "Anna <a@acme.fi>", "field.email"},
		{"web", "acme.fi", "field.url"},
		{"web", "ftp://acme.fi", "field.url"},
		{"web", "https://acme.fi/x", ""},
		{"n", "1,5", ""},
		{"n", "many", "field.number"},
		{"d", "31.12.2026", ""},
		{"d", "2026-12-31", ""},
		{"d", "31/12/2026", "field.date"},
		{"pick", "c", "field.option"},
		{"many", "a, b", ""},
		{"many", "a,c", "field.option"},
		{"yn", "maybe", "field.yesno"},
		{"long", "äöåäöåäöåä", ""},
		{"long", "äöåäöåäöåäö", "field.too_long"},
	} {
		v := map[string]string{}
		for k, x := range ok {
			v[k] = x
		}
		v[c.field] = c.value
		got := testForm.Check(v)
		if got[c.field].ID != c.want {
			t.Errorf("%s=%q: %q, want %q", c.field, c.value, got[c.field].ID, c.want)
		}
		for f, p := range got {
			if f != c.field {
				t.Errorf("%s=%q: unrelated problem on %s: %s", c.field, c.value, f, p.ID)
			}
		}
	}
}

// FuzzCheck: any text in any field gives at most one problem for that
// field, with a known message id, and never panics.
func FuzzCheck(f *testing.F) {
	f.Add("name", "x")
	f.Add("mail", "a@b.fi")
	f.Add("d", "1.1.2027")
	f.Add("long", "ääääääääääää")
	known := map[string]bool{"": true, "field.required": true, "field.too_long": true, "field.email": true, "field.url": true,
		"field.number": true, "field.date": true, "field.yesno": true, "field.option": true}
	f.Fuzz(func(t *testing.T, field, value string) {
		got := testForm.Check(map[string]string{field: value})
		for id, p := range got {
			if !known[p.ID] {
				t.Fatalf("%s: unknown problem %q", id, p.ID)
			}
		}
		if p := got["long"]; field == "long" && utf8.RuneCountInString(value) > 12 && p.ID != "field.too_long" && p.ID != "" {
			t.Fatalf("long %q: %v", value, p)
		}
	})
}
