package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/followup"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/storage"
	"github.com/xuri/excelize/v2"
)

// TestExportCommand: kipina export writes the CSV files (with a BOM) and a
// workbook whose sheets carry the trade-secret mark, from a store the bot
// is not running on.
func TestExportCommand(t *testing.T) {
	dir, out := t.TempDir(), t.TempDir()
	db, err := storage.Open(filepath.Join(dir, "kipina.db"))
	if err != nil {
		t.Fatal(err)
	}
	owner := chat.UserRef{Platform: "shell", Workspace: "demo", User: "anna"}
	err = db.Update(func(tx *storage.Tx) error {
		if err := round.Events.Put(tx, "demo", "k27", round.Event{ID: "k27", Name: "Kipinä 2027", Date: time.Now()}); err != nil {
			return err
		}
		for _, a := range []round.Application{
			{ID: "H0001", Event: "k27", Owner: owner, State: round.Accepted, Company: "Katuvalo Oy", Target: "health", Summary: "Valoa, \"lainaus\"\nrivi"},
			{ID: "H0002", Event: "k27", Owner: owner, State: round.Declined, Company: "Salainen Ab", Target: "sensors", Secrets: true},
		} {
			if err := round.Put(tx, "demo", a); err != nil {
				return err
			}
		}
		return followup.Pairs.Put(tx, "demo", followup.PairKey("k27", "H0001"), followup.Pair{Event: "k27", App: "H0001",
			Company: "Katuvalo Oy", Target: "health", Stage: followup.Piloting})
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"export", "--data", dir, "--dir", out, "--lang", "en"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "demo/k27: 2 applications, 1 marked as trade secret") {
		t.Errorf("stdout:\n%s", stdout.String())
	}
	csv, err := os.ReadFile(filepath.Join(out, "demo", "k27-applications.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(csv, []byte("\xef\xbb\xbfApplication,State,Company")) || !strings.Contains(string(csv), "\"Valoa, \"\"lainaus\"\"\r\nrivi\"") {
		t.Errorf("applications.csv:\n%s", csv)
	}
	x, err := excelize.OpenFile(filepath.Join(out, "demo", "k27.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if got := strings.Join(x.GetSheetList(), ","); got != "Applications,Reviews,Results,Follow-up,Feedback survey" {
		t.Errorf("sheets = %s", got)
	}
	rows, _ := x.GetRows("Applications")
	cell := func(rows [][]string, r, c int) string {
		if r < len(rows) && c < len(rows[r]) {
			return rows[r][c]
		}
		return ""
	}
	last := len(rows[0]) - 1
	if len(rows) != 3 || cell(rows, 2, 0) != "H0002" || cell(rows, 2, last) != "TRADE SECRET" || cell(rows, 1, last) != "" {
		t.Errorf("applications sheet: %q", rows)
	}
	funnel, _ := x.GetRows("Follow-up")
	if len(funnel) != 2 || cell(funnel, 1, 3) != "pilot" {
		t.Errorf("funnel sheet: %q", funnel)
	}
	// An unknown event is an error, not an empty directory.
	if code := run(context.Background(), []string{"export", "--data", dir, "--dir", out, "--event", "nosuch"}, nil, &stdout, &stderr); code != 1 {
		t.Errorf("unknown event: exit %d", code)
	}
}
