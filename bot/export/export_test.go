package export

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/jury"
	"github.com/kipina/kipina/bot/locale"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
	"github.com/xuri/excelize/v2"
)

func TestCSVHasBOMAndQuotes(t *testing.T) {
	s := Sheet{Header: []string{"Yritys", "Kuvaus"}, Rows: [][]string{{"Äänekoski Oy", "a,b; \"c\""}}, Secret: []bool{false}}
	for lang, want := range map[string]string{
		"en": "\ufeffYritys,Kuvaus\r\nÄänekoski Oy,\"a,b; \"\"c\"\"\"\r\n",
		"fi": "\ufeffYritys;Kuvaus\r\nÄänekoski Oy;\"a,b; \"\"c\"\"\"\r\n",
	} {
		if got, err := CSV(s, Separator(lang)); err != nil || string(got) != want {
			t.Errorf("%s: CSV = %q, want %q", lang, got, want)
		}
	}
}

func TestSheetNameAndCells(t *testing.T) {
	if got := sheetName("Tulokset [2027]: a/b?", 0); got != "Tulokset -2027-- a-b-" {
		t.Errorf("sheetName = %q", got)
	}
	if got := sheetName(strings.Repeat("x", 40), 0); len(got) != 31 {
		t.Errorf("long name kept %d characters", len(got))
	}
	c := cells([]string{"3.5", "0123", "0", "H0001", "0.25", ""}, 0)
	kinds := ""
	for _, x := range c {
		if _, ok := x.(excelize.Cell).Value.(float64); ok {
			kinds += "n"
		} else {
			kinds += "s"
		}
	}
	if kinds != "nsnsns" {
		t.Errorf("cell kinds = %s, want nsnsns", kinds)
	}
}

// TestCollectReviewsAndResults: the reviews sheet has a column per rubric
// criterion, results rank by the jury's normalised score, and trade-secret
// rows are marked in every sheet.
func TestCollectReviewsAndResults(t *testing.T) {
	db, err := storage.Open(filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cfg := configs.Default()
	o := Options{Config: cfg, Cat: locale.MustLoad(), Lang: "en", Loc: time.UTC}
	u := func(id string) chat.UserRef { return chat.UserRef{Platform: "shell", Workspace: "w", User: id} }
	err = db.Update(func(tx *storage.Tx) error {
		round.Events.Put(tx, "w", "e", round.Event{ID: "e", Name: "E"})
		round.Put(tx, "w", round.Application{ID: "H0001", Event: "e", State: round.Accepted, Company: "A Oy", Owner: u("a"), Maturity: "prototype", Lang: "sv"})
		round.Put(tx, "w", round.Application{ID: "H0002", Event: "e", State: round.Declined, Company: "B Oy", Owner: u("b"), Secrets: true})
		// a sent H0001 and is on the jury: conflicted with it. Each
		// application lacks one review (three wanted, two jurors).
		jury.Juries.Put(tx, "w", "e", jury.Jury{Event: "e", Shortlist: []string{"H0001"},
			Jurors:    []jury.Juror{{User: u("j1")}, {User: u("j2")}, {User: u("a")}},
			Published: &jury.Plan{Reviews: 3, ByApp: map[string][]string{"H0001": {"j1", "j2"}, "H0002": {"j1", "j2"}}}})
		all := func(s int) map[string]int {
			m := map[string]int{}
			for _, c := range cfg.Rubric {
				m[c.ID] = s
			}
			return m
		}
		for _, rv := range []jury.Review{
			{Event: "e", App: "H0001", Juror: u("j1"), Scores: all(5)}, {Event: "e", App: "H0002", Juror: u("j1"), Scores: all(2), Comment: "salainen"},
			{Event: "e", App: "H0001", Juror: u("j2"), Scores: all(4)}, {Event: "e", App: "H0002", Juror: u("j2"), Scores: all(3)},
		} {
			jury.Reviews.Put(tx, "w", rv.Event+"/"+rv.App+"/"+rv.Juror.User, rv)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var sheets []Sheet
	db.View(func(tx *storage.Tx) (err error) { sheets, err = Collect(tx, o, "w", "e"); return })
	rev, res := sheets[1], sheets[2]
	// Words, not codes (issue 15: "prototype", "impact;value;fit").
	row := strings.Join(sheets[0].Rows[0], "|")
	if !strings.Contains(row, "|Prototype|") || !strings.Contains(row, "|svenska|") || strings.Contains(row, "prototype") {
		t.Errorf("application row = %s", row)
	}
	if got := strings.Join(rev.Header, ","); got != "Application,Company,Juror,Impact,Total economic value,Fit to the challenge,Feasibility,Novelty,Abstained,Comment,Updated,Trade secret" {
		t.Errorf("review header = %s", got)
	}
	if len(rev.Rows) != 4 || rev.Rows[2][len(rev.Header)-1] != "TRADE SECRET" || !rev.Secret[2] || rev.Secret[1] {
		t.Errorf("reviews = %q %v", rev.Rows, rev.Secret)
	}
	if res.Rows[0][0] != "1" || res.Rows[0][1] != "H0001" || res.Rows[0][4] != "yes" || res.Rows[0][5] != "2" || res.Rows[0][6] != "4.500" {
		t.Errorf("results first row = %q", res.Rows[0])
	}
	if res.Rows[1][1] != "H0002" || !res.Secret[1] {
		t.Errorf("results second row = %q", res.Rows[1])
	}
	// The same ranking as the jury's, with missing reviews and conflicts.
	if h := res.Header; h[len(h)-2] != "Missing reviews" || h[len(h)-1] != "Conflicted jurors" {
		t.Errorf("results header = %q", h)
	}
	if r := res.Rows[0]; r[len(r)-2] != "1" || r[len(r)-1] != "a" {
		t.Errorf("results first row = %q, want 1 missing and a conflicted", r)
	}
	files, err := Files("e", "fi", sheets)
	if err != nil || len(files) != 6 || !bytes.HasPrefix(files[0].Content, []byte("PK")) {
		t.Fatalf("files: %d, %v", len(files), err)
	}
}
