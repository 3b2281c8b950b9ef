package day

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/bot/routing"
	"github.com/kipina/kipina/storage"
)

// layout places the agenda's order into rooms and times: room k takes the
// k-th contiguous share of the order (so a track stays in one room where it
// can), and each room runs slots from Start, skipping breaks.
func layout(a Agenda) []Pitch {
	rooms := a.Rooms
	if len(rooms) == 0 {
		rooms = []string{""}
	}
	d := time.Duration(a.SlotMin) * time.Minute
	share := (len(a.Order) + len(rooms) - 1) / len(rooms)
	out := make([]Pitch, 0, len(a.Order))
	for k, room := range rooms {
		t := a.Start
		for i := k * share; i < min((k+1)*share, len(a.Order)); i++ {
			t = afterBreaks(t, d, a.Breaks)
			out = append(out, Pitch{App: a.Order[i], Pos: i + 1, Room: room, Span: Span{Start: t, End: t.Add(d)}})
			t = t.Add(d)
		}
	}
	return out
}

// byTrack orders application ids by the rank of their track, then by id.
func byTrack(ids []string, rank func(id string) int) []string {
	out := append([]string(nil), ids...)
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := rank(out[i]), rank(out[j])
		if ri != rj {
			return ri < rj
		}
		return out[i] < out[j]
	})
	return out
}

// reconcile brings an order up to date with the accepted applications ids:
// those no longer accepted leave, the order of the others is kept, and a
// newcomer goes after the last of its track (else before the first of a
// later track, else at the end). With no old order it is byTrack.
func reconcile(old, ids []string, rank func(id string) int) []string {
	in := map[string]bool{}
	for _, id := range ids {
		in[id] = true
	}
	var out []string
	had := map[string]bool{}
	for _, id := range old {
		if in[id] && !had[id] {
			out = append(out, id)
			had[id] = true
		}
	}
	for _, id := range byTrack(ids, rank) {
		if had[id] {
			continue
		}
		at := len(out)
		for i := len(out) - 1; i >= 0; i-- {
			if rank(out[i]) <= rank(id) {
				at = i + 1
				break
			}
			at = i
		}
		out = append(out[:at], append([]string{id}, out[at:]...)...)
		had[id] = true
	}
	return out
}

// move puts id at 1-based position pos (clamped) of order.
func move(order []string, id string, pos int) ([]string, bool) {
	i := -1
	for k, x := range order {
		if x == id {
			i = k
		}
	}
	if i < 0 {
		return order, false
	}
	out := append(append([]string(nil), order[:i]...), order[i+1:]...)
	pos = min(max(pos, 1), len(order)) - 1
	return append(out[:pos], append([]string{id}, out[pos:]...)...), true
}

// diffPitches compares what each company was told with the new layout:
// changed are the pitches whose time or room differ (or are new), removed
// the companies no longer in the agenda. A pitch whose position changed but
// whose time and room did not is not a change for the company.
func diffPitches(sent map[string]Pitch, now []Pitch) (changed []Pitch, removed []string) {
	seen := map[string]bool{}
	for _, p := range now {
		seen[p.App] = true
		old, ok := sent[p.App]
		if !ok || !old.Start.Equal(p.Start) || !old.End.Equal(p.End) || old.Room != p.Room {
			changed = append(changed, p)
		}
	}
	for app := range sent {
		if !seen[app] {
			removed = append(removed, app)
		}
	}
	sort.Strings(removed)
	return changed, removed
}

// refresh reconciles the agenda's order with the accepted applications.
func (m *mod) refresh(tx *storage.Tx, ws string, cs cast, a *Agenda) error {
	rankOf := map[string]int{}
	for i, t := range m.targetIDs(cs.ev) {
		rankOf[t] = i
	}
	ids := make([]string, len(cs.companies))
	rank := map[string]int{}
	for i, c := range cs.companies {
		ids[i] = c.ID
		t, err := track(tx, ws, c)
		if err != nil {
			return err
		}
		r, ok := rankOf[t]
		if !ok {
			r = len(rankOf)
		}
		rank[c.ID] = r
	}
	a.Order = reconcile(a.Order, ids, func(id string) int { return rank[id] })
	return nil
}

// track is the target an application is routed to (routing's primary),
// else the one the company chose.
func track(tx *storage.Tx, ws string, a round.Application) (string, error) {
	t, err := routing.Primary(tx, ws, a.ID)
	if err != nil {
		return "", fmt.Errorf("routing of %s: %w", a.ID, err)
	}
	if t == "" {
		t = a.Target
	}
	return t, nil
}

