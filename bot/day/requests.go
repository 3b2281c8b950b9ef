package day

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/format"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/routing"
	"github.com/kipina/kipina/matching"
	"github.com/kipina/kipina/storage"
)

// pageSize is the number of rows per prompt message: the text plus one
// select per row and the paging buttons stay far below a platform's 50
// blocks and 25 elements per actions block.
const pageSize = 10

// score is the matching score of a company and a city person: the best of
// the company's scores for the person's targets (0 for staff).
func score(tx *storage.Tx, ws, app string, p person) float64 {
	best := 0.0
	for _, t := range p.Targets {
		best = max(best, routing.Score(tx, ws, app, t))
	}
	return best
}

// row is one line of a prompt: the other side of a possible meeting.
type row struct {
	app, person string // the pair
	name, about string
	score       float64
}

// rows lists the other side for a party (side c: the company self; side
// p: the person self), best match first.
func (m *mod) rows(tx *storage.Tx, ws string, cs cast, side, self, lang string) []row {
	var out []row
	if side == SideCompany {
		for _, p := range cs.people {
			out = append(out, row{app: self, person: p.Ref.User, name: personName(tx, p.Ref), about: m.roleText(cs.ev, p, lang), score: score(tx, ws, self, p)})
		}
	} else {
		p, _ := cs.person(self)
		for _, a := range cs.companies {
			track := routing.Primary(tx, ws, a.ID)
			if track == "" {
				track = a.Target
			}
			out = append(out, row{app: a.ID, person: self, name: companyName(a), about: cs.ev.TargetName(m.b.Config.Tracks, track, lang) + ": " + clip(a.Summary, 120), score: score(tx, ws, a.ID, p)})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].score > out[j].score })
	return out
}

// clip shortens s to n runes on one line.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// answerOf returns the stored answer of side's party self about a row.
func answerOf(tx *storage.Tx, ws, event, side string, rw row) (matching.Interest, bool) {
	who, other := rw.app, rw.person
	if side == SidePerson {
		who, other = rw.person, rw.app
	}
	v, err := Wants.Get(tx, ws, wantKey(event, side, who, other))
	return v, err == nil
}

var interestIDs = map[matching.Interest]string{
	matching.InterestMust:  "day.want.must.label",
	matching.InterestWould: "day.want.would.label",
	matching.InterestNone:  "day.want.none.label",
}

// prompt renders page (from 0) of a party's meeting requests in lang.
func (m *mod) prompt(tx *storage.Tx, ws string, cs cast, side, self string, page int, lang string) chat.Message {
	rows := m.rows(tx, ws, cs, side, self, lang)
	pages := max((len(rows)+pageSize-1)/pageSize, 1)
	page = min(max(page, 0), pages-1)
	T := func(id string, kv ...any) string { return m.b.Cat.T(lang, id, kv...) }
	intro := "day.ask.person"
	if side == SideCompany {
		intro = "day.ask.company"
	}
	var sb strings.Builder
	sb.WriteString(T(intro, "Event", cs.ev.Name, "Page", page+1, "Pages", pages))
	var ctrls []chat.Control
	opts := []chat.Option{
		{Value: "2", Label: T("day.want.must.label")},
		{Value: "1", Label: T("day.want.would.label")},
		{Value: "0", Label: T("day.want.none.label")},
	}
	for i := page * pageSize; i < min((page+1)*pageSize, len(rows)); i++ {
		rw := rows[i]
		fmt.Fprintf(&sb, "\n%d. *%s* — %s", i+1, rw.name, rw.about)
		if rw.score > 0 {
			sb.WriteString(" " + T("day.ask.score", "Percent", format.PercentValue(lang, rw.score*100, 0)))
		}
		if v, ok := answerOf(tx, ws, cs.ev.ID, side, rw); ok {
			sb.WriteString(" → " + T(interestIDs[v]))
		}
		ctrls = append(ctrls, chat.Control{Kind: chat.Select, ID: strings.Join([]string{actWant, cs.ev.ID, side, rw.app, rw.person, strconv.Itoa(page)}, ":"),
			Label: clip(fmt.Sprintf("%d. %s", i+1, rw.name), 40), Options: opts})
	}
	if len(rows) == 0 {
		sb.WriteString("\n" + T("day.ask.nobody"))
	}
	if page > 0 {
		ctrls = append(ctrls, chat.Control{Kind: chat.Button, ID: strings.Join([]string{actPage, cs.ev.ID, side, self, strconv.Itoa(page - 1)}, ":"), Label: T("day.ask.prev.button")})
	}
	if page+1 < pages {
		ctrls = append(ctrls, chat.Control{Kind: chat.Button, ID: strings.Join([]string{actPage, cs.ev.ID, side, self, strconv.Itoa(page + 1)}, ":"), Label: T("day.ask.next.button")})
	}
	return chat.Message{Text: sb.String(), Controls: ctrls}
}

