package jury_test

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/jury"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/bot/routing"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/matching"
	"github.com/kipina/kipina/storage"
)

// Transcript helpers shared by the scenario tests.
var (
	must    = bottest.Must
	mustNot = bottest.MustNot
	button  = bottest.Button
)

// block is one posted message of the transcript: its header ("── @liisa",
// "── @liisa (~7)", "── #kipina-organisers") and everything up to the next
// header.
type block struct{ head, body string }

func blocks(out string) []block {
	var bs []block
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "── ") {
			bs = append(bs, block{head: line})
			continue
		}
		if len(bs) > 0 && strings.HasPrefix(line, "  ") {
			bs[len(bs)-1].body += line + "\n"
		} else if len(bs) > 0 {
			bs = append(bs, block{}) // an unrelated line ends the message
		}
	}
	return bs
}

var promptApp = regexp.MustCompile(`\*(H\d{4}) `)

// prompts maps user → application → the number of the button with label
// on the latest message about the application to that user in out.
func prompts(out string, labels ...string) map[string]map[string]string {
	res := map[string]map[string]string{}
	for _, b := range blocks(out) {
		if !strings.HasPrefix(b.head, "── @") {
			continue
		}
		user := strings.Fields(strings.TrimPrefix(b.head, "── @"))[0]
		m := promptApp.FindStringSubmatch(b.body)
		if m == nil {
			continue
		}
		for _, l := range labels {
			if n := regexp.MustCompile(`\[(\d+)\] ` + regexp.QuoteMeta(l) + `( |$|\n)`).FindStringSubmatch(b.body); n != nil {
				if res[user] == nil {
					res[user] = map[string]string{}
				}
				res[user][m[1]] = n[1]
			}
		}
	}
	return res
}

// count counts the messages posted to header (e.g. "── @anna") in out.
func count(out, header string) int {
	n := 0
	for _, b := range blocks(out) {
		if b.head == header {
			n++
		}
	}
	return n
}

func answers(a ...string) string { return strings.Join(a, "\n") + "\n" }

type applicant struct {
	user, company, bid, target, summary, lang string
}

// demoApplicants apply to the demo event: H0001 … H0006 in this order.
var demoApplicants = []applicant{
	{"anna", "Katuvalo Oy", "1572860-0", "2", "Katuvalot mittaavat liikennettä, melua ja ilmanlaatua sensoreilla ja avoimella datalla.", "1"},
	{"sven", "Energi Ab", "0112038-9", "3", "Solpaneler, värmepumpar och efterfrågeflexibilitet för bostadsbolag i en energieffektiv stadsdel.", "3"},
	{"emma", "Care Robotics Ltd", "2345678-0", "6", "Fall detection and safety phones for older people living at home, with alerts to home care.", "2"},
	{"timo", "Terveys Oy", "4567891-5", "4", "Etävastaanotto ja potilaiden etäseuranta terveyskeskuksiin: diabetes ja verenpaine.", "1"},
	{"kaisa", "Kaava Oy", "5678912-7", "1", "Asukkaiden osallistaminen kaavoitukseen 3D-kaupunkimallissa ja karttapalvelussa.", "1"},
	{"lars", "Skola Ab", "6789123-1", "7", "Bibliotek och läsning för skolor och elever, med evenemang i kulturhus.", "3"},
}

// newHarness starts the bot with the call, routing and jury modules, opens
// the demo call and has the applicants apply.
func newHarness(t *testing.T, apps []applicant) *bottest.Harness {
	t.Helper()
	return newHarnessWith(t, configs.Default(), apps)
}

// changes is a module that records the round.AppChanged events published
// (committed or not: the jury flow publishes them only in transactions
// that commit in these tests).
type changes struct {
	mu  sync.Mutex
	got []round.Change
}

func (c *changes) Register(reg *bot.Registry, _ *bot.Env) error {
	round.AppChanged.Subscribe(reg.Events(), func(_ context.Context, _ *storage.Tx, ch round.Change) error {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.got = append(c.got, ch)
		return nil
	})
	return nil
}

func (c *changes) list() []round.Change {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]round.Change(nil), c.got...)
}

