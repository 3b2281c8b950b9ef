package bot

import (
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/locale"
	"github.com/kipina/kipina/storage"
)

// CompanyLangOf returns the language to write in to u, one of an
// application's people (its sender or a contact they added): the language
// u chose with /kipina lang, else appLang (the language the company
// applied in), else LangOf's answer. Everyone else — city contacts,
// jurors, organisers — is written to in LangOf(u), never in a company's
// language (issue 15). A user record that cannot be read is logged and
// LangOf's fallback used, as in LangOf.
func (e *Env) CompanyLangOf(tx *storage.Tx, u chat.UserRef, appLang string) string {
	usr, err := LoadUser(tx, u)
	if err != nil {
		e.Log.Error("language of recipient", "err", err)
	}
	if usr.Lang != "" {
		return usr.Lang
	}
	if l := locale.Normalize(appLang); l != "" {
		return l
	}
	return e.LangOf(tx, u)
}
