package followup

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/bot/routing"
	"github.com/kipina/kipina/storage"
)

// asked reports whether the survey went to the user (organisers may always
// answer, e.g. on someone's behalf in a test run).
func asked(tx *storage.Tx, r *bot.Request, event string) (bool, error) {
	if r.Roles[bot.Organiser] {
		return true, nil
	}
	_, err := outbox.Lookup(tx, SurveyKey(r.WS.ID, event, r.User))
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// mustBeAsked refuses with followup.not_yours unless the survey went to
// the user.
func mustBeAsked(tx *storage.Tx, r *bot.Request, event string) error {
	ok, err := asked(tx, r, event)
	if err == nil && !ok {
		err = notYours()
	}
	return err
}

// surveyRole is the role u answers the survey of event in: what the bot
// recorded about u (Participants: company, juror or city), or "other" for
// someone outside them (an organiser answering on someone's behalf). It is
// never read from the button, whose id the person's client could forge.
func surveyRole(tx *storage.Tx, ws, event string, u chat.UserRef) (string, error) {
	people, err := Participants(tx, ws, event)
	if err != nil {
		return "", err
	}
	for _, p := range people {
		if p.User == u {
			return p.Role, nil
		}
	}
	return "other", nil
}

// surveyScore records a 1–5 answer ("fus:<event>:<score>"; buttons sent
// before the role left the id have a fourth part, ignored) and offers a
// comment.
func (m *module) surveyScore(_ context.Context, r *bot.Request) (chat.Response, error) {
	v, err := scoreID.Of(r)
	if err != nil {
		old, legacy := scoreRoleID.Of(r)
		if legacy != nil {
			return chat.Response{}, err
		}
		v = old.scoreRef
	}
	event, score := v.Event, v.Score
	err = r.Update(func(tx *storage.Tx) error {
		if err := mustBeAsked(tx, r, event); err != nil {
			return err
		}
		role, err := surveyRole(tx, r.WS.ID, event, r.User)
		if err != nil {
			return err
		}
		k := event + "/" + r.User.String()
		a, _, err := Answers.Lookup(tx, r.WS.ID, k) // none yet: a new answer
		if err != nil {
			return err
		}
		a.Event, a.User, a.Role, a.Score, a.At = event, r.User, role, score, r.Now()
		if err := Answers.Put(tx, r.WS.ID, k, a); err != nil {
			return err
		}
		return r.Audit(tx, "survey.answer", "event/"+event, strconv.Itoa(score))
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("survey answer: %w", err)
	}
	msg := chat.Message{Text: r.T("followup.survey.thanks", "Score", score),
		Controls: []chat.Control{r.Button(commentID.ID(event), "followup.comment.button")}}
	return chat.Response{Update: &msg}, nil
}

// surveyForm is the optional comment of the survey.
func surveyForm(r *bot.Request, event, value string) *chat.Form {
	return &chat.Form{ID: commentID.ID(event), Title: r.T("followup.comment.title"), Submit: r.T("followup.send.button"),
		Fields: []chat.Field{{ID: "comment", Kind: chat.LongText, Label: r.T("followup.comment.label"),
			Help: r.T("followup.comment.help"), Value: value, MaxLen: 1000}}}
}

func (m *module) surveyCommentOpen(_ context.Context, r *bot.Request) (chat.Response, error) {
	event, err := commentID.Of(r)
	if err != nil {
		return chat.Response{}, err
	}
	var prev string
	err = m.view(func(tx *storage.Tx) error {
		if err := mustBeAsked(tx, r, event); err != nil {
			return err
		}
		a, _, err := Answers.Lookup(tx, r.WS.ID, event+"/"+r.User.String()) // none yet: no comment
		prev = a.Comment
		return err
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("survey comment form: %w", err)
	}
	return chat.Response{Form: surveyForm(r, event, prev)}, nil
}

func (m *module) surveyCommentSubmit(_ context.Context, r *bot.Request) (chat.Response, error) {
	event, err := commentID.Of(r)
	if err != nil {
		return chat.Response{}, err
	}
	if p := surveyForm(r, event, "").Check(r.Values()); len(p) > 0 {
		return r.FieldErrors(p)
	}
	comment := strings.TrimSpace(r.Values()["comment"])
	err = r.Update(func(tx *storage.Tx) error {
		if err := mustBeAsked(tx, r, event); err != nil {
			return err
		}
		role, err := surveyRole(tx, r.WS.ID, event, r.User)
		if err != nil {
			return err
		}
		k := event + "/" + r.User.String()
		a, _, err := Answers.Lookup(tx, r.WS.ID, k) // none yet: a comment without a score
		if err != nil {
			return err
		}
		a.Event, a.User, a.Role, a.Comment, a.At = event, r.User, role, comment, r.Now()
		if err := Answers.Put(tx, r.WS.ID, k, a); err != nil {
			return err
		}
		return r.Audit(tx, "survey.comment", "event/"+event, "")
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("survey comment: %w", err)
	}
	return r.Reply("followup.comment.thanks")
}

// stageOf maps an answer button to the stage it reaches ("" for none).
var stageOf = map[string]string{
	"agreed": Agreed, "contacted": Contacted, "pilot": Piloting, "procurement": Procurement, "none": "",
}

// party reports whether the user may answer for the pair: an organiser,
// the company's people, or a contact of the pair's process.
func party(tx *storage.Tx, r *bot.Request, a round.Application, target string) (bool, error) {
	if r.Roles[bot.Organiser] || a.MayEdit(r.User) {
		return true, nil
	}
	contacts, err := routing.Contacts(tx, r.WS.ID, target)
	return slices.Contains(contacts, r.User), err
}

// pairFor reads the pair of event and application appID for the user of
// r; it refuses with followup.not_yours when there is none or the user
// may not answer for it.
func pairFor(tx *storage.Tx, r *bot.Request, event, appID string) (Pair, error) {
	p, ok, err := Pairs.Lookup(tx, r.WS.ID, PairKey(event, appID))
	if err != nil {
		return p, err
	}
	if !ok {
		return p, notYours()
	}
	a, ok, err := round.Apps.Lookup(tx, r.WS.ID, appID)
	if err != nil {
		return p, err
	}
	if !ok {
		return p, notYours()
	}
	may, err := party(tx, r, a, p.Target)
	if err != nil {
		return p, err
	}
	if !may {
		return p, notYours()
	}
	return p, nil
}

// answer records a button of a next-steps or pilot prompt
// ("fa:<event>:<app>:<answer>"); "closed" asks the reason first.
func (m *module) answer(_ context.Context, r *bot.Request) (chat.Response, error) {
	v, err := answerID.Of(r)
	if err != nil {
		return chat.Response{}, err
	}
	event, appID, ans := v.Event, v.App, v.Answer
	stage := stageOf[ans]
	if ans == "closed" {
		err := m.view(func(tx *storage.Tx) error {
			_, err := pairFor(tx, r, event, appID)
			return err
		})
		if err != nil {
			return chat.Response{}, fmt.Errorf("follow-up close form: %w", err)
		}
		return chat.Response{Form: closeForm(r, event, appID)}, nil
	}
	p, moved, err := m.move(r, event, appID, ans, stage, "")
	if err != nil {
		return chat.Response{}, fmt.Errorf("follow-up answer: %w", err)
	}
	id := "followup.answer.recorded"
	if !moved {
		id = "followup.answer.noted"
	}
	msg := chat.Message{Text: r.T(id, "App", appID, "Company", p.Company, "Stage", r.T("followup.stage."+p.Stage))}
	return chat.Response{Update: &msg}, nil
}

// move applies an answer to a pair in one transaction with its audit entry.
func (m *module) move(r *bot.Request, event, appID, ans, stage, reason string) (Pair, bool, error) {
	var p Pair
	moved := false
	err := r.Update(func(tx *storage.Tx) error {
		var err error
		if p, err = pairFor(tx, r, event, appID); err != nil {
			return err
		}
		from := p.Stage
		moved = p.Move(r.Now(), r.User.String(), ans, stage, reason)
		if err := Pairs.Put(tx, r.WS.ID, PairKey(event, appID), p); err != nil {
			return err
		}
		return r.Audit(tx, "followup.answer", "app/"+appID, ans+": "+from+" → "+p.Stage)
	})
	return p, moved, err
}

// closeReasons are the reasons a pair ends without a pilot.
var closeReasons = []string{"no-need", "budget", "timing", "fit", "other"}

func closeForm(r *bot.Request, event, app string) *chat.Form {
	opts := make([]chat.Option, 0, len(closeReasons))
	for _, c := range closeReasons {
		opts = append(opts, r.Option(c, "followup.reason."+c))
	}
	return &chat.Form{ID: closeID.ID(pairRef{event, app}), Title: r.T("followup.close.title"), Submit: r.T("followup.send.button"),
		Intro: r.T("followup.close.intro", "App", app),
		Fields: []chat.Field{
			{ID: "reason", Kind: chat.SelectOne, Label: r.T("followup.reason.label"), Options: opts},
			{ID: "comment", Kind: chat.LongText, Label: r.T("followup.comment.label"), Optional: true, MaxLen: 1000},
		}}
}

// closeSubmit ends a pair with the reason given.
func (m *module) closeSubmit(_ context.Context, r *bot.Request) (chat.Response, error) {
	v, err := closeID.Of(r)
	if err != nil {
		return chat.Response{}, err
	}
	event, appID := v.Event, v.App
	if p := closeForm(r, event, appID).Check(r.Values()); len(p) > 0 {
		return r.FieldErrors(p)
	}
	reason := r.Values()["reason"]
	if c := strings.TrimSpace(r.Values()["comment"]); c != "" {
		reason += ": " + c
	}
	p, _, err := m.move(r, event, appID, "closed", Closed, reason)
	if err != nil {
		return chat.Response{}, fmt.Errorf("follow-up close: %w", err)
	}
	return r.Reply("followup.answer.closed", "App", appID, "Company", p.Company)
}
