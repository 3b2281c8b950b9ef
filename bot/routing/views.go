package routing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/format"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/storage"
)

// list shows applications grouped by their primary target, with scores.
func (m *module) list(_ context.Context, r *bot.Request) (chat.Response, error) {
	type row struct {
		a     round.Application
		match Match
	}
	byTarget := map[string][]row{}
	var ev round.Event
	err := r.Env.DB.View(func(tx *storage.Tx) error {
		if len(r.Args) == 1 {
			var err error
			if ev, _, err = round.Events.Lookup(tx, r.WS.ID, r.Args[0]); err != nil {
				return err
			}
		} else {
			evs, err := round.Events.All(tx, r.WS.ID)
			if err != nil {
				return err
			}
			if len(evs) > 0 {
				ev = evs[len(evs)-1]
			}
		}
		if ev.ID == "" {
			return bot.Refuse("event.not_found", "Event", strings.Join(r.Args, " "))
		}
		apps, err := round.EventApps(tx, r.WS.ID, ev.ID)
		if err != nil {
			return err
		}
		for _, a := range apps {
			if !a.State.Live() {
				continue
			}
			mt, _, err := matches.Lookup(tx, r.WS.ID, a.ID)
			if err != nil {
				return err
			}
			byTarget[mt.Primary()] = append(byTarget[mt.Primary()], row{a, mt})
		}
		return nil
	})
	if err != nil {
		return chat.Response{}, err
	}
	if len(byTarget) == 0 {
		return r.Reply("apps.none")
	}
	var sb strings.Builder
	sb.WriteString(r.T("routing.matches.heading", "Event", ev.NameIn(r.Lang)))
	for _, t := range targets(m.b, ev) {
		rows := byTarget[t.ID]
		if len(rows) == 0 {
			continue
		}
		fmt.Fprintf(&sb, "\n*%s* (%d)", ev.TargetName(m.b.Config.Tracks, t.ID, r.Lang), len(rows))
		for _, x := range rows {
			mark := ""
			if x.match.Override != "" {
				mark = " ✎"
			}
			fmt.Fprintf(&sb, "\n  %s %s — %s%s", x.a.ID, x.a.Company, format.Decimal(r.Lang, scoreFor(x.match, t.ID), 2), mark)
		}
	}
	return r.ReplyText(sb.String())
}

// scoreFor is a match's score for target.
func scoreFor(m Match, target string) float64 {
	for _, x := range m.Ranking.Matches {
		if x.Target == target {
			return x.Score
		}
	}
	return 0
}

// show explains one application's ranking.
func (m *module) show(_ context.Context, r *bot.Request) (chat.Response, error) {
	var a round.Application
	var ev round.Event
	var mt Match
	err := r.Env.DB.View(func(tx *storage.Tx) error {
		var found bool
		var err error
		if a, found, err = round.Apps.Lookup(tx, r.WS.ID, strings.ToUpper(r.Args[0])); err != nil {
			return err
		}
		if !found {
			return bot.Refuse("app.not_found", "App", r.Args[0])
		}
		if ev, err = round.LoadEvent(tx, r.WS.ID, a.Event); err != nil {
			return err
		}
		mt, _, err = matches.Lookup(tx, r.WS.ID, a.ID)
		return err
	})
	if err != nil {
		return chat.Response{}, err
	}
	var sb strings.Builder
	sb.WriteString(r.T("routing.show.heading", "App", a.ID, "Company", a.Company, "Lang", mt.Ranking.Lang))
	for i, x := range mt.Ranking.Matches {
		fmt.Fprintf(&sb, "\n%d. %s — %s", i+1, ev.TargetName(m.b.Config.Tracks, x.Target, r.Lang), format.Decimal(r.Lang, x.Score, 2))
		if len(x.Reasons) > 0 {
			sb.WriteString(" (" + strings.Join(x.Reasons, ", ") + ")")
		}
	}
	if mt.Override != "" {
		sb.WriteString("\n" + r.T("routing.show.override", "Target", ev.TargetName(m.b.Config.Tracks, mt.Override, r.Lang)))
	}
	return r.ReplyText(sb.String())
}

