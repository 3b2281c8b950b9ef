package bot

import (
	"testing"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/configs"
)

// An e-mail address in organisers grants the role from a profile's e-mail
// only where the platform verifies it: by default on Slack, not on
// Mattermost unless organisers_by_email says so.
func TestOrganiserByEmail(t *testing.T) {
	yes, no := true, false
	u := func(platform string) User {
		return User{Ref: chat.UserRef{Platform: platform, Workspace: "w", User: "x1"}, Profile: chat.Profile{Email: "Boss@Tampere.fi"}}
	}
	for _, c := range []struct {
		platform string
		setting  *bool
		want     bool
	}{
		{"slack", nil, true},
		{"mattermost", nil, false},
		{"shell", nil, false},
		{"mattermost", &yes, true},
		{"slack", &no, false},
	} {
		ws := &Workspace{Workspace: configs.Workspace{ID: "w", Platform: c.platform, Organisers: []string{"boss@tampere.fi"}, OrganisersByEmail: c.setting}}
		if got := ws.rolesOf(u(c.platform))[Organiser]; got != c.want {
			t.Errorf("%s, organisers_by_email %v: organiser %v, want %v", c.platform, c.setting, got, c.want)
		}
		// A user id always grants.
		ws.Organisers = []string{"x1"}
		if !ws.rolesOf(u(c.platform))[Organiser] {
			t.Errorf("%s: organiser by user id refused", c.platform)
		}
	}
}