// requestsOpen asks every company and city person whom they want to meet.
func (m *mod) requestsOpen(_ context.Context, r *bot.Request) chat.Response {
	ev, bad := loadEvent(r, r.Args[0])
	if bad != nil {
		return *bad
	}
	var nC, nP int
	err := r.Update(func(tx *storage.Tx) error {
		d := loadDay(tx, r.WS.ID, ev.ID)
		cs := m.loadCast(tx, r.WS.ID, ev)
		nC, nP = len(cs.companies), len(cs.people)
		if nC == 0 || nP == 0 {
			return nil
		}
		d.Requests.Open, d.Requests.Opened = true, r.Now()
		d.Requests.Round++
		round := strconv.Itoa(d.Requests.Round)
		for _, a := range cs.companies {
			for _, u := range recipients(a) {
				msg := m.prompt(tx, r.WS.ID, cs, SideCompany, a.ID, 0, m.companyLang(tx, a, u))
				if _, err := outbox.Enqueue(tx, key(r.WS.ID, ev.ID, "ask", round, a.ID, u.User), chat.DM(u), msg); err != nil {
					return err
				}
			}
		}
		for _, p := range cs.people {
			msg := m.prompt(tx, r.WS.ID, cs, SidePerson, p.Ref.User, 0, m.b.LangOf(tx, p.Ref))
			if _, err := outbox.Enqueue(tx, key(r.WS.ID, ev.ID, "ask", round, "p", p.Ref.User), chat.DM(p.Ref), msg); err != nil {
				return err
			}
		}
		if err := saveDay(tx, r.WS.ID, d); err != nil {
			return err
		}
		return r.Audit(tx, "meetings.open", "event/"+ev.ID, fmt.Sprintf("%d companies, %d people", nC, nP))
	})
	switch {
	case err != nil:
		return internal(r, "meetings open", err)
	case nC == 0 || nP == 0:
		return r.Reply("day.ask.nobody_to_ask", "Companies", nC, "People", nP, "Event", ev.ID)
	}
	return r.Reply("day.ask.opened", "Companies", nC, "People", nP, "Event", ev.ID)
}

// requestsClose stops taking answers.
func (m *mod) requestsClose(_ context.Context, r *bot.Request) chat.Response {
	ev, bad := loadEvent(r, r.Args[0])
	if bad != nil {
		return *bad
	}
	n := 0
	err := r.Update(func(tx *storage.Tx) error {
		d := loadDay(tx, r.WS.ID, ev.ID)
		d.Requests.Open, d.Requests.Closed = false, r.Now()
		Wants.Scan(tx, r.WS.ID, ev.ID+"/", func(string, matching.Interest) error { n++; return nil })
		if err := saveDay(tx, r.WS.ID, d); err != nil {
			return err
		}
		return r.Audit(tx, "meetings.close", "event/"+ev.ID, strconv.Itoa(n))
	})
	if err != nil {
		return internal(r, "meetings close", err)
	}
	return r.Reply("day.ask.closed", "Count", n, "Event", ev.ID)
}

// allowed reports whether the user of r speaks for a party: a company's
// owner or contact, or the person themself.
func allowed(r *bot.Request, cs cast, side, app, person string) bool {
	if side == SideCompany {
		a, ok := cs.app(app)
		return ok && a.MayEdit(r.User)
	}
	_, ok := cs.person(person)
	return ok && r.User.User == person
}

// answer stores one answer from a prompt's select and shows the page
// again with it.
func (m *mod) answer(_ context.Context, r *bot.Request) chat.Response {
	if len(r.Args) != 5 {
		return r.Reply("day.stale")
	}
	event, side, app, person := r.Args[0], r.Args[1], r.Args[2], r.Args[3]
	page, _ := strconv.Atoi(r.Args[4])
	v, err := strconv.Atoi(actionValue(r))
	if err != nil || v < 0 || v > 2 {
		return r.Reply("day.stale")
	}
	var upd chat.Message
	var refused string
	err = r.Update(func(tx *storage.Tx) error {
		ev, err := call.LoadEvent(tx, r.WS.ID, event)
		if err != nil {
			refused = "day.stale"
			return nil
		}
		d := loadDay(tx, r.WS.ID, event)
		cs := m.loadCast(tx, r.WS.ID, ev)
		switch {
		case !d.Requests.Open:
			refused = "day.ask.not_open"
			return nil
		case !allowed(r, cs, side, app, person):
			refused = "day.not_yours"
			return nil
		}
		who, other, self := app, person, app
		if side == SidePerson {
			who, other, self = person, app, person
		}
		if err := Wants.Put(tx, r.WS.ID, wantKey(event, side, who, other), matching.Interest(v)); err != nil {
			return err
		}
		upd = m.prompt(tx, r.WS.ID, cs, side, self, page, m.askerLang(tx, r, cs, side, app))
		return nil
	})
	switch {
	case err != nil:
		return internal(r, "meetings answer", err)
	case refused != "":
		return r.Reply(refused)
	}
	return chat.Response{Update: &upd}
}

// page shows another page of a prompt.
func (m *mod) page(_ context.Context, r *bot.Request) chat.Response {
	if len(r.Args) != 4 {
		return r.Reply("day.stale")
	}
	event, side, self := r.Args[0], r.Args[1], r.Args[2]
	page, _ := strconv.Atoi(r.Args[3])
	var upd chat.Message
	refused := ""
	r.Bot.DB.View(func(tx *storage.Tx) error {
		ev, err := call.LoadEvent(tx, r.WS.ID, event)
		if err != nil {
			refused = "day.stale"
			return nil
		}
		cs := m.loadCast(tx, r.WS.ID, ev)
		app, person := self, ""
		if side == SidePerson {
			app, person = "", self
		}
		if !allowed(r, cs, side, app, person) {
			refused = "day.not_yours"
			return nil
		}
		upd = m.prompt(tx, r.WS.ID, cs, side, self, page, m.askerLang(tx, r, cs, side, app))
		return nil
	})
	if refused != "" {
		return r.Reply(refused)
	}
	return chat.Response{Update: &upd}
}

// askerLang is the language to show a prompt to the user of r in: for a
// company, the company's language unless they chose their own.
func (m *mod) askerLang(tx *storage.Tx, r *bot.Request, cs cast, side, app string) string {
	if side == SideCompany {
		if a, ok := cs.app(app); ok {
			return m.companyLang(tx, a, r.User)
		}
	}
	return r.Lang
}

// actionValue is the value of the clicked control.
func actionValue(r *bot.Request) string {
	if a, ok := r.Event.(*chat.Action); ok {
		return a.Value
	}
	return ""
}
