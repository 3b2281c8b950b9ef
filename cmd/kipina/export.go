package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/kipina/kipina/bot/export"
	"github.com/kipina/kipina/bot/locale"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

// runExport is "kipina export": an event's (or every event's) applications,
// reviews, results, follow-up funnel and survey as CSV files and one XLSX
// workbook per event, read from a consistent copy of the store (taken
// through the running bot when there is one), written under --dir/<workspace>.
func runExport(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	f := newFlags("export", stderr)
	var event, out, lang, only string
	f.StringVar(&event, "event", "", "event id (default: every event)")
	f.StringVar(&out, "dir", "", "output directory (default: DATA/exports/export-<time>)")
	f.StringVar(&lang, "lang", "", "language of the headers: fi, en or sv (default: the workspace's)")
	f.StringVar(&only, "workspace", "", "workspace id (default: every workspace with data)")
	f.Usage = func() {
		fmt.Fprintln(stderr, "Usage: kipina export [--data DIR] [--event ID] [--dir OUT] [--lang fi|en|sv] [--workspace ID]")
		f.PrintDefaults()
	}
	if code := f.parse(args); code >= 0 {
		return code
	}
	if len(f.positional) > 0 {
		f.Usage()
		return 2
	}
	cfg, err := configs.Load(f.config)
	if err != nil {
		fmt.Fprintf(stderr, "kipina: the configuration needs fixing:\n%v\n", err)
		return 2
	}
	if lang != "" && locale.Normalize(lang) == "" {
		fmt.Fprintf(stderr, "kipina export: --lang %q: want fi, en or sv\n", lang)
		return 2
	}
	dir := dataDir(f.data, cfg)
	if out == "" {
		out = filepath.Join(dir, "exports", "export-"+time.Now().Format("20060102-150405"))
	}
	n, err := exportAll(cfg, dir, out, event, only, locale.Normalize(lang), stdout)
	if err != nil {
		fmt.Fprintf(stderr, "kipina export: %v\n", err)
		return 1
	}
	if n == 0 {
		fmt.Fprintln(stderr, "kipina export: no such event in the store")
		return 1
	}
	return 0
}

// exportAll writes the files of every matching event and returns how many
// events it wrote.
func exportAll(cfg *configs.Config, dir, out, event, only, lang string, stdout io.Writer) (_ int, err error) {
	tmpDir, err := os.MkdirTemp("", "kipina-export-")
	if err != nil {
		return 0, err
	}
	defer func() {
		if rerr := os.RemoveAll(tmpDir); err == nil {
			err = rerr
		}
	}()
	snapshot := filepath.Join(tmpDir, "kipina.db")
	if _, _, err := backup(dir, snapshot, false); err != nil { // a new file in a fresh directory
		return 0, err
	}
	db, err := storage.Open(snapshot)
	if err != nil {
		return 0, err
	}
	defer closeInto(&err, db)
	cat, err := locale.Load()
	if err != nil {
		return 0, err
	}
	written := 0
	err = db.View(func(tx *storage.Tx) error {
		wss, err := tx.Workspaces()
		if err != nil {
			return err
		}
		for _, ws := range wss {
			if only != "" && ws != only {
				continue
			}
			o := export.Options{Config: cfg, Cat: cat, Lang: lang, Loc: time.UTC}
			o.Lang, o.Loc = workspaceDefaults(cfg, ws, lang)
			events, err := round.Events.All(tx, ws)
			if err != nil {
				return err
			}
			for _, ev := range events {
				if event != "" && ev.ID != event {
					continue
				}
				sheets, err := export.Collect(tx, o, ws, ev.ID)
				if err != nil {
					return err
				}
				files, err := export.Files(ev.ID, o.Lang, sheets)
				if err != nil {
					return err
				}
				paths, err := export.Save(filepath.Join(out, ws), files)
				if err != nil {
					return err
				}
				secret := 0
				for _, s := range sheets[0].Secret {
					if s {
						secret++
					}
				}
				fmt.Fprintf(stdout, "%s/%s: %d applications", ws, ev.ID, len(sheets[0].Rows))
				if secret > 0 {
					fmt.Fprintf(stdout, ", %d marked as trade secret (do not pass on)", secret)
				}
				fmt.Fprintln(stdout)
				for _, p := range paths {
					fmt.Fprintf(stdout, "  %s\n", p)
				}
				written++
			}
		}
		return nil
	})
	return written, err
}

// workspaceDefaults returns the language (unless lang is given) and the
// time zone of a configured workspace, else the defaults.
func workspaceDefaults(cfg *configs.Config, ws, lang string) (string, *time.Location) {
	l, tz := cfg.Defaults.Language, cfg.Defaults.Timezone
	if i := slices.IndexFunc(cfg.Workspaces, func(w configs.Workspace) bool { return w.ID == ws }); i >= 0 {
		if w := cfg.Workspaces[i]; w.Language != "" {
			l = w.Language
		}
		if w := cfg.Workspaces[i]; w.Timezone != "" {
			tz = w.Timezone
		}
	}
	if lang != "" {
		l = lang
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	return l, loc
}
