package day

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/outbox"
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
func (m *mod) refresh(tx *storage.Tx, ws string, cs cast, a *Agenda) {
	rankOf := map[string]int{}
	for i, t := range m.targetIDs(cs.ev) {
		rankOf[t] = i
	}
	rank := func(id string) int {
		app, _ := cs.app(id)
		t := routing.Primary(tx, ws, id)
		if t == "" {
			t = app.Target
		}
		if r, ok := rankOf[t]; ok {
			return r
		}
		return len(rankOf)
	}
	ids := make([]string, len(cs.companies))
	for i, c := range cs.companies {
		ids[i] = c.ID
	}
	a.Order = reconcile(a.Order, ids, rank)
}

// agendaSet sets the programme's times and rooms and orders it by track.
func (m *mod) agendaSet(_ context.Context, r *bot.Request) chat.Response {
	ev, bad := loadEvent(r, r.Args[0])
	if bad != nil {
		return *bad
	}
	o, word := parseOptions(r.Args[1:], "start", "slot", "break", "rooms")
	if word != "" {
		return r.Reply("day.agenda.usage", "Word", word)
	}
	start, err := onDay(ev.Date, r.WS.Loc, o.last("start", "09:00"))
	if err != nil {
		return r.Reply("day.agenda.usage", "Word", "start="+o.last("start", ""))
	}
	slot, err := o.minutes("slot", 10, 1, 240)
	if err != nil {
		return r.Reply("day.agenda.usage", "Word", "slot="+o.last("slot", ""))
	}
	breaks, err := parseSpans(ev.Date, r.WS.Loc, o["break"])
	if err != nil {
		return r.Reply("day.agenda.usage", "Word", err.Error())
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
		return r.Reply("day.agenda.usage", "Word", "rooms="+o.last("rooms", ""))
	}
	var out string
	err = r.Update(func(tx *storage.Tx) error {
		d := loadDay(tx, r.WS.ID, ev.ID)
		d.Agenda.Start, d.Agenda.SlotMin, d.Agenda.Breaks, d.Agenda.Rooms = start, slot, breaks, rooms
		note, err := m.agendaChanged(tx, r, ev, &d)
		if err != nil {
			return err
		}
		out = m.agendaText(tx, r, ev, d) + note
		return r.Audit(tx, "agenda.set", "event/"+ev.ID, strings.Join(r.Args[1:], " "))
	})
	if err != nil {
		return internal(r, "agenda set", err)
	}
	return r.ReplyText(out)
}

// agendaChanged reconciles the order, saves the day and, once published,
// tells the companies whose slot changed and updates the channel post. It
// returns a note for the organiser (who was told, which meetings clash).
func (m *mod) agendaChanged(tx *storage.Tx, r *bot.Request, ev call.Event, d *Day) (string, error) {
	cs := m.loadCast(tx, r.WS.ID, ev)
	m.refresh(tx, r.WS.ID, cs, &d.Agenda)
	d.Agenda.Version++
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
			app, err := call.LoadApp(tx, r.WS.ID, id)
			if err != nil {
				continue
			}
			for _, u := range recipients(app) {
				lang := m.companyLang(tx, app, u)
				msg := chat.Message{Text: m.b.Cat.T(lang, "day.pitch.removed", "Event", ev.Name, "App", app.ID)}
				if _, err := outbox.Enqueue(tx, key(r.WS.ID, ev.ID, "pitch-removed", id, u.User, strconv.Itoa(d.Agenda.Version)), chat.DM(u), msg); err != nil {
					return "", err
				}
			}
		}
		d.Agenda.Sent = map[string]Pitch{}
		for _, p := range pitches {
			d.Agenda.Sent[p.App] = p
		}
		if d.Agenda.PostKey != "" && (len(changed) > 0 || len(removed) > 0) {
			post := chat.Message{Text: m.agendaPost(tx, r.WS.Lang, r.WS, ev, cs, d.Agenda)}
			if _, err := outbox.EnqueueUpdate(tx, key(r.WS.ID, ev.ID, "agenda-post-update", strconv.Itoa(d.Agenda.Version)), d.Agenda.PostKey, post); err != nil {
				return "", err
			}
		}
		note = "\n" + r.T("day.agenda.told", "Count", len(changed)+len(removed))
		note += m.clashes(r, cs, d, changed)
	}
	return note, saveDay(tx, r.WS.ID, *d)
}

