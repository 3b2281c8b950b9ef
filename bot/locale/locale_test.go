package locale

import (
	"io/fs"
	"path"
	"sort"
	"strings"
	"testing"

	"github.com/kipina/kipina/configs"
	"go.yaml.in/yaml/v3"
)

// messages reads every locale file into module -> lang -> id -> raw value.
func messages(t *testing.T) map[string]map[string]map[string]any {
	t.Helper()
	files, _ := fs.Glob(configs.Locales, "locales/*.yaml")
	out := map[string]map[string]map[string]any{}
	for _, f := range files {
		base := strings.TrimSuffix(path.Base(f), ".yaml")
		dot := strings.LastIndex(base, ".")
		if dot < 0 {
			t.Errorf("%s: name it <module>.<lang>.yaml", f)
			continue
		}
		module, lang := base[:dot], base[dot+1:]
		data, _ := fs.ReadFile(configs.Locales, f)
		m := map[string]any{}
		if err := yaml.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if out[module] == nil {
			out[module] = map[string]map[string]any{}
		}
		out[module][lang] = m
	}
	return out
}

// TestEveryMessageInEveryLanguage: each module has a file per language with
// the same ids, none empty.
func TestEveryMessageInEveryLanguage(t *testing.T) {
	for module, langs := range messages(t) {
		for _, l := range Languages {
			if langs[l] == nil {
				t.Errorf("%s: no %s file", module, l)
			}
		}
		for id := range langs["fi"] {
			for _, l := range Languages[1:] {
				if v, ok := langs[l][id]; !ok || v == "" {
					t.Errorf("%s.%s.yaml: %s missing", module, l, id)
				}
			}
		}
		for _, l := range Languages[1:] {
			for id := range langs[l] {
				if _, ok := langs["fi"][id]; !ok {
					t.Errorf("%s.%s.yaml: %s is not in the Finnish file", module, l, id)
				}
			}
		}
	}
}

// TestLabelLengths: form titles, field labels and button labels fit both
// platforms' 24-character limit in every language. Such messages have ids
// containing ".title", ".label" or ".button" (or starting with "button.").
func TestLabelLengths(t *testing.T) {
	var checked int
	for module, langs := range messages(t) {
		for lang, m := range langs {
			ids := make([]string, 0, len(m))
			for id := range m {
				ids = append(ids, id)
			}
			sort.Strings(ids)
			for _, id := range ids {
				if !IsLabel(id) {
					continue
				}
				checked++
				s, _ := m[id].(string)
				if n := len([]rune(s)); n > 24 {
					t.Errorf("%s.%s.yaml: %s is %d characters (max 24): %q", module, lang, id, n, s)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no labels found: the naming convention changed?")
	}
	t.Logf("%d labels checked", checked)
}

func TestPluralsAndFallback(t *testing.T) {
	c := MustLoad()
	if got := c.T("en", "test.apps", "Count", 1); got != "1 application" {
		t.Errorf("en one = %q", got)
	}
	if got := c.T("en", "test.apps", "Count", 5); got != "5 applications" {
		t.Errorf("en other = %q", got)
	}
	if got := c.T("fi", "test.apps", "Count", 5); got != "5 hakemusta" {
		t.Errorf("fi other = %q", got)
	}
	if got := c.T("xx", "test.apps", "Count", 1); got != "1 hakemus" {
		t.Errorf("unknown language falls back to Finnish: %q", got)
	}
	if got := c.T("en", "no.such.message"); got != "[no.such.message]" {
		t.Errorf("missing = %q", got)
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{"fi_FI": "fi", "sv-SE": "sv", "en": "en", "EN-gb": "en", "de": "", "": "", "fil": ""} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}
