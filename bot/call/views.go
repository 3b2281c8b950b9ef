package call

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kipina/kipina/bot"
	kbackup "github.com/kipina/kipina/bot/backup"
	"github.com/kipina/kipina/bot/bizid"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/storage"
)

var states = []round.State{round.Submitted, round.Accepted, round.Declined, round.Withdrawn}

// currentFor is how long after its date an event still shows in
// /kipina status without naming it.
const currentFor = 60 * 24 * time.Hour

// status shows counts of applications by state for the current events
// (those not more than currentFor past their date; the latest event when
// none is) or for the event named, and the state of message delivery.
// Counts come from the event index (round.CountByState) and the outbox's
// indexes of pending and failed messages: the cost is what it shows, not
// the workspace's history.
func status(_ context.Context, r *bot.Request) (chat.Response, error) {
	var evs []round.Event
	counts := map[string]map[round.State]int{}
	var pending, failed, earlier int
	err := r.Env.DB.View(func(tx *storage.Tx) (err error) {
		if len(r.Args) == 1 {
			ev, found, err := round.Events.Lookup(tx, r.WS.ID, r.Args[0])
			if err != nil {
				return err
			}
			if !found {
				return bot.Refuse("event.not_found", "Event", r.Args[0])
			}
			evs = []round.Event{ev}
		} else {
			// The index by date: only the current events are read.
			ids, latest, n, err := round.EventsFrom(tx, r.WS.ID, r.Now().Add(-currentFor))
			if err != nil {
				return err
			}
			if len(ids) == 0 && latest != "" {
				ids = []string{latest}
			}
			for _, id := range ids {
				ev, err := round.LoadEvent(tx, r.WS.ID, id)
				if err != nil {
					return err
				}
				evs = append(evs, ev)
			}
			earlier = n - len(evs)
		}
		for _, ev := range evs {
			if counts[ev.ID], err = round.CountByState(tx, r.WS.ID, ev.ID); err != nil {
				return err
			}
		}
		if pending, err = outbox.PendingCount(tx); err != nil {
			return err
		}
		failed, err = outbox.FailedCount(tx, r.WS.ID)
		return err
	})
	if err != nil {
		return chat.Response{}, err
	}
	var sb strings.Builder
	for _, ev := range evs {
		count := counts[ev.ID]
		total := 0
		for _, n := range count {
			total += n
		}
		fmt.Fprintf(&sb, "*%s* (%s) — %s\n", ev.Name, ev.ID, r.T("status.total", "Count", total))
		for _, s := range states {
			if count[s] > 0 {
				fmt.Fprintf(&sb, "  %s: %d\n", r.T("state."+string(s)), count[s])
			}
		}
	}
	if earlier > 0 {
		sb.WriteString(r.T("status.earlier", "Count", earlier) + "\n")
	}
	sb.WriteString(r.T("status.delivery", "Pending", pending, "Failed", failed))
	sb.WriteString("\n" + backupAge(r))
	return r.ReplyText(sb.String())
}

// appList lists applications: /kipina apps [event] [filter]. The filter is
// a state, a target id, or words in the company name or summary.
func appList(_ context.Context, r *bot.Request) (chat.Response, error) {
	var apps []round.Application
	args := r.Args
	event := ""
	err := r.Env.DB.View(func(tx *storage.Tx) (err error) {
		if len(args) > 0 {
			known, err := round.Events.Has(tx, r.WS.ID, args[0])
			if err != nil {
				return err
			}
			if known {
				event, args = args[0], args[1:]
			}
		}
		// With an event, only its applications are read (the event index).
		apps, err = round.EventApps(tx, r.WS.ID, event)
		return err
	})
	if err != nil {
		return chat.Response{}, err
	}
	filter := strings.ToLower(strings.Join(args, " "))
	if st := StateFilter(r.Env.Cat, filter); st != "" {
		filter = string(st)
	}
	var sb strings.Builder
	n := 0
	for _, a := range apps {
		if event != "" && a.Event != event || !matches(a, filter) {
			continue
		}
		n++
		lock := ""
		if a.Secrets {
			lock = " 🔒"
		}
		fmt.Fprintf(&sb, "• %s %s %s%s — %s — %s — %s\n", Via(a.Owner), a.ID, a.Company, lock, a.Target, r.T("state."+string(a.State)), r.FormatDateTime(a.Submitted))
	}
	if n == 0 {
		return r.Reply("apps.none")
	}
	return r.ReplyText(r.T("apps.title", "Count", n) + "\n" + strings.TrimRight(sb.String(), "\n"))
}

func matches(a round.Application, filter string) bool {
	if filter == "" || string(a.State) == filter || a.Target == filter {
		return true
	}
	if id, err := bizid.Parse(filter); err == nil {
		return bizid.Same(id, a.BusinessID)
	}
	return strings.Contains(strings.ToLower(a.Company+" "+a.Summary+" "+a.BusinessID), filter)
}