// knownTarget reports whether id is a core process or a challenge of any
// event of the workspace.
func knownTarget(b *bot.Env, tx *storage.Tx, ws, id string) (bool, error) {
	for _, t := range b.Config.Tracks {
		if t.ID == id {
			return true, nil
		}
	}
	found := false
	err := round.Events.Scan(tx, ws, "", func(_ string, ev round.Event) error {
		if slices.ContainsFunc(ev.Challenges, func(c round.Challenge) bool { return c.ID == id }) {
			found = true
			return storage.ErrStop
		}
		return nil
	})
	return found, err
}

func (m *module) contactsEdit(add bool) bot.Handler {
	return func(ctx context.Context, r *bot.Request) (chat.Response, error) {
		target := r.Args[0]
		if add {
			r.KnowMentioned(ctx, r.Args[1:]...) // routed applications reach them in their language
		}
		var names []string
		err := r.Update(func(tx *storage.Tx) error {
			known, err := knownTarget(m.b, tx, r.WS.ID, target)
			if err != nil {
				return err
			}
			if !known {
				return bot.Refuse("routing.no_target", "Target", target)
			}
			cur, _, err := contactsB.Lookup(tx, r.WS.ID, target)
			if err != nil {
				return err
			}
			have := make(map[chat.UserRef]bool, len(cur))
			for _, u := range cur {
				have[u] = true
			}
			for _, arg := range r.Args[1:] {
				u := bot.Mention(r, arg)
				names = append(names, chat.Mention(u))
				switch {
				case add && !have[u]:
					have[u] = true
					cur = append(cur, u)
					if err := bot.Grant(tx, u, bot.Process); err != nil {
						return err
					}
				case !add && have[u]:
					delete(have, u)
				}
			}
			if !add {
				cur = slices.DeleteFunc(cur, func(x chat.UserRef) bool { return !have[x] })
			}
			if err := contactsB.Put(tx, r.WS.ID, target, cur); err != nil {
				return err
			}
			action := "contacts.add"
			if !add {
				action = "contacts.remove"
			}
			return r.Audit(tx, action, "target/"+target, strings.Join(names, " "))
		})
		switch {
		case err != nil:
			return chat.Response{}, fmt.Errorf("contacts: %w", err)
		case add:
			return r.Reply("routing.contacts.added", "Users", format.And(r.Lang, names), "Count", len(names), "Target", target)
		default:
			return r.Reply("routing.contacts.removed", "Users", strings.Join(names, ", "), "Target", target)
		}
	}
}

func (m *module) contactList(_ context.Context, r *bot.Request) (chat.Response, error) {
	var sb strings.Builder
	err := r.Env.DB.View(func(tx *storage.Tx) error {
		targets, err := contactTargets(tx, r.WS.ID)
		if err != nil {
			return err
		}
		for _, target := range targets {
			if len(r.Args) == 1 && target != r.Args[0] {
				continue
			}
			users, err := Contacts(tx, r.WS.ID, target)
			if err != nil {
				return err
			}
			channels, err := ContactChannels(tx, r.WS.ID, target)
			if err != nil {
				return err
			}
			var names []string
			for _, u := range users {
				names = append(names, chat.Mention(u))
			}
			for _, ch := range channels {
				names = append(names, "#"+ch)
			}
			if len(names) > 0 {
				fmt.Fprintf(&sb, "• %s: %s\n", target, strings.Join(names, ", "))
			}
		}
		return nil
	})
	if err != nil {
		return chat.Response{}, err
	}
	if sb.Len() == 0 {
		return r.Reply("routing.contacts.none")
	}
	return r.ReplyText(strings.TrimRight(sb.String(), "\n"))
}

// digested marks, per workspace, each application that reached its
// target's digest (key target/app id): every application reaches exactly
// one digest, however often the digest runs.
var digested = storage.NewBucket[time.Time]("digested")

// digestLast is the time of a target's last digest as stores written before
// per-application marks kept it: applications submitted until then were
// digested. It is only read.
var digestLast = storage.NewBucket[time.Time]("digest-last")

func digestedKey(target, appID string) string { return target + "/" + appID }

// digestQueue holds, per workspace, the applications that may still be due
// in a digest (key target/app id, the time queued): written with the match
// that routes an application to a target, removed once a digest carried it
// or it went elsewhere. The digest reads only it, so its cost is what it
// sends, not every application ever received.
var digestQueue = storage.NewBucket[time.Time]("digest-queue")

