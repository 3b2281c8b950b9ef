package jury

import (
	"context"
	"fmt"
	"strings"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/storage"
)

// my lists the calling juror's reviews, "/kipina jury my [event]": for
// each event whose published assignment gives them applications, the
// pending ones first, then those done, each with a button to score or
// change (until scoring ends). Without an event every jury the user is on
// is listed.
func (m *module) my(_ context.Context, r *bot.Request) (chat.Response, error) {
	want := ""
	if len(r.Args) == 1 {
		want = r.Args[0]
	}
	var sb strings.Builder
	var ctrls []chat.Control
	found := false
	err := r.Env.DB.View(func(tx *storage.Tx) error {
		if want != "" {
			if _, ok, err := round.Events.Lookup(tx, r.WS.ID, want); err != nil || !ok {
				if err == nil {
					err = bot.Refuse("jury.event.not_found", "Event", want)
				}
				return err
			}
		}
		return Juries.Scan(tx, r.WS.ID, "", func(id string, j Jury) error {
			if want != "" && id != want || j.juror(r.User.User) < 0 {
				return nil
			}
			ev, ok, err := round.Events.Lookup(tx, r.WS.ID, id)
			if err != nil || !ok {
				return err
			}
			found = true
			apps := j.Published.AppsOf(r.User.User)
			if j.Published == nil || len(apps) == 0 {
				state := "jury.my.none"
				if j.Published == nil {
					state = "jury.my.unpublished"
				}
				sb.WriteString(r.T(state, "Event", ev.NameIn(r.Lang)) + "\n")
				return nil
			}
			var pending, done []string
			for _, app := range apps {
				a, err := round.LoadApp(tx, r.WS.ID, app)
				if err != nil {
					return err
				}
				rv, err := loadReview(tx, r.WS.ID, ev.ID, app, r.User.User)
				if err != nil {
					return err
				}
				line := "• " + a.ID + " " + a.Company
				label := "jury.remind.score.button"
				switch {
				case rv.Abstain:
					done = append(done, line+" — "+r.T("jury.prompt.state.abstained"))
					label = "jury.my.change.button"
				case len(rv.Scores) > 0:
					done = append(done, line+" — "+m.scoreLine(r.Lang, rv))
					label = "jury.my.change.button"
				default:
					pending = append(pending, line)
				}
				if !j.Closed {
					ctrls = append(ctrls, chat.Control{Kind: chat.Button, ID: ScoreID.ID(AppRef{Event: ev.ID, App: app}),
						Label: r.T(label, "App", app)})
				}
			}
			sb.WriteString(r.T("jury.my.head", "Event", ev.NameIn(r.Lang), "Pending", len(pending), "Done", len(done),
				"Deadline", r.FormatDateTime(j.deadline(ev.Date, r.WS.Loc))) + "\n")
			if len(pending) > 0 {
				sb.WriteString(r.T("jury.my.pending") + "\n" + strings.Join(pending, "\n") + "\n")
			}
			if len(done) > 0 {
				sb.WriteString(r.T("jury.my.done") + "\n" + strings.Join(done, "\n") + "\n")
			}
			if j.Closed {
				sb.WriteString(r.T("jury.prompt.closed") + "\n")
			}
			return nil
		})
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("my reviews: %w", err)
	}
	if !found {
		return chat.Response{}, bot.Refuse("jury.my.no_jury")
	}
	return chat.Response{Reply: &chat.Message{Text: strings.TrimRight(sb.String(), "\n"), Controls: ctrls}}, nil
}
