package bizid

import (
	"errors"
	"slices"
	"testing"
)

func TestExampleIsValid(t *testing.T) {
	if got, err := Parse(Example); err != nil || got != Example {
		t.Fatalf("Parse(Example) = %q, %v", got, err)
	}
	// the old hint "1234567-8" fails its own check digit
	if _, err := Parse("1234567-8"); !errors.Is(err, ErrCheck) {
		t.Fatalf("1234567-8: %v", err)
	}
}

func TestCheckDigit(t *testing.T) {
	for body, want := range map[string]byte{"1572860": '0', "0112038": '9', "1234567": '1', "2331972": '7'} {
		if got, ok := CheckDigit(body); !ok || got != want {
			t.Errorf("CheckDigit(%s) = %c, %v; want %c", body, got, ok, want)
		}
	}
}

func TestFind(t *testing.T) {
	for text, want := range map[string][]string{
		"Olen Katuvalo Oy:n (1572860\u22120) hallituksessa": {"1572860-0"},
		"1572860 - 0 ja 0112038\u20109 sekä 1572860-0":      {"1572860-0", "0112038-9"},
		"puhelin 040 1234567":                               nil,
		"FI15728600":                                        {"1572860-0"},
		"Y-tunnus: 157\u202f2860\u200b-0.":                  {"1572860-0"},
		"":                                                  nil,
		"väärä 1572860-1":                                   nil,
	} {
		if got := Find(text); !slices.Equal(got, want) {
			t.Errorf("Find(%q) = %q, want %q", text, got, want)
		}
	}
	if !Same("1572860\uff0d0", "15728600") || Same("1572860-0", "0112038-9") || Same("x", "x") {
		t.Fatal("Same")
	}
}

// FuzzParse: never panics; what it accepts is canonical, accepted again
// unchanged, and found in free text around it.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"1572860-0", "15728600", "112038-9", "x", "–", "0000000-0", "1572860\u22120", "FI15728600", "１５７２８６０－０"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Parse(s)
		if err != nil {
			return
		}
		if len(got) != 9 || got[7] != '-' || !digits(got[:7]) || !digits(got[8:]) {
			t.Fatalf("%q → %q is not canonical", s, got)
		}
		if again, err := Parse(got); err != nil || again != got {
			t.Fatalf("%q → %q → %q, %v", s, got, again, err)
		}
		if f := Find("Y-tunnus " + got + "."); !slices.Equal(f, []string{got}) {
			t.Fatalf("Find around %q = %q", got, f)
		}
	})
}