// digestQueueBuilt marks a workspace whose queue was built from its stored
// matches (once, by the first digest after the upgrade that added it).
var digestQueueBuilt = storage.NewBucket[bool]("digest-queue-built")

// saveMatch stores a match and queues its application for the digest of
// its primary target.
func saveMatch(tx *storage.Tx, ws string, mt Match) error {
	if err := matches.Put(tx, ws, mt.App, mt); err != nil {
		return err
	}
	p := mt.Primary()
	if p == "" {
		return nil
	}
	if _, done, err := digested.Lookup(tx, ws, digestedKey(p, mt.App)); err != nil || done {
		return err
	}
	return digestQueue.Put(tx, ws, digestedKey(p, mt.App), tx.Now())
}

// requeue puts an application that came back (withdrawn, then submitted
// again) back in the digest queue of its primary target, unless a digest
// carried it already.
func requeue(_ context.Context, tx *storage.Tx, ws string, c round.Change) error {
	if !c.To.Live() || c.From.Live() {
		return nil
	}
	mt, found, err := matches.Lookup(tx, ws, c.App.ID)
	if err != nil || !found {
		return err
	}
	return saveMatch(tx, ws, mt)
}

// buildDigestQueue queues every stored match not yet digested for its
// primary target, once per workspace: the queue of a store written before
// the queue was kept. It reads every match, once.
func buildDigestQueue(tx *storage.Tx, ws string) error {
	_, built, err := digestQueueBuilt.Lookup(tx, ws, "built")
	if err != nil || built {
		return err
	}
	var all []Match
	if err := matches.Scan(tx, ws, "", func(_ string, mt Match) error { all = append(all, mt); return nil }); err != nil {
		return err
	}
	for _, mt := range all {
		p := mt.Primary()
		if p == "" {
			continue
		}
		if _, done, err := digested.Lookup(tx, ws, digestedKey(p, mt.App)); err != nil || done {
			if err != nil {
				return err
			}
			continue
		}
		if err := digestQueue.Put(tx, ws, digestedKey(p, mt.App), tx.Now()); err != nil {
			return err
		}
	}
	return digestQueueBuilt.Put(tx, ws, "built", true)
}

// digest is the cron job: sendDigests, with its error logged (a cron job
// has nobody to answer).
// digest is the cron job: a workspace's digest, run in its zone
// (bot.Registry.Cron).
func (m *module) digest(ctx context.Context, ws *bot.Workspace) {
	if err := m.sendDigests(ctx, ws); err != nil {
		m.b.Log.ErrorContext(ctx, "digest", "workspace", ws.ID, "err", err)
	}
}

// digestBatch is one target's digest in one workspace: the applications
// routed to it that no digest has carried yet.
type digestBatch struct {
	ws     *bot.Workspace
	target string
	apps   []round.Application
	events map[string]round.Event
	to     []chat.UserRef
	// stale are queue entries that no digest will carry (the application
	// went to another target, or was digested already).
	stale []string
}