// tellPitch tells a company's people their (new) pitch slot.
func (m *mod) tellPitch(tx *storage.Tx, r *bot.Request, ev call.Event, cs cast, d *Day, p Pitch) error {
	app, ok := cs.app(p.App)
	if !ok {
		return nil
	}
	old, had := d.Agenda.Sent[p.App]
	for _, u := range recipients(app) {
		lang, loc := m.companyLang(tx, app, u), m.b.Zone(tx, u)
		kv := []any{"Event", ev.Name, "App", app.ID, "Company", app.Company,
			"Date", m.b.FormatTime(lang, "format.date", p.Start, loc),
			"Start", p.Start.In(loc).Format("15:04"), "End", p.End.In(loc).Format("15:04"), "Room", p.Room, "Pos", p.Pos}
		id := "day.pitch.slot"
		if had {
			id = "day.pitch.changed"
			kv = append(kv, "Was", m.b.FormatTime(lang, "format.datetime", old.Start, loc))
		}
		msg := chat.Message{Text: m.b.Cat.T(lang, id, kv...)}
		if _, err := outbox.Enqueue(tx, key(r.WS.ID, ev.ID, "pitch", p.App, u.User, strconv.Itoa(d.Agenda.Version)), chat.DM(u), msg); err != nil {
			return err
		}
	}
	return nil
}

// clashes lists the published meetings that a moved pitch now overlaps.
func (m *mod) clashes(r *bot.Request, cs cast, d *Day, changed []Pitch) string {
	if d.Plan == nil {
		return ""
	}
	var sb strings.Builder
	for _, p := range changed {
		for _, mt := range d.Plan.Meetings {
			if mt.App == p.App && !mt.Cancelled && mt.Overlaps(p.Span) {
				fmt.Fprintf(&sb, "\n%s", r.T("day.agenda.clash", "App", p.App, "Time", mt.Start.In(r.WS.Loc).Format("15:04"), "Person", chat.MentionID(mt.Person)))
			}
		}
	}
	return sb.String()
}

// agendaText is the organiser's view of the agenda.
func (m *mod) agendaText(tx *storage.Tx, r *bot.Request, ev call.Event, d Day) string {
	cs := m.loadCast(tx, r.WS.ID, ev)
	s := m.agendaPost(tx, r.Lang, r.WS, ev, cs, d.Agenda)
	state := "day.agenda.draft"
	if d.Agenda.Published {
		state = "day.agenda.published"
	}
	return s + "\n" + r.T(state, "Event", ev.ID)
}

// agendaPost renders the agenda in lang: per room, the time, position,
// company and track of each pitch, and the breaks.
func (m *mod) agendaPost(tx *storage.Tx, lang string, ws *bot.Workspace, ev call.Event, cs cast, a Agenda) string {
	var sb strings.Builder
	sb.WriteString(m.b.Cat.T(lang, "day.agenda.head", "Event", ev.Name, "Date", m.b.FormatTime(lang, "format.date", a.Start, ws.Loc), "Slot", a.SlotMin))
	room := "\x00"
	for _, p := range layout(a) {
		if p.Room != room && len(a.Rooms) > 1 {
			sb.WriteString("\n*" + m.b.Cat.T(lang, "day.room", "Room", p.Room) + "*")
		}
		room = p.Room
		app, _ := cs.app(p.App)
		track := routing.Primary(tx, ws.ID, p.App)
		if track == "" {
			track = app.Target
		}
		fmt.Fprintf(&sb, "\n%d. %s–%s %s — %s", p.Pos, p.Start.In(ws.Loc).Format("15:04"), p.End.In(ws.Loc).Format("15:04"), companyName(app), ev.TargetName(m.b.Config.Tracks, track, lang))
	}
	if len(a.Order) == 0 {
		sb.WriteString("\n" + m.b.Cat.T(lang, "day.agenda.empty"))
	}
	for _, b := range a.Breaks {
		sb.WriteString("\n" + m.b.Cat.T(lang, "day.agenda.break", "Start", b.Start.In(ws.Loc).Format("15:04"), "End", b.End.In(ws.Loc).Format("15:04")))
	}
	return sb.String()
}

