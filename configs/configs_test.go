package configs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultsAreValid(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, tg := range c.Targets() {
		ids = append(ids, tg.ID)
	}
	if got := strings.Join(ids, ","); got != "health,children,elderly,culture,integration,urban-planning,sensors,energy" {
		t.Errorf("targets = %s (later work and data rely on these ids)", got)
	}
	if c.Defaults.Timezone != "Europe/Helsinki" || c.Defaults.Language != "fi" {
		t.Errorf("defaults = %+v", c.Defaults)
	}
}

func TestOverlayAndErrors(t *testing.T) {
	for _, c := range []struct {
		name, yaml string
		want       []string // substrings of the error; none = valid
	}{
		{"overlay keeps the rest", "defaults:\n  language: sv\n", nil},
		{"unknown key", "workspacez: []\n", []string{"workspacez"}},
		{"bad zone", "defaults:\n  timezone: Mars/Olympus\n", []string{"defaults.timezone", "Europe/Helsinki"}},
		{"bad cron", "schedules:\n  digest: \"61 * * * *\"\n", []string{"schedules.digest", "cron"}},
		{"bad language", "defaults:\n  language: de\n", []string{"defaults.language"}},
		{"bad quiet hours", "defaults:\n  quiet_hours:\n    start: \"25:00\"\n", []string{"quiet_hours"}},
		{"slack without token", "workspaces:\n  - id: tre\n    platform: slack\n", []string{"workspaces[0].slack.bot_token_env"}},
		{"socket mode needs app token", "workspaces:\n  - id: tre\n    platform: slack\n    slack:\n      bot_token_env: T\n", []string{"app_token_env"}},
		{"mattermost without url", "workspaces:\n  - id: tre\n    platform: mattermost\n", []string{"mattermost.url"}},
		{"duplicate workspace", "workspaces:\n  - id: a\n    platform: shell\n  - id: a\n    platform: shell\n", []string{"used twice"}},
		{"unknown platform", "workspaces:\n  - id: a\n    platform: teams\n", []string{"shell, slack, mattermost"}},
		{"no workspaces", "workspaces: []\n", []string{"at least one workspace"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "k.yaml")
			os.WriteFile(path, []byte(c.yaml), 0o600)
			cfg, err := Load(path)
			if len(c.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if cfg.Defaults.Language != "sv" || len(cfg.Tracks) != 5 {
					t.Errorf("overlay lost defaults: %+v", cfg.Defaults)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q: %v", w, err)
				}
			}
		})
	}
}

func TestTextFallback(t *testing.T) {
	x := Text{"fi": "Terveys", "en": "Health"}
	for lang, want := range map[string]string{"en": "Health", "sv": "Terveys", "fi": "Terveys"} {
		if got := x.Get(lang); got != want {
			t.Errorf("Get(%s) = %q", lang, got)
		}
	}
}

func TestWebValidation(t *testing.T) {
	c := Default()
	c.Workspaces[0].Web = true
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "web:") || !strings.Contains(err.Error(), "email:") {
		t.Fatalf("web: true without sections: %v", err)
	}
	c.Web = &WebSettings{Listen: "127.0.0.1:8080", BaseURL: "https://kipina.example.fi", TrustedProxies: []string{"10.0.0.0/8", "127.0.0.1"}}
	c.Email = &SMTPSettings{Host: "smtp.example.fi", From: "Kipinä <kipina@example.fi>", UsernameEnv: "U", PasswordEnv: "P"}
	if err := c.Validate(); err != nil {
		t.Fatalf("valid web config: %v", err)
	}
	c.Web.BaseURL, c.Web.Listen, c.Email.TLS, c.Email.PasswordEnv = "kipina.example.fi", "8080", "ssl", ""
	err = c.Validate()
	for _, want := range []string{"web.base_url", "web.listen", "email.tls", "username_env and password_env"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want a complaint about %s in %v", want, err)
		}
	}
}
