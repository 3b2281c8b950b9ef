package call

import (
	"fmt"
	"strings"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

// The ids of the flow's buttons: each names what it acts on.
var (
	cancelID      = bot.StringID("event-cancel")  // event id
	editID        = bot.StringID("app-edit")      // application id
	withdrawID    = bot.StringID("withdraw")      // application id
	withdrawYesID = bot.StringID("withdraw-yes")  // application id
	undoID        = bot.StringID("withdraw-undo") // application id
)

// Module registers the call → application flow.
type Module struct{}

// Register adds the commands, forms and actions and seeds the demo event.
func (Module) Register(rt *bot.Registry, env *bot.Env) error {
	org := bot.Organiser
	for _, c := range []bot.Command{
		{Name: "event new", Role: org, Run: eventNew},
		{Name: "event edit", Role: org, MinArgs: 1, MaxArgs: 1, Run: eventEdit},
		{Name: "event extend", Role: org, MinArgs: 2, MaxArgs: 2, Run: eventExtend},
		{Name: "event cancel", Role: org, MinArgs: 1, MaxArgs: 1, Run: eventCancel},
		{Name: "events", Role: org, Run: eventList},
		{Name: "challenge add", Role: org, MinArgs: 1, MaxArgs: 1, Run: challengeAdd},
		{Name: "challenge edit", Role: org, MinArgs: 2, MaxArgs: 2, Run: challengeEdit},
		{Name: "challenges", MinArgs: 1, MaxArgs: 1, Run: challengeList},
		{Name: "call open", Role: org, MinArgs: 1, MaxArgs: 1, Run: callAsk},
		{Name: "call close", Role: org, MinArgs: 1, MaxArgs: 1, Run: callSet(false)},
		{Name: "call reopen", Role: org, MinArgs: 1, MaxArgs: 1, Run: callAsk},
		{Name: "status", Role: org, MaxArgs: 1, Run: status},
		{Name: "apps", Role: org, MaxArgs: 2, Run: appList},
		{Name: "app", Role: org, MinArgs: 1, MaxArgs: 1, Run: appShow},
		{Name: "app resend", Role: org, MinArgs: 1, MaxArgs: 1, Run: appResend},
		{Name: "app email", Role: org, MinArgs: 2, MaxArgs: 2, Run: appEmail},
		{Name: "apply", MinArgs: 1, MaxArgs: 1, Run: applyOpen},
		{Name: "my", MaxArgs: 0, Run: myApps},
		{Name: "contact add", MinArgs: 2, MaxArgs: 2, Run: contactAdd},
		{Name: "backup", Role: org, MaxArgs: 0, Run: backup},
	} {
		rt.Command(c)
	}
	rt.Form("event", org, eventSubmit)
	rt.Form("challenge", org, challengeSubmit)
	rt.Action(cancelID.Prefix(), org, eventCancelConfirm)
	rt.Action("call-post", org, callSet(true))
	rt.Action("apply", bot.Anyone, applyOpen)
	rt.Form("apply", bot.Anyone, applySubmit)
	rt.Action(editID.Prefix(), bot.Anyone, appEditOpen)
	rt.Action(withdrawID.Prefix(), bot.Anyone, withdrawAsk)
	rt.Action(withdrawYesID.Prefix(), bot.Anyone, withdrawDo)
	rt.Action(undoID.Prefix(), bot.Anyone, withdrawUndo)
	return seedDemo(env)
}

// seedDemo adds the configured demo event to every workspace that has no
// events yet, so there is something to apply to at once. A deployment turns
// it off with an empty demo_event.id.
func seedDemo(b *bot.Env) error {
	d := b.Config.DemoEvent
	if d.ID == "" {
		return nil
	}
	return b.Update(func(tx *storage.Tx) error {
		for _, w := range b.Config.Workspaces {
			ws, ok := b.Workspace(w.ID)
			if !ok {
				return fmt.Errorf("workspace %s is not configured", w.ID)
			}
			n := 0
			if err := round.Events.Scan(tx, w.ID, "", func(string, round.Event) error { n++; return storage.ErrStop }); err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			now := b.Now().In(ws.Loc)
			ev := round.Event{
				ID: d.ID, Name: d.Name.Get(ws.Lang), Place: d.Place, CallOpen: false, Created: b.Now(),
				Date:        time.Date(now.Year(), now.Month(), now.Day()+d.DateOffsetDays, 9, 0, 0, 0, ws.Loc),
				Deadline:    round.EndOfDay(now.AddDate(0, 0, d.DeadlineOffsetDays), ws.Loc),
				Description: d.Name.Get(ws.Lang),
				Names:       copyText(d.Name), Descriptions: copyText(d.Name),
			}
			for _, c := range d.Challenges {
				ev.Challenges = append(ev.Challenges, round.Challenge{ID: c.ID, Name: c.Name, Description: c.Description})
			}
			if err := round.Events.Put(tx, w.ID, ev.ID, ev); err != nil {
				return err
			}
			if err := tx.Audit(w.ID, storage.AuditEntry{Who: "system", Action: "event.seed", Subject: "event/" + ev.ID}); err != nil {
				return err
			}
		}
		return nil
	})
}

// copyText returns a copy of t, so that a record never shares the
// configuration's map.
func copyText(t configs.Text) configs.Text {
	out := configs.Text{}
	for l, s := range t {
		out[l] = s
	}
	return out
}

// event loads the event named by an argument; a missing one is refused
// with event.not_found.
func event(r *bot.Request, id string) (round.Event, error) {
	var ev round.Event
	var ok bool
	err := r.Env.DB.View(func(tx *storage.Tx) (err error) { ev, ok, err = round.Events.Lookup(tx, r.WS.ID, id); return })
	if err == nil && !ok {
		err = bot.Refuse("event.not_found", "Event", id)
	}
	return ev, err
}

// slug makes an id from a name: lower-case letters, digits and hyphens.
func slug(s string) string {
	var sb strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			sb.WriteRune(c)
			dash = false
		case c == 'ä' || c == 'å':
			sb.WriteRune('a')
			dash = false
		case c == 'ö':
			sb.WriteRune('o')
			dash = false
		default:
			if !dash && sb.Len() > 0 {
				sb.WriteRune('-')
				dash = true
			}
		}
	}
	out := strings.Trim(sb.String(), "-")
	if len(out) > 40 {
		out = strings.Trim(out[:40], "-")
	}
	if out == "" {
		out = "event"
	}
	return out
}

// uniqueID returns base, or base-2, base-3, … if taken.
func uniqueID(tx *storage.Tx, ws, base string) (string, error) {
	id := base
	for i := 2; ; i++ {
		taken, err := round.Events.Has(tx, ws, id)
		if err != nil || !taken {
			return id, err
		}
		id = fmt.Sprintf("%s-%d", base, i)
	}
}
