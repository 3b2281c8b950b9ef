package day

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/kipina/kipina/bot"
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

// scores are a company's matching scores by target (routing's ranking).
type scores map[string]float64

// scoresOf reads the matching scores of application app.
func scoresOf(tx *storage.Tx, ws, app string) (scores, error) {
	rk, _, err := routing.Ranking(tx, ws, app)
	if err != nil {
		return nil, fmt.Errorf("ranking of %s: %w", app, err)
	}
	sc := scores{}
	for _, x := range rk.Matches {
		sc[x.Target] = x.Score
	}
	return sc, nil
}

// of is the matching score of the company and a city person: the best of
// the company's scores for the person's targets (0 for staff).
func (sc scores) of(p person) float64 {
	best := 0.0
	for _, t := range p.Targets {
		best = max(best, sc[t])
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
func (m *mod) rows(tx *storage.Tx, ws string, cs cast, side, self, lang string) ([]row, error) {
	var out []row
	if side == SideCompany {
		sc, err := scoresOf(tx, ws, self)
		if err != nil {
			return nil, err
		}
		for _, p := range cs.people {
			name, err := personName(tx, p.Ref)
			if err != nil {
				return nil, err
			}
			out = append(out, row{app: self, person: p.Ref.User, name: name, about: m.roleText(cs.ev, p, lang), score: sc.of(p)})
		}
	} else {
		p, _ := cs.person(self) // someone no longer in the cast scores 0 with everyone
		for _, a := range cs.companies {
			t, err := track(tx, ws, a)
			if err != nil {
				return nil, err
			}
			sc, err := scoresOf(tx, ws, a.ID)
			if err != nil {
				return nil, err
			}
			out = append(out, row{app: a.ID, person: self, name: companyName(a), about: cs.ev.TargetName(m.env.Config.Tracks, t, lang) + ": " + m.about(a, 120, lang), score: sc.of(p)})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].score > out[j].score })
	return out, nil
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
func answerOf(tx *storage.Tx, ws, event, side string, rw row) (matching.Interest, bool, error) {
	who, other := rw.app, rw.person
	if side == SidePerson {
		who, other = rw.person, rw.app
	}
	return Wants.Lookup(tx, ws, wantKey(event, side, who, other))
}

var interestIDs = map[matching.Interest]string{
	matching.InterestMust:  "day.want.must.label",
	matching.InterestWould: "day.want.would.label",
	matching.InterestNone:  "day.want.none.label",
}

// prompt renders page (from 0) of a party's meeting requests in lang.
func (m *mod) prompt(tx *storage.Tx, ws string, cs cast, side, self string, page int, lang string) (chat.Message, error) {
	rows, err := m.rows(tx, ws, cs, side, self, lang)
	if err != nil {
		return chat.Message{}, err
	}
	pages := max((len(rows)+pageSize-1)/pageSize, 1)
	page = min(max(page, 0), pages-1)
	T := func(id string, kv ...any) string { return m.env.Cat.T(lang, id, kv...) }
	intro := "day.ask.person"
	if side == SideCompany {
		intro = "day.ask.company"
	}
	var sb strings.Builder
	sb.WriteString(T(intro, "Event", cs.ev.NameIn(lang), "Page", page+1, "Pages", pages))
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
		v, ok, err := answerOf(tx, ws, cs.ev.ID, side, rw)
		if err != nil {
			return chat.Message{}, err
		}
		if ok {
			sb.WriteString(" → " + T(interestIDs[v]))
		}
		ctrls = append(ctrls, chat.Control{Kind: chat.Select, ID: wantID.ID(wantRef{cs.ev.ID, side, rw.app, rw.person, page}),
			Label: clip(fmt.Sprintf("%d. %s", i+1, rw.name), 40), Options: opts})
	}
	if len(rows) == 0 {
		sb.WriteString("\n" + T("day.ask.nobody"))
	}
	if page > 0 {
		ctrls = append(ctrls, chat.Control{Kind: chat.Button, ID: pageID.ID(pageRef{cs.ev.ID, side, self, page - 1}), Label: T("day.ask.prev.button")})
	}
	if page+1 < pages {
		ctrls = append(ctrls, chat.Control{Kind: chat.Button, ID: pageID.ID(pageRef{cs.ev.ID, side, self, page + 1}), Label: T("day.ask.next.button")})
	}
	return chat.Message{Text: sb.String(), Controls: ctrls}, nil
}

// requestsOpen asks every company and city person whom they want to meet.
func (m *mod) requestsOpen(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, err := loadEvent(r, r.Args[0])
	if err != nil {
		return chat.Response{}, err
	}
	var nC, nP int
	err = r.Update(func(tx *storage.Tx) error {
		d, err := loadDay(tx, r.WS.ID, ev.ID)
		if err != nil {
			return err
		}
		cs, err := m.loadCast(tx, r.WS.ID, ev)
		if err != nil {
			return err
		}
		nC, nP = len(cs.companies), len(cs.people)
		if nC == 0 || nP == 0 {
			return bot.Refuse("day.ask.nobody_to_ask", "Companies", nC, "People", nP, "Event", ev.ID)
		}
		d.Requests.Open, d.Requests.Opened = true, r.Now()
		d.Requests.Round++
		round := strconv.Itoa(d.Requests.Round)
		for _, a := range cs.companies {
			for _, u := range recipients(a) {
				lang, err := m.companyLang(tx, a, u)
				if err != nil {
					return err
				}
				msg, err := m.prompt(tx, r.WS.ID, cs, SideCompany, a.ID, 0, lang)
				if err != nil {
					return err
				}
				k := outbox.NewKey(r.WS.ID, "day", ev.ID, "requests", round, "ask", SideCompany, a.ID, u.User)
				if _, err := outbox.Enqueue(tx, k, chat.DM(u), msg); err != nil {
					return err
				}
			}
		}
		for _, p := range cs.people {
			msg, err := m.prompt(tx, r.WS.ID, cs, SidePerson, p.Ref.User, 0, m.env.LangOf(tx, p.Ref))
			if err != nil {
				return err
			}
			k := outbox.NewKey(r.WS.ID, "day", ev.ID, "requests", round, "ask", SidePerson, p.Ref.User)
			if _, err := outbox.Enqueue(tx, k, chat.DM(p.Ref), msg); err != nil {
				return err
			}
		}
		if err := saveDay(tx, r.WS.ID, d); err != nil {
			return err
		}
		return r.Audit(tx, "meetings.open", "event/"+ev.ID, fmt.Sprintf("%d companies, %d people", nC, nP))
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("meetings open: %w", err)
	}
	return r.Reply("day.ask.opened", "Companies", nC, "People", nP, "Event", ev.ID)
}

// requestsClose stops taking answers.
func (m *mod) requestsClose(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, err := loadEvent(r, r.Args[0])
	if err != nil {
		return chat.Response{}, err
	}
	n := 0
	err = r.Update(func(tx *storage.Tx) error {
		d, err := loadDay(tx, r.WS.ID, ev.ID)
		if err != nil {
			return err
		}
		d.Requests.Open, d.Requests.Closed = false, r.Now()
		if err := Wants.Scan(tx, r.WS.ID, ev.ID+"/", func(string, matching.Interest) error { n++; return nil }); err != nil {
			return err
		}
		if err := saveDay(tx, r.WS.ID, d); err != nil {
			return err
		}
		return r.Audit(tx, "meetings.close", "event/"+ev.ID, strconv.Itoa(n))
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("meetings close: %w", err)
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
func (m *mod) answer(_ context.Context, r *bot.Request) (chat.Response, error) {
	w, err := wantID.Of(r)
	if err != nil {
		return chat.Response{}, err
	}
	event, side, app, person, page := w.Event, w.Side, w.App, w.Person, w.Page
	v, err := strconv.Atoi(actionValue(r))
	if err != nil || v < 0 || v > 2 {
		return chat.Response{}, stale()
	}
	var upd chat.Message
	err = r.Update(func(tx *storage.Tx) error {
		_, cs, err := m.castOf(tx, r.WS.ID, event)
		if err != nil {
			return err
		}
		d, err := loadDay(tx, r.WS.ID, event)
		if err != nil {
			return err
		}
		switch {
		case !d.Requests.Open:
			return bot.Refuse("day.ask.not_open")
		case !allowed(r, cs, side, app, person):
			return bot.Refuse("day.not_yours")
		}
		who, other, self := app, person, app
		if side == SidePerson {
			who, other, self = person, app, person
		}
		if err := Wants.Put(tx, r.WS.ID, wantKey(event, side, who, other), matching.Interest(v)); err != nil {
			return err
		}
		upd, err = m.askerPrompt(tx, r, cs, side, app, self, page)
		return err
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("meetings answer: %w", err)
	}
	return chat.Response{Update: &upd}, nil
}

// askerPrompt is page of self's prompt in the language of who asked.
func (m *mod) askerPrompt(tx *storage.Tx, r *bot.Request, cs cast, side, app, self string, page int) (chat.Message, error) {
	lang, err := m.askerLang(tx, r, cs, side, app)
	if err != nil {
		return chat.Message{}, err
	}
	return m.prompt(tx, r.WS.ID, cs, side, self, page, lang)
}

// page shows another page of a prompt.
func (m *mod) page(_ context.Context, r *bot.Request) (chat.Response, error) {
	p, err := pageID.Of(r)
	if err != nil {
		return chat.Response{}, err
	}
	event, side, self, page := p.Event, p.Side, p.Self, p.Page
	var upd chat.Message
	err = r.Env.DB.View(func(tx *storage.Tx) error {
		_, cs, err := m.castOf(tx, r.WS.ID, event)
		if err != nil {
			return err
		}
		app, person := self, ""
		if side == SidePerson {
			app, person = "", self
		}
		if !allowed(r, cs, side, app, person) {
			return bot.Refuse("day.not_yours")
		}
		upd, err = m.askerPrompt(tx, r, cs, side, app, self, page)
		return err
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("meetings page: %w", err)
	}
	return chat.Response{Update: &upd}, nil
}

// askerLang is the language to show a prompt to the user of r in: for a
// company, the company's language unless they chose their own.
func (m *mod) askerLang(tx *storage.Tx, r *bot.Request, cs cast, side, app string) (string, error) {
	if side == SideCompany {
		if a, ok := cs.app(app); ok {
			return m.companyLang(tx, a, r.User)
		}
	}
	return r.Lang, nil
}

// actionValue is the value of the clicked control.
func actionValue(r *bot.Request) string {
	if a, ok := r.Event.(*chat.Action); ok {
		return a.Value
	}
	return ""
}
