package call

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/kipina/kipina/bot"
	kbackup "github.com/kipina/kipina/bot/backup"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/storage"
)

var states = []string{Submitted, Accepted, Declined, Withdrawn}

// appState is the part of an application that counts need: decoding only
// it keeps /kipina status fast on a large round.
type appState struct {
	Event string `json:"event"`
	State string `json:"state"`
}

var appStates = storage.NewBucket[appState](Apps.Name())

// status shows counts of applications by state for each event, and the
// state of message delivery.
func status(_ context.Context, r *bot.Request) chat.Response {
	var evs []Event
	var apps []appState
	var pending, failed int
	r.Bot.DB.View(func(tx *storage.Tx) error {
		evs, _ = Events.All(tx, r.WS.ID)
		apps, _ = appStates.All(tx, r.WS.ID)
		pending, _ = outbox.PendingCount(tx)
		f, _ := outbox.Undelivered(tx, r.WS.ID)
		failed = len(f)
		return nil
	})
	if len(r.Args) == 1 {
		evs = slices.DeleteFunc(evs, func(e Event) bool { return e.ID != r.Args[0] })
		if len(evs) == 0 {
			return r.Reply("event.not_found", "Event", r.Args[0])
		}
	}
	var sb strings.Builder
	for _, ev := range evs {
		count := map[string]int{}
		total := 0
		for _, a := range apps {
			if a.Event == ev.ID {
				count[a.State]++
				total++
			}
		}
		fmt.Fprintf(&sb, "*%s* (%s) — %s\n", ev.Name, ev.ID, r.T("status.total", "Count", total))
		for _, s := range states {
			if count[s] > 0 {
				fmt.Fprintf(&sb, "  %s: %d\n", r.T("state."+s), count[s])
			}
		}
	}
	sb.WriteString(r.T("status.delivery", "Pending", pending, "Failed", failed))
	sb.WriteString("\n" + backupAge(r))
	return r.ReplyText(sb.String())
}

// appList lists applications: /kipina apps [event] [filter]. The filter is
// a state, a target id, or words in the company name or summary.
func appList(_ context.Context, r *bot.Request) chat.Response {
	var apps []Application
	var evs []Event
	r.Bot.DB.View(func(tx *storage.Tx) error {
		apps, _ = EventApps(tx, r.WS.ID, "")
		evs, _ = Events.All(tx, r.WS.ID)
		return nil
	})
	args := r.Args
	event := ""
	if len(args) > 0 && slices.ContainsFunc(evs, func(e Event) bool { return e.ID == args[0] }) {
		event, args = args[0], args[1:]
	}
	filter := strings.ToLower(strings.Join(args, " "))
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
		fmt.Fprintf(&sb, "• %s %s%s — %s — %s — %s\n", a.ID, a.Company, lock, a.Target, r.T("state."+a.State), r.FormatDateTime(a.Submitted))
	}
	if n == 0 {
		return r.Reply("apps.none")
	}
	return r.ReplyText(r.T("apps.title", "Count", n) + "\n" + strings.TrimRight(sb.String(), "\n"))
}

func matches(a Application, filter string) bool {
	if filter == "" || a.State == filter || a.Target == filter {
		return true
	}
	return strings.Contains(strings.ToLower(a.Company+" "+a.Summary+" "+a.BusinessID), filter)
}

// appShow shows one application in full, with its history.
func appShow(_ context.Context, r *bot.Request) chat.Response {
	var a Application
	var ev Event
	var log []storage.AuditEntry
	err := r.Bot.DB.View(func(tx *storage.Tx) (err error) {
		if a, err = LoadApp(tx, r.WS.ID, strings.ToUpper(r.Args[0])); err != nil {
			return err
		}
		ev, _ = LoadEvent(tx, r.WS.ID, a.Event)
		log, err = tx.AuditLog(r.WS.ID, "app/"+a.ID)
		return err
	})
	if err != nil {
		return r.Reply("app.not_found", "App", r.Args[0])
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "*%s — %s* (%s)\n", a.ID, a.Company, r.T("state."+a.State))
	if a.Secrets {
		sb.WriteString(r.T("app.secrets") + "\n")
	}
	for _, line := range [][2]string{
		{"apply.business_id.label", a.BusinessID}, {"apply.contact_name.label", a.Contact + " <" + a.Email + ">"},
		{"apply.website.label", a.Website}, {"apply.target.label", ev.TargetName(r.Bot.Config.Tracks, a.Target, r.Lang)},
		{"apply.maturity.label", r.T("apply.maturity." + a.Maturity)}, {"apply.summary.label", a.Summary},
		{"apply.references.label", a.References}, {"apply.pilot.label", a.Pilot}, {"apply.deck.label", a.Deck},
		{"apply.lang.label", a.Lang},
	} {
		if line[1] != "" {
			fmt.Fprintf(&sb, "%s: %s\n", r.T(line[0]), line[1])
		}
	}
	sb.WriteString(r.T("app.history"))
	for _, e := range log {
		fmt.Fprintf(&sb, "\n  %s %s %s", r.FormatDateTime(e.At), e.Who, e.Action)
	}
	return r.ReplyText(sb.String())
}

