package bot

import (
	"context"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/storage"
)

// TextFor returns catalogue message id (configs/locales) with its template
// data as key-value pairs, in the language the core answers o in: the
// person's choice, else o's locale, else the workspace's language. Adapters
// that answer an event on their own (bot/slack refusing a command that
// names someone it cannot find) use it so that the answer reads like the
// core's. A store that cannot be read gives the workspace's language.
func (b *Bot) TextFor(_ context.Context, o chat.Origin, id string, kv ...any) string {
	ws, ok := b.workspaces[o.User.Workspace]
	if !ok {
		return b.Cat.T(b.Config.Defaults.Language, id, kv...)
	}
	var u User
	if err := b.DB.View(func(tx *storage.Tx) (err error) { u, err = LoadUser(tx, o.User); return err }); err != nil {
		b.Log.Warn("language of a user", "user", o.User.String(), "err", err)
		return b.Cat.T(ws.Lang, id, kv...)
	}
	return b.Cat.T(ws.langOf(u, o.Locale), id, kv...)
}
