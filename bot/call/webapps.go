package call

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/storage"
)

// Via is the mark organiser views show for the channel an applicant is
// reached on: ✉ for a company that applied on the web page (an "email"
// user, package bot/web), 💬 for one in chat.
func Via(u chat.UserRef) string {
	if u.Platform == bot.EmailPlatform {
		return "✉"
	}
	return "💬"
}

// orgApp loads application id (any case) for an organiser's command:
// bot.Refuse("app.not_found") when there is none.
func orgApp(tx *storage.Tx, r *bot.Request, id string) (round.Application, round.Event, error) {
	a, found, err := round.Apps.Lookup(tx, r.WS.ID, strings.ToUpper(id))
	if err != nil {
		return a, round.Event{}, err
	}
	if !found {
		return a, round.Event{}, bot.Refuse("app.not_found", "App", id)
	}
	ev, err := round.LoadEvent(tx, r.WS.ID, a.Event)
	return a, ev, err
}

// appResend sends the applicant a fresh message about their application,
// with Edit and Withdraw while the call is open (on e-mail: new signed
// links). /kipina app resend <application>; audited.
func appResend(_ context.Context, r *bot.Request) (chat.Response, error) {
	var a round.Application
	err := r.Update(func(tx *storage.Tx) error {
		var ev round.Event
		var err error
		if a, ev, err = orgApp(tx, r, r.Args[0]); err != nil {
			return err
		}
		if err := r.Audit(tx, "app.resend", "app/"+a.ID, Via(a.Owner)); err != nil {
			return err
		}
		return sendLinks(r, tx, ev, a)
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("resend: %w", err)
	}
	return r.Reply("app.resent", "App", a.ID, "Via", Via(a.Owner))
}

// appEmail changes an application's e-mail address: /kipina app email
// <application> <address>. For a web application the address is the
// applicant's identity: the old one loses access and the new one is sent
// fresh links. Audited with both addresses.
func appEmail(_ context.Context, r *bot.Request) (chat.Response, error) {
	addr := strings.ToLower(strings.TrimSpace(r.Args[1]))
	f := chat.Form{Fields: []chat.Field{{ID: "email", Kind: chat.Email}}}
	if _, bad := f.Check(map[string]string{"email": addr})["email"]; bad {
		return chat.Response{}, bot.Refuse("app.email.bad", "Address", r.Args[1])
	}
	var a round.Application
	err := r.Update(func(tx *storage.Tx) error {
		cur, ev, err := orgApp(tx, r, r.Args[0])
		if err != nil {
			return err
		}
		var old string
		if a, old, err = round.ChangeEmail(tx, r.WS.ID, cur.ID, addr); err != nil {
			return err
		}
		if err := r.Audit(tx, "app.email", "app/"+a.ID, old+" → "+addr); err != nil {
			return err
		}
		if a.Owner.Platform != bot.EmailPlatform {
			return nil
		}
		return sendLinks(r, tx, ev, a)
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("change e-mail: %w", err)
	}
	return r.Reply("app.email.changed", "App", a.ID, "Address", addr, "Via", Via(a.Owner))
}

// sendLinks enqueues to the applicant their application's state with
// Edit and Withdraw while the call is open, in the application's language.
func sendLinks(r *bot.Request, tx *storage.Tx, ev round.Event, a round.Application) error {
	lang := a.Lang
	if lang == "" {
		lang = r.WS.Lang
	}
	t := func(id string, kv ...any) string { return r.Env.Cat.T(lang, id, kv...) }
	msg := chat.Message{Text: t("app.resend.dm", "App", a.ID, "Company", a.Company, "Event", ev.NameIn(lang), "State", t("state."+string(a.State)))}
	if a.State == round.Submitted && ev.Open(r.Now()) {
		msg.Controls = []chat.Control{
			{Kind: chat.Button, ID: "app-edit:" + a.ID, Label: t("my.edit.button") + " " + a.ID},
			{Kind: chat.Button, ID: "withdraw:" + a.ID, Label: t("my.withdraw.button") + " " + a.ID, Style: "danger"},
		}
	}
	seq, err := tx.NextSeq(r.WS.ID, "app-resend")
	if err != nil {
		return err
	}
	_, err = outbox.Enqueue(tx, outbox.NewKey(r.WS.ID, "app", a.ID, "links", strconv.FormatUint(seq, 10)), chat.DM(a.Owner), msg)
	return err
}
