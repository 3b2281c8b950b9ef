package slack

import (
	"net/url"
	"os"
	"reflect"
	"slices"
	"sort"
	"testing"

	"go.yaml.in/yaml/v3"
)

// webAPI maps each method of the adapter's client interface (api) to the
// Slack Web API method it calls and the bot scope that method needs ("" for
// none). The source of the scopes is each method's page under
// https://api.slack.com/methods. A method added to api without a row here
// fails TestManifestMatchesCode.
var webAPI = map[string]struct{ method, scope string }{
	"PostMessageContext":            {"chat.postMessage", "chat:write"},
	"UpdateMessageContext":          {"chat.update", "chat:write"},
	"PostEphemeralContext":          {"chat.postEphemeral", "chat:write"},
	"SendMessageContext":            {"response_url", ""}, // replies through a response URL need no scope
	"OpenConversationContext":       {"conversations.open", "im:write"},
	"GetConversationHistoryContext": {"conversations.history", "im:history"},
	"OpenViewContext":               {"views.open", ""}, // a trigger id is the permission
	"AuthTestContext":               {"auth.test", ""},
	"GetUserInfoContext":            {"users.info", "users:read"},
	"GetUsersContext":               {"users.list", "users:read"},
	"GetUserByEmailContext":         {"users.lookupByEmail", "users:read.email"},
	"UploadFileContext":             {"files.getUploadURLExternal", "files:write"},
	// The app-level token's scope (connections:write), not a bot scope: the
	// manifest cannot grant it; docs/slack.md tells how to make the token.
	"StartSocketModeContext": {"apps.connections.open", ""},
}

// eventScopes maps an Events API event to the bot scope needed to
// subscribe to it (https://api.slack.com/events).
var eventScopes = map[string]string{
	"app_mention": "app_mentions:read",
	"message.im":  "im:history",
}

// manifest is the part of a Slack app manifest the tests read.
type manifest struct {
	Features struct {
		AppHome struct {
			MessagesTab      bool `yaml:"messages_tab_enabled"`
			MessagesReadOnly bool `yaml:"messages_tab_read_only_enabled"`
		} `yaml:"app_home"`
		SlashCommands []struct {
			Command      string `yaml:"command"`
			URL          string `yaml:"url"`
			ShouldEscape bool   `yaml:"should_escape"`
		} `yaml:"slash_commands"`
	} `yaml:"features"`
	OAuth struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		Events struct {
			RequestURL string   `yaml:"request_url"`
			BotEvents  []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
		Interactivity struct {
			Enabled    bool   `yaml:"is_enabled"`
			RequestURL string `yaml:"request_url"`
		} `yaml:"interactivity"`
		SocketMode bool `yaml:"socket_mode_enabled"`
	} `yaml:"settings"`
}

func readManifest(t *testing.T, path string) manifest {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// TestManifestMatchesCode: both manifests grant the scope of every Web API
// method the adapter's client interface has, subscribe to every event the
// adapter handles with the event's scope, ask for no scope the code does
// not use, escape mentions in /kipina and enable interactivity; the HTTP
// mode manifest points at the adapter's paths.
func TestManifestMatchesCode(t *testing.T) {
	// What the code uses: the client interface's methods, and the events.
	need := map[string]string{"commands": "the /kipina slash command"}
	it := reflect.TypeFor[api]()
	for i := range it.NumMethod() {
		name := it.Method(i).Name
		row, ok := webAPI[name]
		if !ok {
			t.Errorf("the client interface has %s, which webAPI does not list: add its Web API method and scope", name)
			continue
		}
		if row.scope != "" {
			need[row.scope] = row.method
		}
	}
	for name := range webAPI {
		if _, ok := it.MethodByName(name); !ok {
			t.Errorf("webAPI lists %s, which the client interface does not have", name)
		}
	}
	for ev := range handledEvents {
		scope, ok := eventScopes[ev]
		if !ok {
			t.Errorf("the adapter handles event %s, which eventScopes does not list", ev)
			continue
		}
		need[scope] = ev + " events"
	}

	for _, tc := range []struct {
		path string
		http bool
	}{{"../../configs/slack-manifest.yaml", false}, {"../../configs/slack-manifest-http.yaml", true}} {
		t.Run(tc.path, func(t *testing.T) {
			m := readManifest(t, tc.path)
			have := map[string]bool{}
			for _, s := range m.OAuth.Scopes.Bot {
				have[s] = true
			}
			for scope, why := range need {
				if !have[scope] {
					t.Errorf("scope %s missing (needed by %s)", scope, why)
				}
			}
			for s := range have {
				if _, ok := need[s]; !ok {
					t.Errorf("scope %s is asked for but the code uses nothing that needs it", s)
				}
			}
			for ev := range handledEvents {
				if !slices.Contains(m.Settings.Events.BotEvents, ev) {
					t.Errorf("event %s is handled but not subscribed (settings.event_subscriptions.bot_events)", ev)
				}
			}
			for _, ev := range m.Settings.Events.BotEvents {
				if !handledEvents[ev] {
					t.Errorf("event %s is subscribed but the adapter ignores it", ev)
				}
			}
			if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != "/kipina" {
				t.Fatalf("slash commands: %+v, want /kipina", m.Features.SlashCommands)
			}
			cmd := m.Features.SlashCommands[0]
			if !cmd.ShouldEscape {
				t.Error("should_escape must be true: mentions then arrive as <@U…|name>")
			}
			if !m.Settings.Interactivity.Enabled {
				t.Error("interactivity must be enabled: forms and buttons")
			}
			if m.Features.AppHome.MessagesTab && m.Features.AppHome.MessagesReadOnly == handledEvents["message.im"] {
				t.Error("the Messages tab must be writable exactly when message.im is handled")
			}
			if m.Settings.SocketMode == tc.http {
				t.Errorf("socket_mode_enabled is %v", m.Settings.SocketMode)
			}
			urls := map[string]string{
				PathCommands: cmd.URL, PathInteractions: m.Settings.Interactivity.RequestURL, PathEvents: m.Settings.Events.RequestURL,
			}
			paths := make([]string, 0, len(urls))
			for p := range urls {
				paths = append(paths, p)
			}
			sort.Strings(paths)
			for _, p := range paths {
				raw := urls[p]
				switch {
				case !tc.http && raw != "":
					t.Errorf("Socket Mode manifest has a request URL %s", raw)
				case tc.http:
					u, err := url.Parse(raw)
					if err != nil || u.Scheme != "https" || u.Path != p {
						t.Errorf("request URL %q: want https://<host>%s", raw, p)
					}
				}
			}
		})
	}
}