// myApps lists the user's own applications with Edit and Withdraw.
func myApps(_ context.Context, r *bot.Request) chat.Response {
	var apps []Application
	evs := map[string]Event{}
	r.Bot.DB.View(func(tx *storage.Tx) error {
		all, _ := EventApps(tx, r.WS.ID, "")
		for _, a := range all {
			if a.MayEdit(r.User) {
				apps = append(apps, a)
				evs[a.Event], _ = LoadEvent(tx, r.WS.ID, a.Event)
			}
		}
		return nil
	})
	if len(apps) == 0 {
		return r.Reply("my.none")
	}
	var sb strings.Builder
	var controls []chat.Control
	for _, a := range apps {
		ev := evs[a.Event]
		fmt.Fprintf(&sb, "• %s %s — %s — %s\n", a.ID, a.Company, ev.Name, r.T("state."+a.State))
		if a.State == Submitted && ev.Open(r.Now()) {
			controls = append(controls,
				r.Button("app-edit:"+a.ID, "my.edit.button"),
				withStyle(r.Button("withdraw:"+a.ID, "my.withdraw.button"), "danger"))
			controls[len(controls)-2].Label += " " + a.ID
			controls[len(controls)-1].Label += " " + a.ID
		}
	}
	return chat.Response{Reply: &chat.Message{Text: r.T("my.title") + "\n" + strings.TrimRight(sb.String(), "\n"), Controls: controls}}
}

// withdrawAsk asks for confirmation before withdrawing.
func withdrawAsk(_ context.Context, r *bot.Request) chat.Response {
	a, _, resp := ownApp(r, r.Args[0])
	if resp != nil {
		return *resp
	}
	return chat.Response{Reply: &chat.Message{
		Text:     r.T("withdraw.confirm", "App", a.ID, "Company", a.Company),
		Controls: []chat.Control{withStyle(r.Button("withdraw-yes:"+a.ID, "withdraw.yes.button"), "danger")},
	}}
}

func withdrawDo(_ context.Context, r *bot.Request) chat.Response {
	return setWithdrawn(r, true)
}

func withdrawUndo(_ context.Context, r *bot.Request) chat.Response {
	return setWithdrawn(r, false)
}

// setWithdrawn withdraws an application or undoes that while the call is
// open; organisers are told either way.
func setWithdrawn(r *bot.Request, withdraw bool) chat.Response {
	a, ev, resp := ownApp(r, r.Args[0])
	if resp != nil {
		return *resp
	}
	if !withdraw && !ev.Open(r.Now()) {
		return closedReply(r, ev)
	}
	from, to, action, msg := Submitted, Withdrawn, "app.withdraw", "withdraw.done"
	if !withdraw {
		from, to, action, msg = Withdrawn, Submitted, "app.unwithdraw", "withdraw.undone"
	}
	err := r.Update(func(tx *storage.Tx) error {
		cur, err := LoadApp(tx, r.WS.ID, a.ID)
		if err != nil || cur.State != from {
			return err // already done: a double click changes nothing
		}
		cur.State, cur.Updated = to, r.Now()
		if err := Apps.Put(tx, r.WS.ID, a.ID, cur); err != nil {
			return err
		}
		if err := r.Audit(tx, action, "app/"+a.ID, ""); err != nil {
			return err
		}
		if ch := r.WS.NotifyChannel; ch != "" {
			seq, _ := tx.NextSeq(r.WS.ID, "notices")
			text := r.Bot.Cat.T(r.WS.Lang, "withdraw.notice."+to, "App", a.ID, "Company", a.Company)
			addr := chat.Address{Platform: r.User.Platform, Workspace: r.WS.ID, Channel: ch}
			_, err = outbox.Enqueue(tx, fmt.Sprintf("app/%s/%s/%s/%d", r.WS.ID, a.ID, to, seq), addr, chat.Message{Text: text})
		}
		return err
	})
	if err != nil {
		return internal(r, "withdraw", err)
	}
	m := chat.Message{Text: r.T(msg, "App", a.ID)}
	if withdraw && ev.Open(r.Now()) {
		m.Controls = []chat.Control{r.Button("withdraw-undo:"+a.ID, "withdraw.undo.button")}
	}
	return chat.Response{Reply: &m}
}

// contactAdd lets an application's sender add a colleague as a contact.
func contactAdd(_ context.Context, r *bot.Request) chat.Response {
	a, _, resp := ownApp(r, strings.ToUpper(r.Args[0]))
	if resp != nil {
		return *resp
	}
	u := bot.Mention(r, r.Args[1])
	err := r.Update(func(tx *storage.Tx) error {
		cur, err := LoadApp(tx, r.WS.ID, a.ID)
		if err != nil {
			return err
		}
		if !cur.MayEdit(u) {
			cur.Contacts = append(cur.Contacts, u)
		}
		if err := Apps.Put(tx, r.WS.ID, a.ID, cur); err != nil {
			return err
		}
		if err := bot.Grant(tx, u, bot.Company); err != nil {
			return err
		}
		return r.Audit(tx, "app.contact.add", "app/"+a.ID, u.User)
	})
	if err != nil {
		return internal(r, "add contact", err)
	}
	return r.Reply("contact.added", "User", "@"+u.User, "App", a.ID)
}

// backup writes a verified copy of the store into the data directory,
// with the retention of scheduled backups (backups.keep).
func backup(_ context.Context, r *bot.Request) chat.Response {
	rec, err := kbackup.Take(r.Bot.DB, kbackup.Dir(r.Bot.DataDir), r.Now(), r.Bot.Config.Backups.Keep)
	if err != nil {
		return internal(r, "backup", err)
	}
	r.Update(func(tx *storage.Tx) error { return r.Audit(tx, "backup", "store", rec.Path) })
	return r.Reply("backup.done", "Path", rec.Path, "KB", (rec.Bytes+1023)/1024)
}
