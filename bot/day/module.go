// Package day runs the event day: the pitch agenda, one-to-one meetings
// between the accepted companies and the city's people scheduled from
// their mutual interest, personal schedules (text and an .ics calendar),
// reminders before each meeting and live re-pairing when someone does not
// come.
//
// Who takes part: the companies are the applications the jury accepted
// (call.Accepted); the city's people are the process contacts of every
// target of the event (routing.Contacts), the event's jurors (bot/jury)
// and the other staff an organiser adds with "/kipina day people add".
//
// The flow, as commands of an organiser:
//
//	/kipina agenda <event> start=09:00 slot=10 break=10:30-10:45 rooms="Sali A,Sali B"
//	/kipina agenda move <event> H0003 2      (any change after publishing tells only those it moves)
//	/kipina agenda publish <event>           (posts here, tells each company its slot)
//	/kipina meetings open <event>            (asks everyone whom they want to meet)
//	/kipina meetings close <event>
//	/kipina meetings schedule <event> slot=15 window=13:00-16:00 tables=10   (a draft and its preview)
//	/kipina meetings publish <event>         (personal schedules, .ics files, reminders)
//	/kipina noshow <event> @user|H0001       (frees their meetings and offers the slots to others)
//
// Each personal schedule and its .ics calendar file go through the outbox
// in the publishing transaction; a platform without chat.FileUploader gets
// the text only. "/kipina my schedule <event>" shows one's schedule again.
package day

import (
	"slices"
	"sort"
	"strings"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/jury"
	"github.com/kipina/kipina/bot/locale"
	"github.com/kipina/kipina/bot/routing"
	"github.com/kipina/kipina/storage"
)

// Module registers the day's commands, actions and reminders.
type Module struct{}

// mod is the registered module with its bot.
type mod struct{ b *bot.Bot }

// Register adds the commands, the prompt and offer actions and the
// reminder handler.
func (Module) Register(b *bot.Bot) error {
	m := &mod{b: b}
	org := bot.Organiser
	for _, c := range []bot.Command{
		{Name: "agenda", Role: org, MinArgs: 1, MaxArgs: -1, Run: m.agendaSet},
		{Name: "agenda show", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.agendaShow},
		{Name: "agenda move", Role: org, MinArgs: 3, MaxArgs: 3, Run: m.agendaMove},
		{Name: "agenda publish", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.agendaPublish},
		{Name: "day people", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.peopleList},
		{Name: "day people add", Role: org, MinArgs: 2, MaxArgs: -1, Run: m.peopleEdit(true)},
		{Name: "day people remove", Role: org, MinArgs: 2, MaxArgs: -1, Run: m.peopleEdit(false)},
		{Name: "meetings open", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.requestsOpen},
		{Name: "meetings close", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.requestsClose},
		{Name: "meetings schedule", Role: org, MinArgs: 1, MaxArgs: -1, Run: m.planDraft},
		{Name: "meetings publish", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.planPublish},
		{Name: "my schedule", MinArgs: 1, MaxArgs: 1, Run: m.mySchedule},
		{Name: "noshow", Role: org, MinArgs: 2, MaxArgs: 2, Run: m.noShow},
	} {
		b.Router.Command(c)
	}
	b.Router.Action(actWant, bot.Anyone, m.answer)
	b.Router.Action(actPage, bot.Anyone, m.page)
	b.Router.Action(actCancel, bot.Anyone, m.cancelOwn)
	b.Router.Action(actAccept, bot.Anyone, m.accept)
	b.Sched.Handle(kindRemind, m.remind)
	return nil
}

// Action prefixes and the reminder kind.
const (
	actWant    = "daywant"
	actPage    = "daypage"
	actCancel  = "daycancel"
	actAccept  = "dayaccept"
	kindRemind = "day.remind"
)

// person is a city participant of the day.
type person struct {
	Ref chat.UserRef
	// Kind is "process" (a target's contact), "juror" (a member of the
	// event's jury, bot/jury) or "staff" (added by command).
	Kind    string
	Targets []string
}

// cast is who takes part in an event's day.
type cast struct {
	ev        call.Event
	companies []call.Application // accepted, by id
	people    []person           // by user id
	appIdx    map[string]int
	personIdx map[string]int
}

