package configs

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Languages are the languages every text a person reads exists in.
var Languages = []string{"fi", "en", "sv"}

// CronParser parses the schedules: five fields, with descriptors such as
// @daily, and an optional CRON_TZ= prefix.
var CronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Validate checks the configuration and returns every problem found, each
// saying what to fix.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }

	if !isLanguage(c.Defaults.Language) {
		bad("defaults.language: %q is not one of fi, en, sv", c.Defaults.Language)
	}
	if _, err := time.LoadLocation(c.Defaults.Timezone); err != nil || c.Defaults.Timezone == "" {
		bad("defaults.timezone: %q is not a time zone such as Europe/Helsinki", c.Defaults.Timezone)
	}
	if _, _, err := c.Defaults.QuietHours.Clock(); err != nil {
		bad("defaults.quiet_hours: %v", err)
	}
	c.validateOps(bad)
	for name, spec := range c.Schedules {
		if _, err := CronParser.Parse(spec); err != nil {
			bad("schedules.%s: %q is not a cron expression (minute hour day month weekday): %v", name, spec, err)
		}
	}
	ids := map[string]bool{}
	checkTarget := func(where string, t Target) {
		if t.ID == "" {
			bad("%s: id is missing", where)
			return
		}
		if ids[t.ID] {
			bad("%s: id %q is used twice", where, t.ID)
		}
		ids[t.ID] = true
		for _, l := range Languages {
			if t.Name[l] == "" {
				bad("%s %q: name.%s is missing", where, t.ID, l)
			}
		}
	}
	for i, t := range c.Tracks {
		checkTarget(fmt.Sprintf("tracks[%d]", i), t)
	}
	for i, t := range c.DemoEvent.Challenges {
		checkTarget(fmt.Sprintf("demo_event.challenges[%d]", i), t)
	}
	if len(c.Workspaces) == 0 {
		bad("workspaces: at least one workspace is needed")
	}
	wids := map[string]bool{}
	for i, w := range c.Workspaces {
		where := fmt.Sprintf("workspaces[%d]", i)
		if w.ID == "" {
			bad("%s: id is missing", where)
		} else if wids[w.ID] {
			bad("%s: id %q is used twice", where, w.ID)
		}
		wids[w.ID] = true
		if w.Timezone != "" {
			if _, err := time.LoadLocation(w.Timezone); err != nil {
				bad("%s.timezone: %q is not a time zone such as Europe/Helsinki", where, w.Timezone)
			}
		}
		if w.Language != "" && !isLanguage(w.Language) {
			bad("%s.language: %q is not one of fi, en, sv", where, w.Language)
		}
		switch w.Platform {
		case "shell":
		case "slack":
			if w.Slack == nil || w.Slack.BotTokenEnv == "" {
				bad("%s.slack.bot_token_env: name the environment variable that holds the bot token (xoxb-…)", where)
			} else if w.Slack.Mode == "http" && w.Slack.SigningSecretEnv == "" {
				bad("%s.slack.signing_secret_env: HTTP mode needs the signing secret's environment variable", where)
			} else if w.Slack.Mode != "http" && w.Slack.AppTokenEnv == "" {
				bad("%s.slack.app_token_env: Socket Mode needs the app-level token's environment variable (xapp-…), or set mode: http", where)
			}
		case "mattermost":
			m := w.Mattermost
			switch {
			case m == nil || m.URL == "":
				bad("%s.mattermost.url: the Mattermost server's URL is missing", where)
			case m.TokenEnv == "":
				bad("%s.mattermost.token_env: name the environment variable that holds the bot's access token", where)
			case m.TeamName == "":
				bad("%s.mattermost.team: the team name is missing", where)
			case m.Listen == "" || m.CallbackURL == "":
				bad("%s.mattermost: listen and callback_url are needed so the server can reach the bot", where)
			}
		default:
			bad("%s.platform: %q is not one of shell, slack, mattermost", where, w.Platform)
		}
	}
	c.validateWeb(bad)
	for i, r := range c.Rubric {
		if r.ID == "" || r.Weight <= 0 {
			bad("rubric[%d]: needs an id and a positive weight", i)
		}
	}
	return errors.Join(errs...)
}

// Clock returns the quiet hours' start and end as minutes after midnight.
func (q QuietHours) Clock() (start, end int, err error) {
	if start, err = hhmm(q.Start); err != nil {
		return 0, 0, fmt.Errorf("start: %w", err)
	}
	if end, err = hhmm(q.End); err != nil {
		return 0, 0, fmt.Errorf("end: %w", err)
	}
	return start, end, nil
}

func hhmm(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a time such as 20:00", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

func isLanguage(l string) bool {
	for _, x := range Languages {
		if strings.EqualFold(l, x) {
			return true
		}
	}
	return false
}

// Workspace returns the workspace with the given id.
func (c *Config) Workspace(id string) (Workspace, bool) {
	for _, w := range c.Workspaces {
		if w.ID == id {
			return w, true
		}
	}
	return Workspace{}, false
}
