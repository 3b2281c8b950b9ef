package export

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/internal/private"
	"github.com/kipina/kipina/storage"
)

// Module registers /kipina export <event> (organisers): the files are
// uploaded to the organiser's direct messages where the platform takes
// files (chat.FileUploader); elsewhere they are saved under the data
// directory and the path is given.
type Module struct{}

// Register adds the command.
func (Module) Register(reg *bot.Registry, _ *bot.Env) error {
	reg.Command(bot.Command{Name: "export", Role: bot.Organiser, MinArgs: 1, MaxArgs: 1, Run: run})
	return nil
}

func run(ctx context.Context, r *bot.Request) (chat.Response, error) {
	id := r.Args[0]
	o := Options{Config: r.Env.Config, Cat: r.Env.Cat, Lang: r.Lang, Loc: r.WS.Loc}
	var sheets []Sheet
	secret := 0
	// Reading and auditing in one transaction: the log says who took which
	// data out.
	err := r.Update(func(tx *storage.Tx) error {
		_, found, err := round.Events.Lookup(tx, r.WS.ID, id)
		if err != nil {
			return err
		}
		if !found {
			return bot.Refuse("export.no_event", "Event", id)
		}
		if sheets, err = Collect(tx, o, r.WS.ID, id); err != nil {
			return err
		}
		for _, s := range sheets[0].Secret {
			if s {
				secret++
			}
		}
		return r.Audit(tx, "export", "event/"+id, fmt.Sprintf("%d applications, %d trade secret", len(sheets[0].Rows), secret))
	})
	if err != nil {
		return chat.Response{}, fmt.Errorf("export: %w", err)
	}
	files, err := Files(id, r.Lang, sheets)
	if err != nil {
		return chat.Response{}, fmt.Errorf("export files: %w", err)
	}
	note := ""
	if secret > 0 {
		note = "\n" + r.T("export.secret.note", "Count", secret)
	}
	if p, ok := r.Env.Platform(r.User.Platform); ok {
		if up, can := p.(chat.FileUploader); can {
			if err := upload(ctx, up, r, files); err == nil {
				return r.ReplyText(r.T("export.uploaded", "Event", id, "Count", len(files)) + note)
			} else {
				r.Env.Log.Warn("export upload failed, saving instead", "err", err)
			}
		}
	}
	dir := filepath.Join(r.Env.DataDir, "exports", r.WS.ID, id+"-"+r.Now().In(r.WS.Loc).Format("20060102-150405"))
	if _, err := Save(dir, files); err != nil {
		return chat.Response{}, fmt.Errorf("export save: %w", err)
	}
	return r.ReplyText(r.T("export.saved", "Event", id, "Count", len(files), "Dir", dir) + note)
}

func upload(ctx context.Context, up chat.FileUploader, r *bot.Request, files []chat.File) error {
	for _, f := range files {
		if err := up.Upload(ctx, chat.DM(r.User), f, r.T("export.file", "Name", f.Title)); err != nil {
			return fmt.Errorf("upload %s: %w", f.Name, err)
		}
	}
	return nil
}

// Save writes files into dir (created, private to the bot's user) and
// returns their paths.
func Save(dir string, files []chat.File) ([]string, error) {
	if err := private.Dir(dir); err != nil {
		return nil, err
	}
	var paths []string
	for _, f := range files {
		p := filepath.Join(dir, filepath.Base(f.Name))
		if err := private.WriteFile(p, f.Content); err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}