// agendaSet sets the programme's times and rooms and orders it by track.
func (m *mod) agendaSet(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, err := loadEvent(r, r.Args[0])
	if err != nil {
		return chat.Response{}, err
	}
	usage := func(word string) (chat.Response, error) {
		return chat.Response{}, bot.Refuse("day.agenda.usage", "Word", word)
	}
	o, word := parseOptions(r.Args[1:], "start", "slot", "break", "rooms")
	if word != "" {
		return usage(word)
	}
	start, err := onDay(ev.Date, r.WS.Loc, o.last("start", "09:00"))
	if err != nil {
		return usage("start=" + o.last("start", ""))
	}
	slot, err := o.minutes("slot", 10, 1, 240)
	if err != nil {
		return usage("slot=" + o.last("slot", ""))
	}
	breaks, err := parseSpans(ev.Date, r.WS.Loc, o["break"])
	if err != nil {
		return usage("break=" + wordOf(err, strings.Join(o["break"], ",")))
	}
	var rooms []string
	if n, err := strconv.Atoi(o.last("rooms", "1")); err == nil && n >= 1 && n <= 20 {
		for i := 1; i <= n; i++ {
			rooms = append(rooms, strconv.Itoa(i))
		}
	} else {
		for _, s := range strings.Split(o.last("rooms", ""), ",") {
			if s = strings.TrimSpace(s); s != "" {
				rooms = append(rooms, s)
			}
		}
	}
	if len(rooms) == 0 {
		return usage("rooms=" + o.last("rooms", ""))
	}
	var out string
	err = r.Update(func(tx *storage.Tx) error {
		d, err := loadDay(tx, r.WS.ID, ev.ID)
		if err != nil {
			return err
		}
		d.Agenda.Start, d.Agenda.SlotMin, d.Agenda.Breaks, d.Agenda.Rooms = start, slot, breaks, rooms
		note, err := m.agendaChanged(tx, r, ev, &d)
		if err != nil {
			return err
		}
		if out, err = m.agendaText(tx, r, ev, d); err != nil {
			return err
		}
		out += note
		return r.Audit(tx, "agenda.set", "event/"+ev.ID, strings.Join(r.Args[1:], " "))
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("agenda set: %w", err)
	}
	return r.ReplyText(out)
}

// agendaChanged reconciles the order, saves the day and, once published,
// tells the companies whose slot changed and updates the channel post. It
// returns a note for the organiser (who was told, which meetings clash).
func (m *mod) agendaChanged(tx *storage.Tx, r *bot.Request, ev round.Event, d *Day) (string, error) {
	cs, err := m.loadCast(tx, r.WS.ID, ev)
	if err != nil {
		return "", err
	}
	if err := m.refresh(tx, r.WS.ID, cs, &d.Agenda); err != nil {
		return "", err
	}
	d.Agenda.Version++
	ver := strconv.Itoa(d.Agenda.Version)
	note := ""
	if d.Agenda.Published {
		pitches := layout(d.Agenda)
		changed, removed := diffPitches(d.Agenda.Sent, pitches)
		for _, p := range changed {
			if err := m.tellPitch(tx, r, ev, cs, d, p); err != nil {
				return "", err
			}
		}
		for _, id := range removed {
			app, ok, err := round.Apps.Lookup(tx, r.WS.ID, id)
			if err != nil {
				return "", err
			}
			if !ok {
				continue // deleted: nobody to tell
			}
			for _, u := range recipients(app) {
				lang, err := m.companyLang(tx, app, u)
				if err != nil {
					return "", err
				}
				msg := chat.Message{Text: m.env.Cat.T(lang, "day.pitch.removed", "Event", ev.NameIn(lang), "App", app.ID)}
				k := outbox.NewKey(r.WS.ID, "day", ev.ID, "agenda", ver, "pitch-removed", id, u.User)
				if _, err := outbox.Enqueue(tx, k, chat.DM(u), msg); err != nil {
					return "", err
				}
			}
		}
		d.Agenda.Sent = map[string]Pitch{}
		for _, p := range pitches {
			d.Agenda.Sent[p.App] = p
		}
		if !d.Agenda.PostKey.IsZero() && (len(changed) > 0 || len(removed) > 0) {
			text, err := m.agendaPost(tx, r.WS.Lang, r.WS, ev, cs, d.Agenda)
			if err != nil {
				return "", err
			}
			k := outbox.NewKey(r.WS.ID, "day", ev.ID, "agenda", ver, "post-update")
			if _, err := outbox.EnqueueUpdate(tx, k, d.Agenda.PostKey, chat.Message{Text: text}); err != nil {
				return "", err
			}
		}
		note = "\n" + r.T("day.agenda.told", "Count", len(changed)+len(removed))
		note += m.clashes(r, d, changed)
	}
	return note, saveDay(tx, r.WS.ID, *d)
}

// tellPitch tells a company's people their (new) pitch slot.
func (m *mod) tellPitch(tx *storage.Tx, r *bot.Request, ev round.Event, cs cast, d *Day, p Pitch) error {
	app, ok := cs.app(p.App)
	if !ok {
		return nil
	}
	old, had := d.Agenda.Sent[p.App]
	for _, u := range recipients(app) {
		lang, err := m.companyLang(tx, app, u)
		if err != nil {
			return err
		}
		loc := m.env.Zone(tx, u)
		kv := []any{"Event", ev.NameIn(lang), "App", app.ID, "Company", app.Company,
			"Date", m.env.FormatTime(lang, "format.date", p.Start, loc),
			"Start", m.env.Clock(lang, p.Start, loc), "End", m.env.Clock(lang, p.End, loc), "Room", p.Room, "Pos", p.Pos}
		id := "day.pitch.slot"
		if had {
			id = "day.pitch.changed"
			kv = append(kv, "Was", m.env.FormatTime(lang, "format.datetime", old.Start, loc))
		}
		msg := chat.Message{Text: m.env.Cat.T(lang, id, kv...)}
		k := outbox.NewKey(r.WS.ID, "day", ev.ID, "agenda", strconv.Itoa(d.Agenda.Version), "pitch", p.App, u.User)
		if _, err := outbox.Enqueue(tx, k, chat.DM(u), msg); err != nil {
			return err
		}
	}
	return nil
}

// clashes lists the published meetings that a moved pitch now overlaps.
func (m *mod) clashes(r *bot.Request, d *Day, changed []Pitch) string {
	if d.Plan == nil {
		return ""
	}
	var sb strings.Builder
	for _, p := range changed {
		for _, mt := range d.Plan.Meetings {
			if mt.App == p.App && !mt.Cancelled && mt.Overlaps(p.Span) {
				fmt.Fprintf(&sb, "\n%s", r.T("day.agenda.clash", "App", p.App, "Time", m.env.Clock(r.Lang, mt.Start, r.WS.Loc), "Person", chat.MentionID(mt.Person)))
			}
		}
	}
	return sb.String()
}

// agendaText is the organiser's view of the agenda.
func (m *mod) agendaText(tx *storage.Tx, r *bot.Request, ev round.Event, d Day) (string, error) {
	cs, err := m.loadCast(tx, r.WS.ID, ev)
	if err != nil {
		return "", err
	}
	s, err := m.agendaPost(tx, r.Lang, r.WS, ev, cs, d.Agenda)
	if err != nil {
		return "", err
	}
	state := "day.agenda.draft"
	if d.Agenda.Published {
		state = "day.agenda.published"
	}
	return s + "\n" + r.T(state, "Event", ev.ID), nil
}

// agendaPost renders the agenda in lang: per room, the time, position,
// company and track of each pitch, and the breaks.
func (m *mod) agendaPost(tx *storage.Tx, lang string, ws *bot.Workspace, ev round.Event, cs cast, a Agenda) (string, error) {
	var sb strings.Builder
	sb.WriteString(m.env.Cat.T(lang, "day.agenda.head", "Event", ev.NameIn(lang), "Date", m.env.FormatTime(lang, "format.date", a.Start, ws.Loc), "Slot", a.SlotMin))
	room := "\x00"
	for _, p := range layout(a) {
		if p.Room != room && len(a.Rooms) > 1 {
			sb.WriteString("\n*" + m.env.Cat.T(lang, "day.room", "Room", p.Room) + "*")
		}
		room = p.Room
		app, ok := cs.app(p.App)
		if !ok {
			app = round.Application{ID: p.App} // refreshed away meanwhile: named by id
		}
		t, err := track(tx, ws.ID, app)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&sb, "\n%d. %s–%s %s — %s", p.Pos, m.env.Clock(lang, p.Start, ws.Loc), m.env.Clock(lang, p.End, ws.Loc), companyName(app), ev.TargetName(m.env.Config.Tracks, t, lang))
	}
	if len(a.Order) == 0 {
		sb.WriteString("\n" + m.env.Cat.T(lang, "day.agenda.empty"))
	}
	for _, b := range a.Breaks {
		sb.WriteString("\n" + m.env.Cat.T(lang, "day.agenda.break", "Start", m.env.Clock(lang, b.Start, ws.Loc), "End", m.env.Clock(lang, b.End, ws.Loc)))
	}
	return sb.String(), nil
}