// withAgenda loads an event whose agenda is set, or answers why not.
func (m *mod) withAgenda(r *bot.Request, id string) (call.Event, *chat.Response) {
	ev, bad := loadEvent(r, id)
	if bad != nil {
		return ev, bad
	}
	var set bool
	r.Bot.DB.View(func(tx *storage.Tx) error { set = loadDay(tx, r.WS.ID, ev.ID).Agenda.SlotMin > 0; return nil })
	if !set {
		resp := r.Reply("day.agenda.none", "Event", ev.ID)
		return ev, &resp
	}
	return ev, nil
}

func (m *mod) agendaShow(_ context.Context, r *bot.Request) chat.Response {
	ev, bad := m.withAgenda(r, r.Args[0])
	if bad != nil {
		return *bad
	}
	var out string
	r.Bot.DB.View(func(tx *storage.Tx) error {
		d := loadDay(tx, r.WS.ID, ev.ID)
		m.refresh(tx, r.WS.ID, m.loadCast(tx, r.WS.ID, ev), &d.Agenda)
		out = m.agendaText(tx, r, ev, d)
		return nil
	})
	return r.ReplyText(out)
}

func (m *mod) agendaMove(_ context.Context, r *bot.Request) chat.Response {
	ev, bad := m.withAgenda(r, r.Args[0])
	if bad != nil {
		return *bad
	}
	app := strings.ToUpper(r.Args[1])
	pos, err := strconv.Atoi(r.Args[2])
	if err != nil || pos < 1 {
		return r.Reply("day.agenda.bad_pos", "Pos", r.Args[2])
	}
	var out string
	missing := false
	err = r.Update(func(tx *storage.Tx) error {
		d := loadDay(tx, r.WS.ID, ev.ID)
		m.refresh(tx, r.WS.ID, m.loadCast(tx, r.WS.ID, ev), &d.Agenda)
		var ok bool
		if d.Agenda.Order, ok = move(d.Agenda.Order, app, pos); !ok {
			missing = true
			return nil
		}
		note, err := m.agendaChanged(tx, r, ev, &d)
		if err != nil {
			return err
		}
		out = m.agendaText(tx, r, ev, d) + note
		return r.Audit(tx, "agenda.move", "app/"+app, strconv.Itoa(pos))
	})
	switch {
	case err != nil:
		return internal(r, "agenda move", err)
	case missing:
		return r.Reply("day.agenda.not_in", "App", app, "Event", ev.ID)
	}
	return r.ReplyText(out)
}

// agendaPublish posts the agenda to this channel and tells every company
// its slot.
func (m *mod) agendaPublish(_ context.Context, r *bot.Request) chat.Response {
	ev, bad := m.withAgenda(r, r.Args[0])
	if bad != nil {
		return *bad
	}
	var note string
	err := r.Update(func(tx *storage.Tx) error {
		d := loadDay(tx, r.WS.ID, ev.ID)
		again := d.Agenda.Published
		d.Agenda.Published = true
		var err error
		if note, err = m.agendaChanged(tx, r, ev, &d); err != nil {
			return err
		}
		if !again {
			note = "" // every company is told its slot: nothing changed yet
		}
		if d.Agenda.PostKey == "" {
			to := chat.Address{Platform: r.User.Platform, Workspace: r.WS.ID, Channel: r.Origin.Channel}
			if to.Channel == "" {
				to = chat.DM(r.User)
			}
			d.Agenda.Channel = &to
			d.Agenda.PostKey = key(r.WS.ID, ev.ID, "agenda-post")
			post := chat.Message{Text: m.agendaPost(tx, r.WS.Lang, r.WS, ev, m.loadCast(tx, r.WS.ID, ev), d.Agenda)}
			if _, err := outbox.Enqueue(tx, d.Agenda.PostKey, to, post); err != nil {
				return err
			}
			if err := saveDay(tx, r.WS.ID, d); err != nil {
				return err
			}
		}
		return r.Audit(tx, "agenda.publish", "event/"+ev.ID, "")
	})
	if err != nil {
		return internal(r, "agenda publish", err)
	}
	return r.ReplyText(r.T("day.agenda.publish_done", "Event", ev.Name) + note)
}
