// Package locale turns message ids into text in Finnish, English or
// Swedish. Messages live in configs/locales/<module>.<lang>.yaml, one file
// per part of the bot and language, with CLDR plural forms (one, other)
// where a count is involved (go-i18n).
package locale

import (
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"strings"

	"github.com/kipina/kipina/configs"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
)

// Languages are the supported languages, Finnish first.
var Languages = []string{"fi", "en", "sv"}

// Catalog holds every message in every language.
type Catalog struct {
	loc map[string]*i18n.Localizer
}

// Load reads the embedded locale files.
func Load() (*Catalog, error) { return LoadFS(configs.Locales) }

// LoadFS reads every locales/*.yaml file of fsys.
func LoadFS(fsys fs.FS) (*Catalog, error) {
	b := i18n.NewBundle(language.Finnish)
	b.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	files, err := fs.Glob(fsys, "locales/*.yaml")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		if _, err := b.ParseMessageFileBytes(data, path.Base(f)); err != nil {
			return nil, fmt.Errorf("locale file %s: %w", f, err)
		}
	}
	c := &Catalog{loc: map[string]*i18n.Localizer{}}
	for _, l := range Languages {
		c.loc[l] = i18n.NewLocalizer(b, l, "fi")
	}
	return c, nil
}

// MustLoad is Load for program start and tests; the locale files are
// embedded and tested, so failure is a build defect.
func MustLoad() *Catalog {
	c, err := Load()
	if err != nil {
		panic(err)
	}
	return c
}

// T returns message id in lang with the given template data as key-value
// pairs ("Name", "Nina", "Count", 3). A "Count" selects the plural form.
// A missing message is logged and shown as its id, so it is seen and fixed.
func (c *Catalog) T(lang, id string, kv ...any) string {
	l, ok := c.loc[lang]
	if !ok {
		l = c.loc["fi"]
	}
	data := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		data[fmt.Sprint(kv[i])] = kv[i+1]
	}
	cfg := &i18n.LocalizeConfig{MessageID: id, TemplateData: data}
	if n, ok := data["Count"]; ok {
		cfg.PluralCount = n
	}
	s, err := l.Localize(cfg)
	if err != nil {
		slog.Warn("missing message", "lang", lang, "id", id, "err", err)
		return "[" + id + "]"
	}
	return s
}

// Has reports whether id exists (in lang or its Finnish fallback).
func (c *Catalog) Has(lang, id string) bool {
	l, ok := c.loc[lang]
	if !ok {
		return false
	}
	_, err := l.Localize(&i18n.LocalizeConfig{MessageID: id, PluralCount: 1})
	if err != nil {
		_, err = l.Localize(&i18n.LocalizeConfig{MessageID: id})
	}
	return err == nil
}

// Normalize maps a platform locale ("fi_FI", "sv-SE", "en") to a supported
// language, or "" when it is none of them.
func Normalize(loc string) string {
	loc = strings.ToLower(strings.TrimSpace(loc))
	for _, l := range Languages {
		if loc == l || strings.HasPrefix(loc, l+"_") || strings.HasPrefix(loc, l+"-") {
			return l
		}
	}
	return ""
}

// IsLabel reports whether a message id names a form title, field label or
// button label, which must fit in 24 characters on Slack and Mattermost.
func IsLabel(id string) bool {
	return strings.HasSuffix(id, ".title") || strings.HasSuffix(id, ".label") ||
		strings.HasSuffix(id, ".button") || strings.HasPrefix(id, "button.")
}
