// Package configs holds kipina's embedded default configuration and locale
// files, and loads and validates the configuration a deployment runs with.
//
// The defaults (default.yaml) define the city's core processes as tracks,
// the demo event with the three challenges of the 2017 round, the rubric and
// the recurring schedules. A file given with --config overrides them key by
// key; secrets (tokens) are never in files, only named here and read from the
// environment.
package configs

import (
	"bytes"
	"embed"
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"
)

//go:embed default.yaml
var defaultYAML []byte

// Locales holds the message files, one per language (locales/fi.yaml, …).
//
//go:embed locales/*.yaml
var Locales embed.FS

// Text is a string in several languages, keyed by language code (fi, en, sv).
type Text map[string]string

// Get returns the text in lang, falling back to Finnish, then English, then
// any language present.
func (t Text) Get(lang string) string {
	for _, l := range []string{lang, "fi", "en", "sv"} {
		if s, ok := t[l]; ok && s != "" {
			return s
		}
	}
	for _, s := range t {
		return s
	}
	return ""
}

// Target is something an application can aim at and be matched to: a core
// process (track) or a challenge of a call.
type Target struct {
	ID          string              `yaml:"id"`
	Name        Text                `yaml:"name"`
	Description Text                `yaml:"description"`
	Keywords    map[string][]string `yaml:"keywords"`
	// Profile is read by matching only: per language, what belongs to the
	// target in the words an applicant would use (for the core processes,
	// from the city's labelling guide). It is never shown.
	Profile Text `yaml:"profile"`
	// Contacts are platform user ids or a channel ("#name") that hear about
	// applications matched to this target.
	Contacts []string `yaml:"contacts"`
}

// QuietHours are the hours when reminders wait: from Start to End (local
// time, "HH:MM", End may be past midnight) and, if Weekends, all of Saturday
// and Sunday.
type QuietHours struct {
	Start    string `yaml:"start"`
	End      string `yaml:"end"`
	Weekends bool   `yaml:"weekends"`
}

// Defaults apply to every workspace that does not set its own value.
type Defaults struct {
	Language   string     `yaml:"language"`
	Timezone   string     `yaml:"timezone"`
	QuietHours QuietHours `yaml:"quiet_hours"`
}

// Workspace is one city's chat workspace (a Slack workspace or a
// Mattermost team). Its data never mixes with another workspace's.
type Workspace struct {
	ID string `yaml:"id"`
	// Name is shown to organisers.
	Name string `yaml:"name"`
	// Platform is shell, slack or mattermost.
	Platform string `yaml:"platform"`
	// Timezone and Language override the defaults.
	Timezone string `yaml:"timezone"`
	Language string `yaml:"language"`
	// Organisers are bootstrapped: platform user ids, "@username"s or
	// e-mail addresses. Usernames and e-mails are looked up at start-up
	// (bot.Bot.ResolveOrganisers); one that no member has stops the bot.
	// An e-mail address grants the role only when OrganisersByEmail.
	Organisers []string `yaml:"organisers"`
	// OrganisersByEmail says whether an e-mail address in Organisers
	// grants the organiser role to the person whose platform profile
	// shows that address. Only safe where the platform has verified the
	// address: unset, it is true on Slack (every member's e-mail is
	// confirmed) and false elsewhere; on Mattermost set it true only when
	// the server requires e-mail verification
	// (EmailSettings.RequireEmailVerification) and its users sign in with
	// those addresses (not through an identity provider that lets them
	// choose one).
	OrganisersByEmail *bool `yaml:"organisers_by_email"`
	// NotifyChannel hears about new applications.
	NotifyChannel string `yaml:"notify_channel"`
	// PrivacyURL is the privacy notice an applicant consents to.
	PrivacyURL string `yaml:"privacy_url"`
	// Slack credentials, by environment variable name.
	Slack *SlackSettings `yaml:"slack"`
	// Mattermost credentials and endpoints.
	Mattermost *MattermostSettings `yaml:"mattermost"`
	// Contacts per target id, adding to the target's own contacts.
	Contacts map[string][]string `yaml:"contacts"`
	// Web turns on the public application page and e-mail for this
	// workspace (needs the top-level web and email sections).
	Web bool `yaml:"web"`
}

// WebSettings configure the public web page companies apply on (package
// bot/web). One server serves every workspace that has web: true, at
// <base_url>/<workspace>/calls/<event>.
type WebSettings struct {
	// Listen is the HTTP listen address, such as 127.0.0.1:8080; put a
	// reverse proxy that terminates TLS in front of it.
	Listen string `yaml:"listen"`
	// BaseURL is the public address of the page, such as
	// https://kipina.tampere.fi; links in e-mails start with it.
	BaseURL string `yaml:"base_url"`
	// SecretEnv names the variable holding the key that signs links and
	// cookies (at least 32 bytes); when empty a random key is kept in the
	// store.
	SecretEnv string `yaml:"secret_env"`
	// TrustedProxies are the addresses or CIDR ranges of reverse proxies
	// whose X-Forwarded-For header names the client (for rate limits).
	TrustedProxies []string `yaml:"trusted_proxies"`
	// LinkDays is how long links in e-mails (decisions, follow-ups) stay
	// valid, in days; 0 means 60.
	LinkDays int `yaml:"link_days"`
}

