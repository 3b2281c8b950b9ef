package bot

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/locale"
	"github.com/kipina/kipina/storage"
)

// Role is what a person may do.
type Role string

// The roles. Anyone needs no grant.
const (
	Anyone    Role = ""
	Organiser Role = "organiser"
	Juror     Role = "juror"
	Company   Role = "company"
	Process   Role = "process"
)

// Roles is a set of roles.
type Roles map[Role]bool

// Has reports whether the set allows role: everybody has Anyone and an
// organiser may do what every role may.
func (rs Roles) Has(role Role) bool { return role == Anyone || rs[role] || rs[Organiser] }

// User is what the bot keeps of a person, per workspace.
type User struct {
	Ref chat.UserRef `json:"ref"`
	// Lang is the language the person chose with /kipina lang; empty when
	// they have not.
	Lang    string       `json:"lang,omitempty"`
	Roles   []Role       `json:"roles,omitempty"`
	Profile chat.Profile `json:"profile"`
	Fetched time.Time    `json:"fetched"`
}

// Users is the bucket of people, keyed by platform user id.
var Users = storage.NewBucket[User]("users")

func userKey(u chat.UserRef) string { return u.Platform + ":" + u.User }

// LoadUser returns the stored user, a zero one with Ref set when new, or
// the error of a record that cannot be read (never a blank user then: a
// caller that saved it would wipe the person's roles).
func LoadUser(tx *storage.Tx, u chat.UserRef) (User, error) {
	got, ok, err := Users.Lookup(tx, u.Workspace, userKey(u))
	if err != nil {
		return User{}, fmt.Errorf("user %s: %w", u, err)
	}
	if !ok {
		return User{Ref: u}, nil
	}
	return got, nil
}

// SaveUser stores u.
func SaveUser(tx *storage.Tx, u User) error { return Users.Put(tx, u.Ref.Workspace, userKey(u.Ref), u) }

// Grant gives u role (kept once); the change is audited by the caller.
func Grant(tx *storage.Tx, u chat.UserRef, role Role) error {
	usr, err := LoadUser(tx, u)
	if err != nil {
		return err
	}
	if !slices.Contains(usr.Roles, role) {
		usr.Roles = append(usr.Roles, role)
	}
	return SaveUser(tx, usr)
}

// Revoke takes role from u.
func Revoke(tx *storage.Tx, u chat.UserRef, role Role) error {
	usr, err := LoadUser(tx, u)
	if err != nil {
		return err
	}
	usr.Roles = slices.DeleteFunc(usr.Roles, func(r Role) bool { return r == role })
	return SaveUser(tx, usr)
}

// rolesOf returns the stored roles plus the organiser bootstrap of the
// workspace configuration (by user id, by what an "@username" or e-mail
// entry resolved to at start-up (organisers.go), or by the profile's e-mail
// where the platform verifies it: configs.Workspace.EmailGrantsOrganiser).
func (ws *Workspace) rolesOf(u User) Roles {
	rs := Roles{}
	for _, r := range u.Roles {
		rs[r] = true
	}
	if ws.organisers.has(u.Ref.User) {
		rs[Organiser] = true
	}
	byEmail := u.Profile.Email != "" && ws.EmailGrantsOrganiser()
	for _, o := range ws.Organisers {
		if o == u.Ref.User || (byEmail && strings.EqualFold(o, u.Profile.Email)) {
			rs[Organiser] = true
		}
	}
	return rs
}

// langOf picks the language: the person's choice, else the platform
// profile's locale, else the workspace's.
func (ws *Workspace) langOf(u User, originLocale string) string {
	if u.Lang != "" {
		return u.Lang
	}
	if l := locale.Normalize(originLocale); l != "" {
		return l
	}
	if l := locale.Normalize(u.Profile.Locale); l != "" {
		return l
	}
	return ws.Lang
}

// LangOf returns the language to write to u in. A user record that cannot
// be read is logged and the workspace's language used: a message in the
// default language beats no message.
func (e *Env) LangOf(tx *storage.Tx, u chat.UserRef) string {
	ws, ok := e.workspaces[u.Workspace]
	if !ok {
		return e.Config.Defaults.Language
	}
	usr, err := LoadUser(tx, u)
	if err != nil {
		e.Log.Error("language of recipient", "err", err)
	}
	return ws.langOf(usr, "")
}

// Zone returns u's time zone: the profile's, else the workspace's. A user
// record that cannot be read, or an unknown zone, is logged and the
// workspace's zone used.
func (e *Env) Zone(tx *storage.Tx, u chat.UserRef) *time.Location {
	ws, ok := e.workspaces[u.Workspace]
	if !ok {
		return time.UTC
	}
	usr, err := LoadUser(tx, u)
	if err != nil {
		e.Log.Error("zone of recipient", "err", err)
	}
	if tz := usr.Profile.Timezone; tz != "" {
		loc, err := time.LoadLocation(tz)
		if err == nil {
			return loc
		}
		e.Log.Warn("profile time zone", "user", u.String(), "err", err)
	}
	return ws.Loc
}

// profileTTL is how long a platform profile is trusted before it is read
// again.
const profileTTL = 24 * time.Hour

// identify loads the user without waiting on the platform: when the
// stored profile is missing or older than profileTTL, a copy the adapter
// already holds (chat.CachedDirectory) serves this request and a
// background fetch (profiles) stores a fresh one. Until it arrives the
// person is answered in the origin's locale or the workspace's language.
func (b *Bot) identify(o chat.Origin) (User, error) {
	var u User
	if err := b.DB.View(func(tx *storage.Tx) (err error) { u, err = LoadUser(tx, o.User); return err }); err != nil {
		return u, err
	}
	dir, ok := b.platforms[o.User.Platform].(chat.Directory)
	if !ok || b.Now().Sub(u.Fetched) < profileTTL {
		return u, nil
	}
	if cd, ok := dir.(chat.CachedDirectory); ok {
		if p, ok := cd.CachedProfile(o.User); ok {
			u.Profile = p
		}
	}
	b.profiles.refresh(dir, o.User)
	return u, nil
}
