package mattermost

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
)

// The start-up self-check. A Mattermost server calls the bot's callback
// only if it can reach it and, for a loopback or private address, only if
// ServiceSettings.AllowedUntrustedInternalConnections lists the callback's
// host; otherwise every /kipina fails for people with "Command with a
// trigger of 'kipina' failed" while the bot sees nothing. So once the
// commands are registered, the bot runs "/kipina selfcheck <nonce>" itself
// through the API (POST /api/v4/commands/execute, in its direct channel
// with itself) and waits for that request to arrive at its endpoint. A
// failure is logged with the setting to fix and reported by Reachable; the
// check runs again every Options.RecheckEvery until it passes, since the
// server may be fixed while the bot runs.

// probeWord starts the text of the self-check's command.
const probeWord = "selfcheck"

// errNotChecked is Reachable's answer before the first check has run.
var errNotChecked = errors.New("the self-check has not run yet")

// selfCheck is the state of the self-check.
type selfCheck struct {
	mu      sync.Mutex
	problem error                    // nil once the server reached the callback
	waiting map[string]chan struct{} // nonce → closed when its request arrives
}

// Reachable reports the self-check: nil once the server has reached the
// callback URL; before the first check, or while it fails, an error that
// says what to fix. An operations endpoint (/readyz) reports the adapter
// not ready while it is not nil; slash commands, buttons and dialogs do
// not work meanwhile, direct messages and posts do.
func (a *Adapter) Reachable() error {
	a.check.mu.Lock()
	defer a.check.mu.Unlock()
	return a.check.problem
}

// runSelfCheck checks every team until all pass or ctx ends.
func (a *Adapter) runSelfCheck(ctx context.Context) {
	for {
		err := a.checkOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		a.check.mu.Lock()
		a.check.problem = err
		a.check.mu.Unlock()
		if err == nil {
			a.log.Info("self-check passed: the Mattermost server reaches the callback", "callback_url", a.opts.CallbackURL)
			return
		}
		a.log.Error("self-check failed: slash commands will fail until this is fixed; the bot keeps running and checks again",
			"err", err, "again_in", a.opts.RecheckEvery)
		select {
		case <-ctx.Done():
			return
		case <-time.After(a.opts.RecheckEvery):
		}
	}
}

// checkOnce runs the command once on every team.
func (a *Adapter) checkOnce(ctx context.Context) error {
	for _, c := range a.conns {
		for _, t := range c.teams {
			if err := a.probe(ctx, c, t); err != nil {
				return fmt.Errorf("workspace %s: %w", t.ws.ID, err)
			}
		}
	}
	return nil
}

// probe executes "/kipina selfcheck <nonce>" as the bot on t's team and
// reports whether the request reached the endpoint.
func (a *Adapter) probe(ctx context.Context, c *conn, t *team) error {
	c.mu.Lock()
	bot := c.botID
	c.mu.Unlock()
	ch, resp, err := c.api.CreateDirectChannel(ctx, bot, bot)
	if err != nil {
		return fmt.Errorf("self-check: open the bot's own direct channel: %w", apiError("direct channel", resp, err))
	}
	var b [12]byte
	rand.Read(b[:])
	nonce := hex.EncodeToString(b[:])
	arrived := make(chan struct{})
	a.check.mu.Lock()
	if a.check.waiting == nil {
		a.check.waiting = map[string]chan struct{}{}
	}
	a.check.waiting[nonce] = arrived
	a.check.mu.Unlock()
	defer func() {
		a.check.mu.Lock()
		delete(a.check.waiting, nonce)
		a.check.mu.Unlock()
	}()
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, resp, err = c.api.ExecuteCommandWithTeam(cctx, ch.Id, t.id, "/"+Trigger+" "+probeWord+" "+nonce)
	select {
	case <-arrived:
		return nil // the server reached us, whatever it made of our answer
	default:
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return a.unreachable(resp, err)
}

// probeArrived reports whether a command request is the self-check's, and
// then records its arrival. Only the bot itself runs it: the server sets
// user_id, and the request carried the command's token.
func (a *Adapter) probeArrived(c *conn, userID, text string) bool {
	c.mu.Lock()
	bot := c.botID
	c.mu.Unlock()
	nonce, ok := strings.CutPrefix(strings.TrimSpace(text), probeWord+" ")
	if !ok || userID == "" || userID != bot {
		return false
	}
	a.check.mu.Lock()
	defer a.check.mu.Unlock()
	if ch, ok := a.check.waiting[strings.TrimSpace(nonce)]; ok {
		close(ch)
		delete(a.check.waiting, strings.TrimSpace(nonce))
	}
	return true
}

// unreachable explains a self-check whose request never arrived.
func (a *Adapter) unreachable(resp *model.Response, err error) error {
	host := a.opts.CallbackURL
	if u, perr := url.Parse(a.opts.CallbackURL); perr == nil {
		host = u.Hostname()
	}
	answer := "it answered with success, yet no request arrived"
	if err != nil {
		answer = fmt.Sprintf("it answered HTTP %d: %s", status(resp, err), strings.TrimRight(err.Error(), "."))
		var ae *model.AppError
		if errors.As(err, &ae) && ae.DetailedError != "" && !strings.Contains(err.Error(), ae.DetailedError) {
			answer += " (" + ae.DetailedError + ")"
		}
	}
	return fmt.Errorf("the Mattermost server could not reach the bot's callback %s%s; %s. "+
		"If the server's log says \"address forbidden\", the server refuses to call private addresses: "+
		"add the callback's host exactly as written, %s, to ServiceSettings.AllowedUntrustedInternalConnections "+
		"(System Console → Environment → Developer → Allow untrusted internal connections to; "+
		"when the server's environment sets MM_SERVICESETTINGS_ALLOWEDUNTRUSTEDINTERNALCONNECTIONS the console cannot change it: change the variable). "+
		"A name and an address are matched as written: \"localhost\" or \"127.0.0.1/8\" does not cover ::1. "+
		"Otherwise check that callback_url is the bot's address as the server sees it and that nothing blocks the way",
		a.opts.CallbackURL, PathCommand, answer, host)
}
