package call

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

// challengeForm is the form to add or edit a challenge; names and
// descriptions in English and Swedish are optional and fall back to Finnish.
func challengeForm(r *bot.Request, ev round.Event, c *round.Challenge) *chat.Form {
	f := &chat.Form{ID: "challenge:add", Title: r.T("challenge.form.title"), Submit: r.T("button.save"), State: ev.ID, Fields: []chat.Field{
		{ID: "challenge_id", Kind: chat.ShortText, Label: r.T("challenge.id.label"), Help: r.T("challenge.id.help"), MaxLen: 40},
		{ID: "name_fi", Kind: chat.ShortText, Label: r.T("challenge.name_fi.label")},
		{ID: "desc_fi", Kind: chat.LongText, Label: r.T("challenge.desc_fi.label")},
		{ID: "name_en", Kind: chat.ShortText, Label: r.T("challenge.name_en.label"), Optional: true},
		{ID: "desc_en", Kind: chat.LongText, Label: r.T("challenge.desc_en.label"), Optional: true},
		{ID: "name_sv", Kind: chat.ShortText, Label: r.T("challenge.name_sv.label"), Optional: true},
		{ID: "desc_sv", Kind: chat.LongText, Label: r.T("challenge.desc_sv.label"), Optional: true},
		{ID: "keywords", Kind: chat.LongText, Label: r.T("challenge.keywords.label"), Help: r.T("challenge.keywords.help"), Optional: true, MaxLen: 2000},
	}}
	if c != nil {
		f.ID, f.State = "challenge:edit", ev.ID+"/"+c.ID
		vals := map[string]string{"challenge_id": c.ID, "name_fi": c.Name["fi"], "desc_fi": c.Description["fi"],
			"name_en": c.Name["en"], "desc_en": c.Description["en"], "name_sv": c.Name["sv"], "desc_sv": c.Description["sv"], "keywords": strings.Join(c.Keywords, ", ")}
		for i := range f.Fields {
			f.Fields[i].Value = vals[f.Fields[i].ID]
		}
	}
	return f
}

func challengeAdd(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, err := event(r, r.Args[0])
	if err != nil {
		return chat.Response{}, err
	}
	return chat.Response{Form: challengeForm(r, ev, nil)}, nil
}

func challengeEdit(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, err := event(r, r.Args[0])
	if err != nil {
		return chat.Response{}, err
	}
	i := slices.IndexFunc(ev.Challenges, func(c round.Challenge) bool { return c.ID == r.Args[1] })
	if i < 0 {
		return r.Reply("challenge.not_found", "Challenge", r.Args[1], "Event", ev.ID)
	}
	return chat.Response{Form: challengeForm(r, ev, &ev.Challenges[i])}, nil
}

func challengeSubmit(_ context.Context, r *bot.Request) (chat.Response, error) {
	sub := r.Event.(*chat.FormSubmit)
	evID, oldID, _ := strings.Cut(sub.State, "/")
	ev, err := event(r, evID)
	if err != nil {
		return chat.Response{}, err
	}
	v := sub.Values
	problems := challengeForm(r, ev, nil).Check(v)
	id := strings.TrimSpace(v["challenge_id"])
	if problems["challenge_id"].ID == "" && slug(id) != id {
		problems["challenge_id"] = chat.Problem{ID: "challenge.id.format"}
	}
	for _, c := range ev.Challenges {
		if c.ID == id && c.ID != oldID {
			problems["challenge_id"] = chat.Problem{ID: "challenge.id.taken"}
		}
	}
	for _, t := range r.Env.Config.Tracks {
		if t.ID == id {
			problems["challenge_id"] = chat.Problem{ID: "challenge.id.taken"}
		}
	}
	if len(problems) > 0 {
		return r.FieldErrors(problems)
	}
	c := round.Challenge{ID: id, Name: configs.Text{}, Description: configs.Text{}, Keywords: ParseKeywords(v["keywords"])}
	for _, l := range []string{"fi", "en", "sv"} {
		if s := strings.TrimSpace(v["name_"+l]); s != "" {
			c.Name[l] = s
		}
		if s := strings.TrimSpace(v["desc_"+l]); s != "" {
			c.Description[l] = s
		}
	}
	err = r.Update(func(tx *storage.Tx) error {
		ev, err := loadEvent(tx, r.WS.ID, evID)
		if err != nil {
			return err
		}
		if i := slices.IndexFunc(ev.Challenges, func(x round.Challenge) bool { return x.ID == oldID }); oldID != "" && i >= 0 {
			ev.Challenges[i] = c
		} else {
			ev.Challenges = append(ev.Challenges, c)
		}
		if err := round.Events.Put(tx, r.WS.ID, ev.ID, ev); err != nil {
			return err
		}
		return r.Audit(tx, strings.Replace(sub.FormID, ":", ".", 1), "event/"+ev.ID, c.ID)
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("save challenge"+": %w", err)
	}
	return r.Reply("challenge.saved", "Challenge", c.Name.Get(r.Lang), "Event", ev.NameIn(r.Lang))
}

func challengeList(_ context.Context, r *bot.Request) (chat.Response, error) {
	ev, err := event(r, r.Args[0])
	if err != nil {
		return chat.Response{}, err
	}
	if len(ev.Challenges) == 0 {
		return r.Reply("challenge.none", "Event", ev.NameIn(r.Lang))
	}
	var sb strings.Builder
	sb.WriteString(r.T("call.challenges"))
	for _, c := range ev.Challenges {
		fmt.Fprintf(&sb, "\n• %s — *%s*: %s", c.ID, c.Name.Get(r.Lang), c.Description.Get(r.Lang))
	}
	return r.ReplyText(sb.String())
}