// appShow shows one application in full, with its history.
func appShow(_ context.Context, r *bot.Request) (chat.Response, error) {
	var a round.Application
	var ev round.Event
	var log []storage.AuditEntry
	var found bool
	err := r.Env.DB.View(func(tx *storage.Tx) (err error) {
		if a, found, err = round.Apps.Lookup(tx, r.WS.ID, strings.ToUpper(r.Args[0])); err != nil || !found {
			return err
		}
		if ev, err = round.LoadEvent(tx, r.WS.ID, a.Event); err != nil {
			return err
		}
		log, err = tx.AuditLog(r.WS.ID, "app/"+a.ID)
		return err
	})
	if err != nil {
		return chat.Response{}, err
	}
	if !found {
		return chat.Response{}, bot.Refuse("app.not_found", "App", r.Args[0])
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "*%s — %s* (%s)\n", a.ID, a.Company, r.T("state."+string(a.State)))
	if a.Owner.Platform == bot.EmailPlatform {
		sb.WriteString(r.T("app.via.email", "Address", a.Owner.User) + "\n")
	} else {
		sb.WriteString(r.T("app.via.chat") + "\n")
	}
	if a.Secrets {
		sb.WriteString(r.T("app.secrets") + "\n")
	}
	for _, line := range [][2]string{
		{"apply.business_id.label", a.BusinessID}, {"apply.contact_name.label", a.Contact + " <" + a.Email + ">"},
		{"apply.website.label", a.Website}, {"apply.target.label", ev.TargetName(r.Env.Config.Tracks, a.Target, r.Lang)},
		{"apply.maturity.label", r.T("apply.maturity." + a.Maturity)}, {"apply.summary.label", a.Summary},
		{"apply.references.label", a.References}, {"apply.pilot.label", a.Pilot}, {"apply.deck.label", a.Deck},
		{"apply.lang.label", langName(a.Lang)},
	} {
		if line[1] != "" {
			fmt.Fprintf(&sb, "%s: %s\n", r.T(line[0]), line[1])
		}
	}
	sb.WriteString(r.T("app.history"))
	for _, e := range log {
		fmt.Fprintf(&sb, "\n  %s %s %s", r.FormatDateTime(e.At), historyWho(r, e.Who), historyAction(r, e.Action))
	}
	return r.ReplyText(sb.String())
}

// langName names a language code in that language, as the application
// form offers it ("suomi"), not as a code ("fi").
func langName(code string) string {
	if n, ok := map[string]string{"fi": "suomi", "en": "English", "sv": "svenska"}[code]; ok {
		return n
	}
	return code
}

// historyWho names the author of a history line as people read it: a
// mention, or the bot for what it did by itself (issue 15: history lines
// showed "shell:demo:anna").
func historyWho(r *bot.Request, who string) string {
	u, err := chat.ParseUserRef(who)
	if err != nil {
		return r.T("history.who.system")
	}
	return chat.Mention(u)
}

// historyAction words an audited action ("app.submit" → "lähetti
// hakemuksen"); an action the catalogue does not word keeps its code.
func historyAction(r *bot.Request, action string) string {
	if r.Env.Cat.Has(r.Lang, "history."+action) {
		return r.T("history." + action)
	}
	return action
}