// sendDigests sends each of ws's targets' contacts the applications routed to it
// that no earlier digest carried, one message per person per batch, through
// the outbox. It reads in a read transaction and writes only the messages
// and the marks, so it does not hold up submissions; a batch's key names
// its applications, so a second run sends nothing twice and a later
// application makes a new batch.
func (m *module) sendDigests(ctx context.Context, ws *bot.Workspace) error {
	var batches []digestBatch
	var built bool
	err := m.b.DB.View(func(tx *storage.Tx) (err error) {
		_, built, err = digestQueueBuilt.Lookup(tx, ws.ID, "built")
		return err
	})
	if err != nil {
		return err
	}
	if !built {
		if err := m.b.UpdateFor(ctx, func(tx *storage.Tx) error { return buildDigestQueue(tx, ws.ID) }); err != nil {
			return fmt.Errorf("digest queue: %w", err)
		}
	}
	err = m.b.DB.View(func(tx *storage.Tx) (err error) {
		batches, err = m.pendingDigests(tx, ws)
		return err
	})
	if err != nil || len(batches) == 0 {
		return err
	}
	now := m.b.Now()
	return m.b.UpdateFor(ctx, func(tx *storage.Tx) error {
		for _, d := range batches {
			ids := make([]string, len(d.apps))
			for i, a := range d.apps {
				ids[i] = a.ID
			}
			sum := sha256.Sum256([]byte(strings.Join(ids, ",")))
			batch := hex.EncodeToString(sum[:8])
			for _, u := range d.to {
				if len(d.apps) == 0 {
					break
				}
				lang := m.b.LangOf(tx, u)
				lines := []string{m.b.Cat.T(lang, "routing.digest", "Count", len(d.apps), "Target", d.events[d.apps[0].Event].TargetName(m.b.Config.Tracks, d.target, lang))}
				for _, a := range d.apps {
					lines = append(lines, m.digestLine(lang, a))
				}
				key := outbox.NewKey(d.ws.ID, "digest", d.target, batch, u.User)
				if _, err := outbox.Enqueue(tx, key, chat.DM(u), chat.Message{Text: strings.Join(lines, "\n")}); err != nil {
					return err
				}
			}
			for _, a := range d.apps {
				if err := digested.Put(tx, d.ws.ID, digestedKey(d.target, a.ID), now); err != nil {
					return err
				}
				if err := digestQueue.Delete(tx, d.ws.ID, digestedKey(d.target, a.ID)); err != nil {
					return err
				}
			}
			for _, k := range d.stale {
				if err := digestQueue.Delete(tx, d.ws.ID, k); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// digestLine is one application in a digest: a trade secret shows no text.
func (m *module) digestLine(lang string, a round.Application) string {
	if a.Secrets {
		return fmt.Sprintf("• %s %s — %s", a.ID, a.Company, m.b.Cat.T(lang, "routing.digest.secret", "App", a.ID))
	}
	return fmt.Sprintf("• %s %s — %s", a.ID, a.Company, bot.Clip(a.Summary, 120))
}

// pendingDigests lists ws's digest batches: per target with contacts, the
// live applications routed to it and not yet digested.
func (m *module) pendingDigests(tx *storage.Tx, ws *bot.Workspace) ([]digestBatch, error) {
	targets, err := contactTargets(tx, ws.ID)
	if err != nil {
		return nil, err
	}
	var out []digestBatch
	for _, target := range targets {
		us, err := Contacts(tx, ws.ID, target)
		if err != nil {
			return nil, err
		}
		if len(us) == 0 {
			continue
		}
		before, _, err := digestLast.Lookup(tx, ws.ID, target)
		if err != nil {
			return nil, err
		}
		d := digestBatch{ws: ws, target: target, to: us, events: map[string]round.Event{}}
		err = digestQueue.Scan(tx, ws.ID, target+"/", func(k string, _ time.Time) error {
			a, found, err := round.Apps.Lookup(tx, ws.ID, k[len(target)+1:])
			if err != nil {
				return err
			}
			if !found {
				d.stale = append(d.stale, k)
				return nil
			}
			if !a.State.Live() {
				// Withdrawn: it leaves the queue (so that withdrawn
				// applications never pile up in it); if it comes back,
				// requeue puts it back.
				d.stale = append(d.stale, k)
				return nil
			}
			primary, err := Primary(tx, ws.ID, a.ID)
			if err != nil {
				return err
			}
			_, done, err := digested.Lookup(tx, ws.ID, k)
			if err != nil {
				return err
			}
			if primary != target || done || !a.Submitted.After(before) {
				d.stale = append(d.stale, k) // routed elsewhere, or digested already
				return nil
			}
			if _, ok := d.events[a.Event]; !ok {
				if d.events[a.Event], err = round.LoadEvent(tx, ws.ID, a.Event); err != nil {
					return err
				}
			}
			d.apps = append(d.apps, a)
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(d.apps)+len(d.stale) > 0 {
			out = append(out, d)
		}
	}
	return out, nil
}

// contactTargets lists the targets that have contacts, by command or by
// configuration, in key order.
func contactTargets(tx *storage.Tx, ws string) ([]string, error) {
	var out []string
	err := contactsB.Scan(tx, ws, "", func(target string, _ []chat.UserRef) error {
		out = append(out, target)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = fromConfig.Scan(tx, ws, "", func(target string, _ configured) error {
		if !slices.Contains(out, target) {
			out = append(out, target)
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}