// SMTPSettings tell the bot how to send e-mail (package bot/email).
type SMTPSettings struct {
	Host string `yaml:"host"`
	// Port defaults to 587 for starttls, 465 for tls and 25 for none.
	Port int `yaml:"port"`
	// TLS is starttls (default), tls (implicit TLS) or none (a relay on
	// the same host only).
	TLS string `yaml:"tls"`
	// From is the sender, such as "Kipinä <kipina@tampere.fi>".
	From string `yaml:"from"`
	// HELO is the name the bot greets the server with; empty means
	// localhost.
	HELO string `yaml:"helo"`
	// UsernameEnv and PasswordEnv name the variables holding the SMTP
	// credentials; both empty means no authentication.
	UsernameEnv string `yaml:"username_env"`
	PasswordEnv string `yaml:"password_env"`
}

// SlackSettings names where a Slack workspace's secrets come from.
type SlackSettings struct {
	// TeamID is the Slack team (workspace) id, T….
	TeamID string `yaml:"team_id"`
	// BotTokenEnv names the variable holding the bot token (xoxb-…).
	BotTokenEnv string `yaml:"bot_token_env"`
	// AppTokenEnv names the variable holding the app-level token (xapp-…);
	// with it the bot uses Socket Mode.
	AppTokenEnv string `yaml:"app_token_env"`
	// SigningSecretEnv names the variable holding the signing secret, used
	// in HTTP mode.
	SigningSecretEnv string `yaml:"signing_secret_env"`
	// Mode is socket (default) or http.
	Mode string `yaml:"mode"`
	// Listen is the HTTP mode listen address.
	Listen string `yaml:"listen"`
	// APIURL overrides https://slack.com/api/.
	APIURL string `yaml:"api_url"`
}

// MattermostSettings tells the bot how to reach a Mattermost server and how
// the server reaches the bot.
type MattermostSettings struct {
	URL      string `yaml:"url"`
	TeamName string `yaml:"team"`
	// TokenEnv names the variable holding the bot account's access token.
	TokenEnv string `yaml:"token_env"`
	// Listen is the bot's HTTP listen address for commands and actions.
	Listen string `yaml:"listen"`
	// CallbackURL is the URL at which the Mattermost server reaches Listen.
	CallbackURL string `yaml:"callback_url"`
	// SecretEnv names the variable holding the key that signs action
	// contexts; when empty a random key is kept in the data directory.
	SecretEnv string `yaml:"secret_env"`
}

// Criterion is one rubric line a juror scores from 1 to 5.
type Criterion struct {
	ID     string  `yaml:"id"`
	Weight float64 `yaml:"weight"`
}

// DemoEvent is the event seeded for the shell demo.
type DemoEvent struct {
	ID                 string   `yaml:"id"`
	Name               Text     `yaml:"name"`
	Place              string   `yaml:"place"`
	DateOffsetDays     int      `yaml:"date_offset_days"`
	DeadlineOffsetDays int      `yaml:"deadline_offset_days"`
	Challenges         []Target `yaml:"challenges"`
}

// Config is the whole configuration.
type Config struct {
	Defaults   Defaults          `yaml:"defaults"`
	Schedules  map[string]string `yaml:"schedules"`
	Tracks     []Target          `yaml:"tracks"`
	Workspaces []Workspace       `yaml:"workspaces"`
	DemoEvent  DemoEvent         `yaml:"demo_event"`
	Rubric     []Criterion       `yaml:"rubric"`
	// Web is the public application page; Email is how it and the
	// outbox reach companies by e-mail. Both are needed by a workspace
	// with web: true.
	Web   *WebSettings  `yaml:"web"`
	Email *SMTPSettings `yaml:"email"`
	// DataDir is where the store lives; --data overrides it.
	DataDir string `yaml:"data_dir"`
	// Ops, Log and Backups are how the bot is run (see ops.go).
	Ops     Ops     `yaml:"ops"`
	Log     Log     `yaml:"log"`
	Backups Backups `yaml:"backups"`
	Outbox  Outbox  `yaml:"outbox"`
	Privacy Privacy `yaml:"privacy"`
}

// Default returns the embedded default configuration. It panics only if
// the embedded file is broken, which a test prevents.
func Default() *Config {
	c, err := parse(defaultYAML, nil)
	if err != nil {
		panic(fmt.Sprintf("configs: embedded default.yaml: %v", err))
	}
	return c
}

// Load reads the defaults and, when path is not empty, overlays the file at
// path on them, then validates the result. Errors say what to fix.
func Load(path string) (*Config, error) {
	if path == "" {
		c := Default()
		return c, c.Validate()
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	c, err := parse(defaultYAML, b)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// parse decodes the defaults and then the overlay into the same value, so
// the overlay replaces the keys it names. Unknown keys are errors.
func parse(base, overlay []byte) (*Config, error) {
	var c Config
	for _, b := range [][]byte{base, overlay} {
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil {
			return nil, err
		}
	}
	return &c, nil
}

// Targets returns the core processes followed by the demo event's
// challenges: the default targets of matching.
func (c *Config) Targets() []Target {
	out := append([]Target(nil), c.Tracks...)
	return append(out, c.DemoEvent.Challenges...)
}

// EmailGrantsOrganiser reports whether an e-mail address in Organisers
// grants the organiser role (OrganisersByEmail, else the platform's
// default: true on Slack only).
func (w Workspace) EmailGrantsOrganiser() bool {
	if w.OrganisersByEmail != nil {
		return *w.OrganisersByEmail
	}
	return w.Platform == "slack"
}