// myApps lists the user's own applications with Edit and Withdraw.
func myApps(_ context.Context, r *bot.Request) (chat.Response, error) {
	var apps []round.Application
	evs := map[string]round.Event{}
	err := r.Env.DB.View(func(tx *storage.Tx) error {
		// The person index: only the user's own applications are read.
		all, err := round.PersonApps(tx, r.WS.ID, r.User)
		if err != nil {
			return err
		}
		for _, a := range all {
			if !a.MayEdit(r.User) {
				continue
			}
			apps = append(apps, a)
			if _, ok := evs[a.Event]; ok {
				continue
			}
			if evs[a.Event], err = round.LoadEvent(tx, r.WS.ID, a.Event); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return chat.Response{}, err
	}
	if len(apps) == 0 {
		return r.Reply("my.none")
	}
	var sb strings.Builder
	var controls []chat.Control
	for _, a := range apps {
		ev := evs[a.Event]
		fmt.Fprintf(&sb, "• %s %s — %s — %s\n", a.ID, a.Company, ev.Name, r.T("state."+string(a.State)))
		if a.State == round.Submitted && ev.Open(r.Now()) {
			controls = append(controls,
				r.Button(editID.ID(a.ID), "my.edit.button"),
				withStyle(r.Button(withdrawID.ID(a.ID), "my.withdraw.button"), "danger"))
			controls[len(controls)-2].Label += " " + a.ID
			controls[len(controls)-1].Label += " " + a.ID
		}
		if a.State == round.Withdrawn && ev.Open(r.Now()) {
			controls = append(controls, r.Button(undoID.ID(a.ID), "withdraw.undo.button"))
			controls[len(controls)-1].Label += " " + a.ID
		}
	}
	return chat.Response{Reply: &chat.Message{Text: r.T("my.title") + "\n" + strings.TrimRight(sb.String(), "\n"), Controls: controls}}, nil
}

// withdrawAsk asks for confirmation before withdrawing.
func withdrawAsk(_ context.Context, r *bot.Request) (chat.Response, error) {
	id, err := withdrawID.Of(r)
	if err != nil {
		return chat.Response{}, err
	}
	a, _, err := ownApp(r, id)
	if err != nil {
		return chat.Response{}, err
	}
	return chat.Response{Reply: &chat.Message{
		Text:     r.T("withdraw.confirm", "App", a.ID, "Company", a.Company),
		Controls: []chat.Control{withStyle(r.Button(withdrawYesID.ID(a.ID), "withdraw.yes.button"), "danger")},
	}}, nil
}

func withdrawDo(ctx context.Context, r *bot.Request) (chat.Response, error) {
	id, err := withdrawYesID.Of(r)
	if err != nil {
		return chat.Response{}, err
	}
	return setWithdrawn(ctx, r, id, true)
}

func withdrawUndo(ctx context.Context, r *bot.Request) (chat.Response, error) {
	id, err := undoID.Of(r)
	if err != nil {
		return chat.Response{}, err
	}
	return setWithdrawn(ctx, r, id, false)
}

// setWithdrawn withdraws an application or undoes that while the call is
// open; organisers are told either way.
func setWithdrawn(ctx context.Context, r *bot.Request, id string, withdraw bool) (chat.Response, error) {
	a, ev, err := ownApp(r, id)
	if err != nil {
		return chat.Response{}, err
	}
	if !withdraw && !ev.Open(r.Now()) {
		return chat.Response{}, closed(ev, r)
	}
	to, action, msg := round.Withdrawn, "app.withdraw", "withdraw.done"
	if !withdraw {
		to, action, msg = round.Submitted, "app.unwithdraw", "withdraw.undone"
	}
	err = r.Update(func(tx *storage.Tx) error {
		_, changed, err := round.Transition(ctx, r.Env.Events, tx, r.WS.ID, a.ID, to, r.User)
		if err != nil || !changed {
			return err // unchanged: a double click changes nothing
		}
		if err := r.Audit(tx, action, "app/"+a.ID, ""); err != nil {
			return err
		}
		if ch := r.WS.NotifyChannel; ch != "" {
			seq, err := tx.NextSeq(r.WS.ID, "notices")
			if err != nil {
				return err
			}
			text := r.Env.Cat.T(r.WS.Lang, "withdraw.notice."+string(to), "App", a.ID, "Company", a.Company)
			addr := r.WS.Channel(ch)
			_, err = outbox.Enqueue(tx, outbox.NewKey(r.WS.ID, "app", a.ID, string(to), strconv.FormatUint(seq, 10)), addr, chat.Message{Text: text})
			return err
		}
		return nil
	})
	var dup *round.DuplicateError
	switch {
	case errors.As(err, &dup):
		return chat.Response{}, bot.Refuse("withdraw.undo.taken", "App", a.ID, "Other", dup.Other.ID)
	case errors.Is(err, round.ErrTransition):
		return chat.Response{}, bot.Refuse("withdraw.not_now", "App", a.ID, "State", r.T("state."+string(a.State)))
	case err != nil:
		return chat.Response{}, fmt.Errorf("withdraw: %w", err)
	}
	m := chat.Message{Text: r.T(msg, "App", a.ID)}
	if withdraw && ev.Open(r.Now()) {
		m.Controls = []chat.Control{r.Button(undoID.ID(a.ID), "withdraw.undo.button")}
	}
	return chat.Response{Reply: &m}, nil
}

// contactAdd lets an application's sender add a colleague as a contact.
func contactAdd(ctx context.Context, r *bot.Request) (chat.Response, error) {
	a, _, err := ownApp(r, strings.ToUpper(r.Args[0]))
	if err != nil {
		return chat.Response{}, err
	}
	u := bot.Mention(r, r.Args[1])
	r.Env.KnowPeople(ctx, u)
	err = r.Update(func(tx *storage.Tx) error {
		if err := round.AddContact(tx, r.WS.ID, a.ID, u); err != nil {
			return err
		}
		if err := bot.Grant(tx, u, bot.Company); err != nil {
			return err
		}
		return r.Audit(tx, "app.contact.add", "app/"+a.ID, u.User)
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("add contact"+": %w", err)
	}
	return r.Reply("contact.added", "User", chat.Mention(u), "App", a.ID)
}

// backup writes a verified copy of the store into the data directory,
// with the retention of scheduled backups (backups.keep).
func backup(_ context.Context, r *bot.Request) (chat.Response, error) {
	rec, err := kbackup.Take(r.Env.DB, kbackup.Dir(r.Env.DataDir), r.Now(), r.Env.Config.Backups.Keep)
	if err != nil {
		return chat.Response{}, fmt.Errorf("backup"+": %w", err)
	}
	if err := r.Update(func(tx *storage.Tx) error { return r.Audit(tx, "backup", "store", rec.Path) }); err != nil {
		return chat.Response{}, fmt.Errorf("backup audit: %w", err)
	}
	return r.Reply("backup.done", "Path", rec.Path, "KB", (rec.Bytes+1023)/1024)
}