// targetIDs are the event's targets: the core processes, then the
// challenges.
func (m *mod) targetIDs(ev call.Event) []string {
	var out []string
	for _, t := range m.b.Config.Tracks {
		out = append(out, t.ID)
	}
	for _, c := range ev.Challenges {
		out = append(out, c.ID)
	}
	return out
}

// loadCast reads the participants of an event's day.
func (m *mod) loadCast(tx *storage.Tx, ws string, ev call.Event) cast {
	cs := cast{ev: ev, appIdx: map[string]int{}, personIdx: map[string]int{}}
	apps, _ := call.EventApps(tx, ws, ev.ID)
	for _, a := range apps {
		if a.State == call.Accepted {
			cs.appIdx[a.ID] = len(cs.companies)
			cs.companies = append(cs.companies, a)
		}
	}
	byUser := map[string]*person{}
	for _, t := range m.targetIDs(ev) {
		for _, u := range routing.Contacts(tx, ws, t) {
			p := byUser[u.User]
			if p == nil {
				p = &person{Ref: u, Kind: "process"}
				byUser[u.User] = p
			}
			if !slices.Contains(p.Targets, t) {
				p.Targets = append(p.Targets, t)
			}
		}
	}
	if j, err := jury.Juries.Get(tx, ws, ev.ID); err == nil {
		for _, jr := range j.Jurors {
			if !jr.Removed && byUser[jr.User.User] == nil {
				byUser[jr.User.User] = &person{Ref: jr.User, Kind: "juror", Targets: jr.Targets}
			}
		}
	}
	Staff.Scan(tx, ws, ev.ID+"/", func(_ string, u chat.UserRef) error {
		if byUser[u.User] == nil {
			byUser[u.User] = &person{Ref: u, Kind: "staff"}
		}
		return nil
	})
	for _, p := range byUser {
		cs.people = append(cs.people, *p)
	}
	sort.Slice(cs.people, func(i, j int) bool { return cs.people[i].Ref.User < cs.people[j].Ref.User })
	for i, p := range cs.people {
		cs.personIdx[p.Ref.User] = i
	}
	return cs
}

// app returns an accepted application by id.
func (cs cast) app(id string) (call.Application, bool) {
	i, ok := cs.appIdx[id]
	if !ok {
		return call.Application{}, false
	}
	return cs.companies[i], true
}

// person returns a city participant by user id.
func (cs cast) person(id string) (person, bool) {
	i, ok := cs.personIdx[id]
	if !ok {
		return person{}, false
	}
	return cs.people[i], true
}

// recipients are the people who speak for a company: its owner and
// contacts.
func recipients(a call.Application) []chat.UserRef {
	out := []chat.UserRef{a.Owner}
	for _, c := range a.Contacts {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// companyLang is the language to write to u about company a: u's own
// choice, else the company's preferred language, else u's default.
func (m *mod) companyLang(tx *storage.Tx, a call.Application, u chat.UserRef) string {
	if l := bot.LoadUser(tx, u).Lang; l != "" {
		return l
	}
	if l := locale.Normalize(a.Lang); l != "" {
		return l
	}
	return m.b.LangOf(tx, u)
}

// personName is how people are named to others: their profile name and
// handle, or the handle.
func personName(tx *storage.Tx, u chat.UserRef) string {
	if n := bot.LoadUser(tx, u).Profile.Name; n != "" {
		return n + " (" + chat.Mention(u) + ")"
	}
	return chat.Mention(u)
}

// companyName names a company with its application id.
func companyName(a call.Application) string { return a.Company + " (" + a.ID + ")" }

// loadEvent reads the event named by an argument, or answers why not.
func loadEvent(r *bot.Request, id string) (call.Event, *chat.Response) {
	var ev call.Event
	err := r.Bot.DB.View(func(tx *storage.Tx) (err error) { ev, err = call.LoadEvent(tx, r.WS.ID, id); return })
	if err != nil {
		resp := r.Reply("day.no_event", "Event", id)
		return ev, &resp
	}
	return ev, nil
}

// internal logs err and answers politely.
func internal(r *bot.Request, what string, err error) chat.Response {
	r.Bot.Log.Error(what, "component", "day", "user", r.User.String(), "err", err)
	return r.Reply("error.internal")
}

// key builds an outbox or schedule key, unique across workspaces.
func key(ws string, parts ...string) string {
	return "day/" + ws + "/" + strings.Join(parts, "/")
}