// withAgenda loads an event whose agenda is set; an event without one is
// refused with day.agenda.none.
func (m *mod) withAgenda(r *bot.Request, id string) (round.Event, error) {
	ev, err := loadEvent(r, id)
	if err != nil {
		return ev, err
	}
	var d Day
	if err := r.Env.DB.View(func(tx *storage.Tx) (err error) { d, err = loadDay(tx, r.WS.ID, ev.ID); return }); err != nil {
		return ev, err
	}
	if d.Agenda.SlotMin <= 0 {
		return ev, bot.Refuse("day.agenda.none", "Event", ev.ID)
	}
	return ev, nil
}

func (m *mod) agendaShow(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, err := m.withAgenda(r, r.Args[0])
	if err != nil {
		return chat.Response{}, err
	}
	var out string
	err = r.Env.DB.View(func(tx *storage.Tx) error {
		d, err := loadDay(tx, r.WS.ID, ev.ID)
		if err != nil {
			return err
		}
		cs, err := m.loadCast(tx, r.WS.ID, ev)
		if err != nil {
			return err
		}
		if err := m.refresh(tx, r.WS.ID, cs, &d.Agenda); err != nil {
			return err
		}
		out, err = m.agendaText(tx, r, ev, d)
		return err
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("agenda show: %w", err)
	}
	return r.ReplyText(out)
}

func (m *mod) agendaMove(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, err := m.withAgenda(r, r.Args[0])
	if err != nil {
		return chat.Response{}, err
	}
	app := strings.ToUpper(r.Args[1])
	pos, err := strconv.Atoi(r.Args[2])
	if err != nil || pos < 1 {
		return chat.Response{}, bot.Refuse("day.agenda.bad_pos", "Pos", r.Args[2])
	}
	var out string
	err = r.Update(func(tx *storage.Tx) error {
		d, err := loadDay(tx, r.WS.ID, ev.ID)
		if err != nil {
			return err
		}
		cs, err := m.loadCast(tx, r.WS.ID, ev)
		if err != nil {
			return err
		}
		if err := m.refresh(tx, r.WS.ID, cs, &d.Agenda); err != nil {
			return err
		}
		var ok bool
		if d.Agenda.Order, ok = move(d.Agenda.Order, app, pos); !ok {
			return bot.Refuse("day.agenda.not_in", "App", app, "Event", ev.ID)
		}
		note, err := m.agendaChanged(tx, r, ev, &d)
		if err != nil {
			return err
		}
		if out, err = m.agendaText(tx, r, ev, d); err != nil {
			return err
		}
		out += note
		return r.Audit(tx, "agenda.move", "app/"+app, strconv.Itoa(pos))
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("agenda move: %w", err)
	}
	return r.ReplyText(out)
}

// agendaPublish posts the agenda to this channel and tells every company
// its slot.
func (m *mod) agendaPublish(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, err := m.withAgenda(r, r.Args[0])
	if err != nil {
		return chat.Response{}, err
	}
	var note string
	err = r.Update(func(tx *storage.Tx) error {
		d, err := loadDay(tx, r.WS.ID, ev.ID)
		if err != nil {
			return err
		}
		again := d.Agenda.Published
		d.Agenda.Published = true
		if note, err = m.agendaChanged(tx, r, ev, &d); err != nil {
			return err
		}
		if !again {
			note = "" // every company is told its slot: nothing changed yet
		}
		if d.Agenda.PostKey.IsZero() {
			to := r.WS.Channel(r.Origin.Channel)
			if to.Channel == "" {
				to = chat.DM(r.User)
			}
			cs, err := m.loadCast(tx, r.WS.ID, ev)
			if err != nil {
				return err
			}
			text, err := m.agendaPost(tx, r.WS.Lang, r.WS, ev, cs, d.Agenda)
			if err != nil {
				return err
			}
			d.Agenda.Channel = &to
			// The post is made once; later changes update it in place
			// (agendaChanged).
			d.Agenda.PostKey = outbox.NewKey(r.WS.ID, "day", ev.ID, "agenda", "post")
			if _, err := outbox.Enqueue(tx, d.Agenda.PostKey, to, chat.Message{Text: text}); err != nil {
				return err
			}
			if err := saveDay(tx, r.WS.ID, d); err != nil {
				return err
			}
		}
		return r.Audit(tx, "agenda.publish", "event/"+ev.ID, "")
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("agenda publish: %w", err)
	}
	return r.ReplyText(r.T("day.agenda.publish_done", "Event", ev.NameIn(r.Lang)) + note)
}
