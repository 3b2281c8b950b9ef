package jury_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/jury"
	"github.com/kipina/kipina/bot/routing"
	"github.com/kipina/kipina/storage"
)

// validBusinessID is the n-th valid business ID of the tests.
var validBusinessID = bottest.BusinessID

var benchTargets = []string{"health", "children", "elderly", "culture", "integration", "urban-planning", "sensors", "energy"}

var benchTexts = map[string]string{
	"health": "Etävastaanotto ja potilaiden etäseuranta terveyskeskuksiin.", "children": "Harrastukset ja tuki lapsiperheille ja nuorille.",
	"elderly": "Kaatumisen tunnistus ja turvapuhelin kotona asuville ikäihmisille.", "culture": "Kirjasto, lukutaito ja kulttuuritapahtumat kouluille.",
	"integration": "Suomen kielen oppiminen ja työllistyminen maahanmuuttajille.", "urban-planning": "Asukkaiden osallistaminen kaavoitukseen 3D-mallissa.",
	"sensors": "Sensorit mittaavat liikennettä ja ilmanlaatua reaaliaikaisesti.", "energy": "Aurinkopaneelit ja kulutusjousto taloyhtiöille.",
}

// benchJury is the size the brief plans for at the top of one round: 300
// applications, 40 jurors with one or two expertise targets each, 3
// reviews per application, all submitted through the real core (so
// routing ranks each one).
func benchJury(b *testing.B) *bottest.Harness {
	b.Helper()
	h := bottest.New(b, call.Module{}, routing.Module{}, jury.Module{})
	ctx := context.Background()
	o := func(u string) chat.Origin {
		return chat.Origin{User: chat.UserRef{Platform: "shell", Workspace: "demo", User: u}, Channel: "shell"}
	}
	h.Bot.Handle(ctx, &chat.Action{Origin: o("nina"), ActionID: "call-post:kipina-2017"})
	for i := range 300 {
		t := benchTargets[i%len(benchTargets)]
		r := h.Bot.Handle(ctx, &chat.FormSubmit{Origin: o(fmt.Sprintf("c%d", i)), FormID: "apply:kipina-2017", State: "kipina-2017",
			Values: map[string]string{"company": fmt.Sprintf("Yritys %d Oy", i), "business_id": validBusinessID(i), "contact_name": "C",
				"email": "c@example.fi", "target": t, "summary": benchTexts[t], "maturity": "idea", "lang": "fi", "secrets": "no", "consent": "yes"}})
		if r.Reply == nil || len(r.Errors) > 0 {
			b.Fatalf("application %d refused: %+v", i, r)
		}
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for j := range 40 {
		ts := []string{benchTargets[rng.IntN(len(benchTargets))], benchTargets[rng.IntN(len(benchTargets))]}
		h.Bot.Handle(ctx, &chat.Command{Origin: o("nina"), Text: fmt.Sprintf("jury add kipina-2017 @j%d %s", j, strings.Join(ts, " "))})
	}
	h.Bot.Tick(ctx) // deliver the notices once, outside the timings
	return h
}

// BenchmarkJuryAssign measures "/kipina jury assign" at 300 × 40 × 3:
// loading the applications, 12,000 fits from the stored rankings, the
// exact assignment, storing the draft and the preview.
func BenchmarkJuryAssign(b *testing.B) {
	h := benchJury(b)
	ctx := context.Background()
	cmd := &chat.Command{Origin: chat.Origin{User: chat.UserRef{Platform: "shell", Workspace: "demo", User: "nina"}}, Text: "jury assign kipina-2017"}
	b.ResetTimer()
	for b.Loop() {
		if r := h.Bot.Handle(ctx, cmd); r.Reply == nil || !strings.Contains(r.Reply.Text, "900") {
			b.Fatalf("assign: %+v", r.Reply)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/assign")
}

// BenchmarkJuryPublishAndResults publishes the draft (900 prompts and 40
// lists into the outbox, 80 reminders, one transaction), then measures
// "/kipina results" over 900 given reviews.
func BenchmarkJuryPublishAndResults(b *testing.B) {
	h := benchJury(b)
	ctx := context.Background()
	nina := chat.Origin{User: chat.UserRef{Platform: "shell", Workspace: "demo", User: "nina"}}
	h.Bot.Handle(ctx, &chat.Command{Origin: nina, Text: "jury assign kipina-2017"})
	t0 := time.Now()
	if r := h.Bot.Handle(ctx, &chat.Action{Origin: nina, ActionID: jury.PublishID.ID("kipina-2017")}); r.Reply == nil || !strings.Contains(r.Reply.Text, "900") {
		b.Fatalf("publish: %+v", r.Reply)
	}
	publish := time.Since(t0)
	rng := rand.New(rand.NewPCG(1, 1))
	err := h.DB.Update(func(tx *storage.Tx) error {
		j, err := jury.Juries.Get(tx, "demo", "kipina-2017")
		if err != nil {
			return err
		}
		for app, js := range j.Published.ByApp {
			for _, u := range js {
				s := map[string]int{}
				for _, c := range h.Config.Rubric {
					s[c.ID] = 1 + rng.IntN(5)
				}
				rv := jury.Review{Event: "kipina-2017", App: app, Juror: chat.UserRef{Platform: "shell", Workspace: "demo", User: u}, Scores: s}
				if err := jury.Reviews.Put(tx, "demo", "kipina-2017/"+app+"/"+u, rv); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	cmd := &chat.Command{Origin: nina, Text: "results kipina-2017"}
	b.ResetTimer()
	for b.Loop() {
		if r := h.Bot.Handle(ctx, cmd); r.Reply == nil || !strings.Contains(r.Reply.Text, "300") {
			b.Fatalf("results: %+v", r.Reply)
		}
	}
	b.ReportMetric(float64(publish.Milliseconds()), "ms/publish")
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/results")
}
