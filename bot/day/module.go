// Package day runs the event day: the pitch agenda, one-to-one meetings
// between the accepted companies and the city's people scheduled from
// their mutual interest, personal schedules (text and an .ics calendar),
// reminders before each meeting and live re-pairing when someone does not
// come.
//
// Who takes part: the companies are the applications the jury accepted
// (round.Accepted); the city's people are the process contacts of every
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
	"fmt"
	"slices"
	"sort"
	"strconv"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/jury"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/bot/routing"
	"github.com/kipina/kipina/storage"
)

// Module registers the day's commands, actions and reminders.
type Module struct{}

// mod is the registered module with its environment.
type mod struct{ env *bot.Env }

// Register adds the commands, the prompt and offer actions and the
// reminder handler.
func (Module) Register(reg *bot.Registry, env *bot.Env) error {
	m := &mod{env: env}
	org := bot.Organiser
	reg.Commands(
		bot.Command{Name: "agenda", Role: org, MinArgs: 1, MaxArgs: -1, Run: m.agendaSet},
		bot.Command{Name: "agenda show", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.agendaShow},
		bot.Command{Name: "agenda move", Role: org, MinArgs: 3, MaxArgs: 3, Run: m.agendaMove},
		bot.Command{Name: "agenda publish", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.agendaPublish},
		bot.Command{Name: "day people", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.peopleList},
		bot.Command{Name: "day people add", Role: org, MinArgs: 2, MaxArgs: -1, Run: m.peopleEdit(true)},
		bot.Command{Name: "day people remove", Role: org, MinArgs: 2, MaxArgs: -1, Run: m.peopleEdit(false)},
		bot.Command{Name: "meetings open", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.requestsOpen},
		bot.Command{Name: "meetings close", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.requestsClose},
		bot.Command{Name: "meetings schedule", Role: org, MinArgs: 1, MaxArgs: -1, Run: m.planDraft},
		bot.Command{Name: "meetings publish", Role: org, MinArgs: 1, MaxArgs: 1, Run: m.planPublish},
		bot.Command{Name: "my schedule", MinArgs: 1, MaxArgs: 1, Run: m.mySchedule},
		bot.Command{Name: "noshow", Role: org, MinArgs: 2, MaxArgs: 2, Run: m.noShow},
	)
	reg.Action(wantID.Prefix(), bot.Anyone, m.answer)
	reg.Action(pageID.Prefix(), bot.Anyone, m.page)
	reg.Action(cancelID.Prefix(), bot.Anyone, m.cancelOwn)
	reg.Action(acceptID.Prefix(), bot.Anyone, m.accept)
	reg.Due(kindRemind, m.remind)
	return nil
}

// kindRemind is the scheduler kind of a meeting reminder.
const kindRemind = "day.remind"

// wantRef is what a select of a meeting-request prompt answers about: the
// event, the side answering (SideCompany or SidePerson), the row's company
// (application id) and city person (user id), and the prompt's page (from
// 0) to show again.
type wantRef struct {
	Event, Side, App, Person string
	Page                     int
}

// pageRef is a page (from 0) of the prompt of side's party Self (an
// application id or a user id).
type pageRef struct {
	Event, Side, Self string
	Page              int
}

// offerRef is a candidate's Accept of a freed slot: the event, the offer's
// id in Day.Offers and the candidate (an application id or a user id).
type offerRef struct {
	Event string
	Offer int
	Cand  string
}

// cancelRef is the Cancel of a reminder: the event and the party that
// cannot come.
type cancelRef struct {
	Event string
	Party party
}

// The ids of the day's controls.
var (
	// wantID is a row's select: "daywant:<event>:<side>:<app>:<person>:<page>".
	wantID = bot.NewIDCodec("daywant", 5,
		func(v wantRef) []string { return []string{v.Event, v.Side, v.App, v.Person, strconv.Itoa(v.Page)} },
		func(f []string) (wantRef, bool) {
			page, ok := count(f[4])
			return wantRef{f[0], f[1], f[2], f[3], page}, ok && isSide(f[1])
		})
	// pageID is a Previous or Next button: "daypage:<event>:<side>:<self>:<page>".
	pageID = bot.NewIDCodec("daypage", 4,
		func(v pageRef) []string { return []string{v.Event, v.Side, v.Self, strconv.Itoa(v.Page)} },
		func(f []string) (pageRef, bool) {
			page, ok := count(f[3])
			return pageRef{f[0], f[1], f[2], page}, ok && isSide(f[1])
		})
	// cancelID is a reminder's Cancel: "daycancel:<event>:<side>:<id>".
	cancelID = bot.NewIDCodec("daycancel", 3,
		func(v cancelRef) []string { return []string{v.Event, v.Party.side, v.Party.id} },
		func(f []string) (cancelRef, bool) { return cancelRef{f[0], party{f[1], f[2]}}, isSide(f[1]) })
	// acceptID is an offer's Accept: "dayaccept:<event>:<offer>:<candidate>".
	acceptID = bot.NewIDCodec("dayaccept", 3,
		func(v offerRef) []string { return []string{v.Event, strconv.Itoa(v.Offer), v.Cand} },
		func(f []string) (offerRef, bool) {
			n, ok := count(f[1])
			return offerRef{f[0], n, f[2]}, ok
		})
)

// isSide reports whether s is SideCompany or SidePerson.
func isSide(s string) bool { return s == SideCompany || s == SidePerson }

// count reads a number an id field holds: a non-negative decimal in the
// form strconv.Itoa writes ("7", not "+7" or "07"), so an id reads back
// only as the id it was built as.
func count(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0 && strconv.Itoa(n) == s
}

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
	ev        round.Event
	companies []round.Application // accepted, by id
	people    []person            // by user id
	appIdx    map[string]int
	personIdx map[string]int
}

