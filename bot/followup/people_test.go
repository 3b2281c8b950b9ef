package followup_test

import (
	"testing"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/followup"
	"github.com/kipina/kipina/bot/routing"
	"github.com/kipina/kipina/storage"
)

func TestPeopleAddWithRoles(t *testing.T) {
	h := bottest.New(t, call.Module{}, routing.Module{}, followup.Module{})
	out := h.Run("/kipina followup people add kipina-2017 @olli city @liisa @sami\n")
	must(t, out, "@olli, @liisa, @sami")
	roles := map[string]string{}
	if err := h.DB.View(func(tx *storage.Tx) error {
		p, _, err := followup.LoadPlan(tx, "demo", "kipina-2017")
		if err != nil {
			return err
		}
		for _, x := range p.People {
			roles[x.User.User] = x.Role
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if roles["olli"] != "juror" || roles["liisa"] != "city" || roles["sami"] != "city" {
		t.Errorf("roles = %v", roles)
	}
}
