package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/kipina/kipina/bot/email"
	"github.com/kipina/kipina/bot/locale"
	"github.com/kipina/kipina/bot/web"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

// webOn reports whether a workspace has the public web page on.
func webOn(cfg *configs.Config) bool {
	if cfg.Web == nil {
		return false
	}
	for _, w := range cfg.Workspaces {
		if w.Web {
			return true
		}
	}
	return false
}

// webPlatform builds the web page and e-mail platform (package bot/web)
// for the workspaces with web: true. mailer nil sends through the
// configuration's SMTP server (credentials from the environment); l nil
// listens on web.listen.
func webPlatform(cfg *configs.Config, db *storage.DB, now func() time.Time, log *slog.Logger, mailer web.Mailer, l net.Listener) (*web.Adapter, error) {
	a, err := web.New(web.Options{Config: cfg, DB: db, Now: now, Log: log, Mailer: mailer, Listener: l,
		Calls: web.RoundCalls{Config: cfg, DB: db, Now: now}})
	if err != nil {
		return nil, fmt.Errorf("web page: %w", err)
	}
	return a, nil
}

// demoMail is the sender of the demo's e-mails.
const demoMail = "Kipinä <kipina@localhost>"

// demoWeb turns the public web page on for the terminal demo, whose
// configuration has no web section: the first shell workspace gets
// web: true, the page listens on listen (a loopback address; when it is
// taken, on any free loopback port), and e-mail goes to a folder,
// DATA/mail, one .eml file per mail, instead of an SMTP server. It
// returns the listener and the folder; the caller announces the mails.
func demoWeb(cfg *configs.Config, listen, dir string, now func() time.Time) (net.Listener, *email.Folder, error) {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, nil, fmt.Errorf("--web %q: %w", listen, err)
	}
	l, err := net.Listen("tcp", listen)
	if err != nil {
		if l, err = net.Listen("tcp", net.JoinHostPort(host, "0")); err != nil {
			return nil, nil, fmt.Errorf("web page: %w", err)
		}
	}
	folder, err := email.NewFolder(filepath.Join(dir, "mail"), demoMail, now)
	if err != nil {
		return nil, nil, errors.Join(err, l.Close())
	}
	cfg.Web = &configs.WebSettings{Listen: l.Addr().String(), BaseURL: "http://" + l.Addr().String()}
	for i, w := range cfg.Workspaces {
		if w.Platform == "shell" {
			cfg.Workspaces[i].Web = true
			break
		}
	}
	return l, folder, nil
}

var mailURL = regexp.MustCompile(`https?://\S+`)

// mailNote is what the terminal shows of a demo e-mail: to whom, its
// subject, its links and where the file is, in lang.
func mailNote(cat *locale.Catalog, lang string, m email.Mail, path string) string {
	var sb strings.Builder
	sb.WriteString(cat.T(lang, "shell.mail", "To", m.To, "Subject", m.Subject, "Path", path))
	for _, u := range mailURL.FindAllString(m.Text, -1) {
		sb.WriteString("\n  " + u)
	}
	return sb.String()
}