// targetIDs are the event's targets: the core processes, then the
// challenges.
func (m *mod) targetIDs(ev round.Event) []string {
	var out []string
	for _, t := range m.env.Config.Tracks {
		out = append(out, t.ID)
	}
	for _, c := range ev.Challenges {
		out = append(out, c.ID)
	}
	return out
}

// loadCast reads the participants of an event's day.
func (m *mod) loadCast(tx *storage.Tx, ws string, ev round.Event) (cast, error) {
	cs := cast{ev: ev, appIdx: map[string]int{}, personIdx: map[string]int{}}
	apps, err := round.EventApps(tx, ws, ev.ID)
	if err != nil {
		return cs, fmt.Errorf("applications of %s: %w", ev.ID, err)
	}
	for _, a := range apps {
		if a.State == round.Accepted {
			cs.appIdx[a.ID] = len(cs.companies)
			cs.companies = append(cs.companies, a)
		}
	}
	byUser := map[string]*person{}
	for _, t := range m.targetIDs(ev) {
		us, err := routing.Contacts(tx, ws, t)
		if err != nil {
			return cs, fmt.Errorf("contacts of %s: %w", t, err)
		}
		for _, u := range us {
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
	j, _, err := jury.Juries.Lookup(tx, ws, ev.ID)
	if err != nil {
		return cs, fmt.Errorf("jury of %s: %w", ev.ID, err)
	}
	for _, jr := range j.Jurors {
		if !jr.Removed && byUser[jr.User.User] == nil {
			byUser[jr.User.User] = &person{Ref: jr.User, Kind: "juror", Targets: jr.Targets}
		}
	}
	err = Staff.Scan(tx, ws, ev.ID+"/", func(_ string, u chat.UserRef) error {
		if byUser[u.User] == nil {
			byUser[u.User] = &person{Ref: u, Kind: "staff"}
		}
		return nil
	})
	if err != nil {
		return cs, fmt.Errorf("staff of %s: %w", ev.ID, err)
	}
	for _, p := range byUser {
		cs.people = append(cs.people, *p)
	}
	sort.Slice(cs.people, func(i, j int) bool { return cs.people[i].Ref.User < cs.people[j].Ref.User })
	for i, p := range cs.people {
		cs.personIdx[p.Ref.User] = i
	}
	return cs, nil
}

// app returns an accepted application by id.
func (cs cast) app(id string) (round.Application, bool) {
	i, ok := cs.appIdx[id]
	if !ok {
		return round.Application{}, false
	}
	return cs.companies[i], true
}

// appOr returns an accepted application by id, or one that has only the
// id when it is no longer accepted (a pitch or meeting kept from before).
func (cs cast) appOr(id string) round.Application {
	if a, ok := cs.app(id); ok {
		return a
	}
	return round.Application{ID: id}
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
func recipients(a round.Application) []chat.UserRef {
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
func (m *mod) companyLang(tx *storage.Tx, a round.Application, u chat.UserRef) (string, error) {
	if _, err := bot.LoadUser(tx, u); err != nil {
		return "", err
	}
	return m.env.CompanyLangOf(tx, u, a.Lang), nil
}

// personName is how people are named to others: their profile name and
// handle, or the handle.
func personName(tx *storage.Tx, u chat.UserRef) (string, error) {
	usr, err := bot.LoadUser(tx, u)
	if err != nil {
		return "", err
	}
	if n := usr.Profile.Name; n != "" {
		return n + " (" + chat.Mention(u) + ")", nil
	}
	return chat.Mention(u), nil
}

// personAbout names a city person of the cast by user id and says in lang
// what they are at the day; one no longer in the cast is named by id.
func (m *mod) personAbout(tx *storage.Tx, cs cast, id, lang string) (name, about string, err error) {
	p, ok := cs.person(id)
	if !ok {
		return chat.MentionID(id), "", nil
	}
	if name, err = personName(tx, p.Ref); err != nil {
		return "", "", err
	}
	return name, m.roleText(cs.ev, p, lang), nil
}

// companyName names a company with its application id (the id alone for
// an application the cast no longer has).
// about is what the city's people read of a company's application in the
// day's prompts, personal schedules and reminders: the start of its summary
// on one line (at most n runes), or only a lock when the company marked the
// application as containing trade secrets (Act on the Openness of
// Government Activities 621/1999, 24(1)(20); docs/security.md).
func (m *mod) about(a round.Application, n int, lang string) string {
	if a.Secrets {
		return m.env.Cat.T(lang, "day.about.secret")
	}
	return clip(a.Summary, n)
}

func companyName(a round.Application) string {
	if a.Company == "" {
		return a.ID
	}
	return a.Company + " (" + a.ID + ")"
}

// loadEvent reads the event named by an argument; a missing one is refused
// with day.no_event.
func loadEvent(r *bot.Request, id string) (round.Event, error) {
	var ev round.Event
	var ok bool
	err := r.Env.DB.View(func(tx *storage.Tx) (err error) { ev, ok, err = round.Events.Lookup(tx, r.WS.ID, id); return })
	if err == nil && !ok {
		err = bot.Refuse("day.no_event", "Event", id)
	}
	return ev, err
}

// stale is the refusal of a button whose event, offer or arguments are
// gone.
func stale() error { return bot.Refuse("day.stale") }

// castOf reads the event a button names and its cast, in tx; an event that
// is gone makes the button stale.
func (m *mod) castOf(tx *storage.Tx, ws, event string) (round.Event, cast, error) {
	ev, ok, err := round.Events.Lookup(tx, ws, event)
	if err == nil && !ok {
		err = stale()
	}
	if err != nil {
		return ev, cast{}, err
	}
	cs, err := m.loadCast(tx, ws, ev)
	return ev, cs, err
}