// newHarnessWith is newHarness with a configuration and more modules.
func newHarnessWith(t *testing.T, cfg *configs.Config, apps []applicant, more ...bot.Module) *bottest.Harness {
	t.Helper()
	h := bottest.NewWith(t, cfg, append([]bot.Module{call.Module{}, routing.Module{}, jury.Module{}}, more...)...)
	out := h.OpenCall("kipina-2017")
	apply := button(t, out, "Hae mukaan")
	for i, a := range apps {
		out = h.Run(":as " + a.user + "\n" + apply + "\n" + answers(a.company, a.bid, a.user, a.user+"@example.fi", "", a.target,
			a.summary, "2", "", "", "", a.lang, "no", "yes"))
		if !strings.Contains(out, "H000"+string(rune('1'+i))) {
			t.Fatalf("application of %s not received:\n%s", a.user, out)
		}
	}
	h.Run(":as nina\n")
	return h
}

// loadJury reads the stored jury of the demo event (the zero Jury when
// none is stored).
func loadJury(t *testing.T, h *bottest.Harness) jury.Jury {
	t.Helper()
	var j jury.Jury
	if err := h.DB.View(func(tx *storage.Tx) (err error) { j, _, err = jury.Juries.Lookup(tx, "demo", "kipina-2017"); return }); err != nil {
		t.Fatalf("read the jury: %v", err)
	}
	return j
}

// ranking is the jury's ranking of the demo event from the stored reviews.
func ranking(t *testing.T, h *bottest.Harness) []matching.AppResult {
	t.Helper()
	j := loadJury(t, h)
	var rs []jury.Review
	err := h.DB.View(func(tx *storage.Tx) error {
		return jury.Reviews.Scan(tx, "demo", j.Event+"/", func(_ string, rv jury.Review) error {
			rs = append(rs, rv)
			return nil
		})
	})
	if err != nil {
		t.Fatalf("read the reviews: %v", err)
	}
	return jury.Ranking(h.Config.Rubric, &j, rs)
}

// upTo renders message id in lang with kv and cutAt set to a marker, and
// returns the text before it: for a message whose tail the test does not
// pin. cutAt is never "Count", which chooses the plural form.
func upTo(h *bottest.Harness, lang, id, cutAt string, kv ...any) string {
	return bottest.UpTo(h.Bot.Cat, lang, id, cutAt, kv...)
}

// pieces renders message id in lang with kv and each key of keys set to a
// marker, and returns the texts between the markers: the fixed wording
// around what varies.
func pieces(h *bottest.Harness, lang, id string, keys []string, kv ...any) []string {
	return bottest.Pieces(h.Bot.Cat, lang, id, keys, kv...)
}

// scoresIn is the score line of a review giving q to every criterion of
// the default rubric, as lang writes it (jury.prompt.state.scored, the
// saved reply).
func scoresIn(h *bottest.Harness, lang string, q int) string {
	var parts []string
	for _, c := range h.Config.Rubric {
		parts = append(parts, h.Bot.Cat.T(lang, "jury.criterion."+c.ID+".label")+" "+strconv.Itoa(q))
	}
	return strings.Join(parts, " · ")
}

// criteriaIn lists the default rubric's criteria as lang names them.
func criteriaIn(h *bottest.Harness, lang string) string {
	var names []string
	for _, c := range h.Config.Rubric {
		names = append(names, h.Bot.Cat.T(lang, "jury.criterion."+c.ID+".label"))
	}
	return strings.Join(names, ", ")
}

// demoEvent reads the demo event kipina-2017.
func demoEvent(t *testing.T, h *bottest.Harness) round.Event {
	t.Helper()
	var ev round.Event
	if err := h.DB.View(func(tx *storage.Tx) (err error) { ev, err = round.LoadEvent(tx, "demo", "kipina-2017"); return }); err != nil {
		t.Fatalf("read the demo event: %v", err)
	}
	return ev
}

// companyOf is the company of a demo application H0001 … H0006.
func companyOf(app string) string {
	n, err := strconv.Atoi(strings.TrimPrefix(app, "H"))
	if err != nil || n < 1 || n > len(demoApplicants) {
		panic("no demo application " + app)
	}
	return demoApplicants[n-1].company
}
