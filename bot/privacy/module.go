package privacy

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/export"
	"github.com/kipina/kipina/storage"
)

// Module registers the data-subject commands and the retention job:
//
//	/kipina privacy export <application | @person | e-mail>  (organisers)
//	/kipina privacy erase <application | @person | e-mail>   (organisers; asks first)
//	/kipina privacy my                                        (anyone: their own data)
//
// and the due items privacy-notice and privacy-erase (retention.go).
type Module struct{}

// eraseID is the confirmation button of an erasure: the subject's kind and
// its value (base64url, as an e-mail or a user id may hold ":").
var eraseID = bot.NewIDCodec("privacy-erase", 2,
	func(s Subject) []string {
		return []string{string(s.Kind), base64.RawURLEncoding.EncodeToString([]byte(s.Value))}
	},
	func(f []string) (Subject, bool) {
		v, err := base64.RawURLEncoding.DecodeString(f[1])
		k := Kind(f[0])
		if err != nil || (k != App && k != Person && k != Email) {
			return Subject{}, false
		}
		return Subject{Kind: k, Value: string(v)}, true
	})

type module struct{ env *bot.Env }

// Register adds the commands, the confirmation button and the retention
// job.
func (Module) Register(reg *bot.Registry, env *bot.Env) error {
	m := &module{env: env}
	reg.Commands(
		bot.Command{Name: "privacy export", Role: bot.Organiser, MinArgs: 1, MaxArgs: 1, Run: m.export},
		bot.Command{Name: "privacy erase", Role: bot.Organiser, MinArgs: 1, MaxArgs: 1, Run: m.erase},
		bot.Command{Name: "privacy my", Role: bot.Anyone, MinArgs: 0, MaxArgs: 0, Run: m.mine},
	)
	reg.Action(eraseID.Prefix(), bot.Organiser, m.confirmErase)
	return m.registerRetention(reg)
}

// subject reads the argument; a mention is read as other commands read
// people (bot.Mention).
func subject(r *bot.Request) (Subject, error) {
	s, ok := ParseSubject(r.Args[0])
	if !ok {
		return Subject{}, bot.Refuse("privacy.bad_subject", "Arg", r.Args[0])
	}
	if s.Kind == Person {
		s.Value = bot.Mention(r, r.Args[0]).User
	}
	return s, nil
}

// File is the export of f: one JSON document, indented.
func File(f *Found, ws string, at time.Time) (chat.File, error) {
	doc := struct {
		Generated time.Time `json:"generated"`
		Workspace string    `json:"workspace"`
		*Found
	}{at.UTC(), ws, f}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return chat.File{}, err
	}
	name := "kipina-privacy-" + at.UTC().Format("20060102-150405") + ".json"
	return chat.File{Name: name, Title: name, Content: b}, nil
}

func (m *module) export(ctx context.Context, r *bot.Request) (chat.Response, error) {
	s, err := subject(r)
	if err != nil {
		return chat.Response{}, err
	}
	return m.send(ctx, r, &Found{Subject: s, m: newMatcher()}, "privacy.export")
}

// mine exports the asker's own data. A person reached by e-mail (a
// company that applied on the web page; their user id is their verified
// address) also gets the applications sent with that address as their
// contact e-mail, as an export by e-mail address would find them.
func (m *module) mine(ctx context.Context, r *bot.Request) (chat.Response, error) {
	f := &Found{Subject: Subject{Kind: Person, Value: r.User.User}, m: newMatcher()}
	if r.User.Platform == bot.EmailPlatform {
		f.m.token(r.User.User, minToken)
	}
	return m.send(ctx, r, f, "privacy.my")
}

// send finds the subject's records, audits the export (without content)
// and delivers the file to the person who asked: uploaded to their direct
// messages where the platform takes files, else saved under the data
// directory. A person reached by e-mail gets it as an attachment at their
// verified address (their user id, never an address typed in the request);
// if that fails, the error is theirs (nothing is saved on the server for
// them).
func (m *module) send(ctx context.Context, r *bot.Request, q *Found, action string) (chat.Response, error) {
	var f *Found
	err := r.Update(func(tx *storage.Tx) (err error) {
		if f, err = find(tx, r.WS.ID, q); err != nil {
			return err
		}
		return r.Audit(tx, action, "privacy", fmt.Sprintf("%d records", len(f.Records)))
	})
	if err != nil {
		return chat.Response{}, err
	}
	file, err := File(f, r.WS.ID, r.Now())
	if err != nil {
		return chat.Response{}, fmt.Errorf("privacy export: %w", err)
	}
	if p, ok := r.Env.Platform(r.User.Platform); ok {
		if up, can := p.(chat.FileUploader); can {
			err := up.Upload(ctx, chat.DM(r.User), file, r.T("privacy.file", "Count", len(f.Records)))
			switch {
			case err == nil && r.User.Platform == bot.EmailPlatform:
				return r.Reply("privacy.mailed", "Count", len(f.Records), "Address", r.User.User)
			case err == nil:
				return r.Reply("privacy.uploaded", "Count", len(f.Records))
			case r.User.Platform == bot.EmailPlatform:
				return chat.Response{}, fmt.Errorf("privacy export by e-mail: %w", err)
			}
			r.Env.Log.Warn("privacy export upload failed, saving instead", "err", err)
		}
	}
	dir := filepath.Join(r.Env.DataDir, "exports", r.WS.ID)
	paths, err := export.Save(dir, []chat.File{file})
	if err != nil {
		return chat.Response{}, fmt.Errorf("privacy export save: %w", err)
	}
	return r.Reply("privacy.saved", "Count", len(f.Records), "Path", paths[0])
}

func (m *module) erase(_ context.Context, r *bot.Request) (chat.Response, error) {
	s, err := subject(r)
	if err != nil {
		return chat.Response{}, err
	}
	var f *Found
	if err := r.Env.DB.View(func(tx *storage.Tx) (err error) { f, err = Find(tx, r.WS.ID, s); return err }); err != nil {
		return chat.Response{}, err
	}
	return chat.Response{Reply: &chat.Message{
		Text: r.T("privacy.erase.confirm", "Subject", s.Value,
			"Applications", r.Env.Count(r.Lang, "count.applications", len(f.Apps)), "Records", r.Env.Count(r.Lang, "count.records", len(f.Records))) +
			"\n" + f.CountLines(),
		Controls: []chat.Control{r.Button(eraseID.ID(s), "privacy.erase.button")},
	}}, nil
}

func (m *module) confirmErase(_ context.Context, r *bot.Request) (chat.Response, error) {
	s, err := eraseID.Of(r)
	if err != nil {
		return chat.Response{}, err
	}
	var f *Found
	n := 0
	err = r.Update(func(tx *storage.Tx) (err error) {
		if f, err = Find(tx, r.WS.ID, s); err != nil {
			return err
		}
		if n, err = Erase(tx, r.WS.ID, f); err != nil {
			return err
		}
		return r.Audit(tx, "privacy.erase", "privacy", fmt.Sprintf("%d applications, %d records", len(f.Apps), n))
	})
	if err != nil {
		return chat.Response{}, err
	}
	backups := r.T("privacy.backups.keep", "Count", r.Env.Config.Backups.Keep)
	if r.Env.Config.Backups.Keep == 0 {
		backups = r.T("privacy.backups.all")
	}
	return r.ReplyText(r.T("privacy.erased", "Applications", r.Env.Count(r.Lang, "count.applications", len(f.Apps)),
		"Records", r.Env.Count(r.Lang, "count.records", n)) + "\n" + backups)
}
