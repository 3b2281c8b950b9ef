package shell_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/storage"
)

func applyButton(t *testing.T, out string) string {
	t.Helper()
	m := regexp.MustCompile(`\[(\d+)\] Hae mukaan`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no apply button in:\n%s", out)
	}
	return m[1]
}

func apps(t *testing.T, h *bottest.Harness) int {
	t.Helper()
	var n int
	h.DB.View(func(tx *storage.Tx) error {
		as, err := round.EventApps(tx, "demo", "kipina-2017")
		if err != nil {
			t.Fatal(err)
		}
		n = len(as)
		return nil
	})
	return n
}

// A command typed inside a form asks whether to leave the form: "ei" asks
// the field again, "kyllä" leaves it, saves nothing and runs the command.
func TestCommandInFormAsksToLeave(t *testing.T) {
	h := bottest.New(t, call.Module{})
	btn := applyButton(t, h.OpenCall("kipina-2017"))
	out := h.Run(":as anna\n" + btn + "\nKatuvalo Oy\n/kipina my\nei\n1572860-0\n:as nina\nkyllä\n")
	bottest.Must(t, out, "”/kipina my” on komento eikä vastaus. Poistutaanko lomakkeelta?", "Poistu lomakkeelta (kyllä/ei)?",
		"”:as nina” on komento eikä vastaus.", "Lomake peruttu. Mitään ei tallennettu.", "Olet nyt nina.")
	// after "ei" the same field (the business ID) is asked again
	if c := strings.Count(out, "Y-tunnus*"); c != 2 {
		t.Errorf("business ID asked %d times, want 2 (again after ”ei”):\n%s", c, out)
	}
	if n := apps(t, h); n != 0 {
		t.Fatalf("%d applications saved from a left form", n)
	}
}

// A choice is checked as it is typed: a number out of range or a word
// that is no option is refused at once with the catalogue's message.
func TestChoiceCheckedAsTyped(t *testing.T) {
	h := bottest.New(t, call.Module{})
	btn := applyButton(t, h.OpenCall("kipina-2017"))
	out := h.Run(":as anna\n" + btn + "\nKatuvalo Oy\n1572860\u22120\nAnna\nanna@example.fi\n\n99\nenergia kai\n2\n:cancel\n")
	bottest.Must(t, out, "✗ Valitse jokin vaihtoehdoista.")
	if c := strings.Count(out, "1) Haaste: Kaupunkiympäristön"); c != 1 {
		t.Errorf("options shown %d times, want once", c)
	}
	if c := strings.Count(out, "✗ Valitse jokin vaihtoehdoista."); c != 2 {
		t.Errorf("refused %d times, want 2 (99, free text):\n%s", c, out)
	}
	// a malformed e-mail is refused at once too
	out = h.Run(btn + "\nKatuvalo Oy\n1572860-0\nAnna\nnot-an-address\nanna@example.fi\n:cancel\n")
	bottest.Must(t, out, "✗ Anna sähköpostiosoite muodossa nimi@esimerkki.fi.")
}
