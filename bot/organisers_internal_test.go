package bot

import (
	"strings"
	"testing"

	"github.com/kipina/kipina/configs"
)

// TestNoSuchOrganiserRemedy (issue 20): the remedy for an organisers entry
// nobody has is right for the platform: on Mattermost it says to add the
// person to the team and how to find a user id while the bot is stopped,
// and suggests an e-mail address only where one grants the role; nowhere
// does it point to /kipina whoami, which cannot run while the bot is down.
func TestNoSuchOrganiserRemedy(t *testing.T) {
	yes := true
	mm := &Workspace{Workspace: configs.Workspace{ID: "tre", Platform: "mattermost"}}
	mmMail := &Workspace{Workspace: configs.Workspace{ID: "tre", Platform: "mattermost", OrganisersByEmail: &yes}}
	slack := &Workspace{Workspace: configs.Workspace{ID: "tre", Platform: "slack"}}
	for _, c := range []struct {
		name          string
		ws            *Workspace
		what, user    string
		want, notWant []string
	}{
		{"mattermost username", mm, "username", "liisa",
			[]string{"member of the team", "POST /api/v4/teams/TEAM_ID/members", "GET /api/v4/users/username/liisa", "user id"},
			[]string{"e-mail", "whoami"}},
		{"mattermost username, e-mails allowed", mmMail, "username", "liisa",
			[]string{"member of the team", "their e-mail address or their user id"}, []string{"whoami"}},
		{"mattermost e-mail", mmMail, "e-mail address", "",
			[]string{"member of the team", "their @username or their user id", "GET /api/v4/users/username/NAME"}, []string{"whoami"}},
		{"slack username", slack, "username", "liisa",
			[]string{"member ID", "their e-mail address"}, []string{"whoami", "/api/v4"}},
	} {
		got := noSuchOrganiser(c.ws, c.what, c.user)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", c.name, got, w)
			}
		}
		for _, w := range c.notWant {
			if strings.Contains(got, w) {
				t.Errorf("%s: %q has %q", c.name, got, w)
			}
		}
	}
}
